"""The prompt's weighted, shrunk Bradley-Terry fit and its anytime-valid bounds."""

from __future__ import annotations

import numpy as np
from scipy.optimize import check_grad
from scipy.special import expit

from ratings.engine.local import (
    effective_votes,
    kernel_weights,
    local_fit,
    local_regret,
    sandwich,
    tallies_from,
    weighted_bt,
)
from ratings.engine.regret import regret_excess


def _tallies(weights: np.ndarray, wins: np.ndarray, n_models: int = 3):
    """Tallies of votes (pair k, outcome) with the given weights."""
    k = n_models * (n_models - 1) // 2
    weighted, squared = np.zeros((3, k)), np.zeros((3, k))
    for w, (pair, outcome) in zip(weights, wins, strict=True):
        weighted[outcome, pair] += w
        squared[outcome, pair] += w * w
    return tallies_from(weighted, squared, n_models)


def _votes(rng, theta, n):
    first, second = np.triu_indices(theta.size, k=1)
    pair = rng.integers(first.size, size=n)
    p = expit(theta[first[pair]] - theta[second[pair]])
    outcome = np.where(rng.random(n) < p, 0, 1)
    return np.column_stack([pair, outcome])


def test_the_fit_is_the_optimum_of_its_objective():
    rng = np.random.default_rng(0)
    tallies = _tallies(rng.random(300), _votes(rng, np.array([0.5, 0.0, -0.5]), 300))
    centre = np.array([0.2, -0.1, -0.1])
    theta = weighted_bt(tallies, centre=centre, precision=2.0)

    def objective(t):
        d = t[tallies.first] - t[tallies.second]
        wins = tallies.wins + 0.5 * tallies.ties
        losses = tallies.losses + 0.5 * tallies.ties
        nll = -(wins * np.log(expit(d)) + losses * np.log(expit(-d))).sum()
        return nll + 1.0 * ((t - centre) ** 2).sum()

    def gradient(t):
        d = expit(t[tallies.first] - t[tallies.second])
        g = np.zeros(3)
        residual = tallies.total * d - tallies.wins - 0.5 * tallies.ties
        np.add.at(g, tallies.first, residual)
        np.add.at(g, tallies.second, -residual)
        return g + 2.0 * (t - centre)

    assert check_grad(objective, gradient, theta + 0.1) < 1e-4
    # Mean-centred; the optimum up to that shift.
    shifted = theta + (centre.mean() - theta.mean())
    assert np.abs(gradient(shifted) - gradient(shifted).mean()).max() < 1e-6


def test_a_strong_prior_pulls_the_fit_to_the_category():
    rng = np.random.default_rng(1)
    tallies = _tallies(np.ones(200), _votes(rng, np.array([1.0, 0.0, -1.0]), 200))
    centre = np.array([-0.5, 0.0, 0.5])
    assert np.allclose(weighted_bt(tallies, centre=centre, precision=1e6), centre, atol=1e-3)


def test_weights_count_as_their_effective_sample_size():
    rng = np.random.default_rng(2)
    votes = _votes(rng, np.zeros(3), 400)
    uniform = _tallies(np.ones(400), votes)
    # Half the votes at weight 1, half at 0.1: far fewer effective votes than 400 or 220.
    weights = np.where(np.arange(400) < 200, 1.0, 0.1)
    mixed = _tallies(weights, votes)
    n_eff = effective_votes(mixed)
    assert np.all(n_eff < 0.65 * effective_votes(uniform))  # Kish: (220^2 / 202) / 400
    cov_uniform = sandwich(uniform, weighted_bt(uniform), 0.25)
    cov_mixed = sandwich(mixed, weighted_bt(mixed), 0.25)
    assert np.all(np.diag(cov_mixed) > np.diag(cov_uniform))


def test_the_bound_is_never_tighter_than_the_unweighted_rule_on_the_same_fit():
    rng = np.random.default_rng(3)
    tallies = _tallies(np.ones(600), _votes(rng, np.array([0.4, 0.0, -0.4]), 600))
    fit = local_fit(tallies, centre=np.zeros(3), precision=4.0)
    established = np.ones(3, dtype=bool)
    ours = local_regret(fit, established)
    plain = regret_excess(fit.local, fit.covariance, established)
    assert np.all(ours >= plain - 1e-12)


def test_the_weighted_bound_covers_the_truth_in_a_seeded_simulation():
    # Votes of two kinds of prompt, weighted toward the first: the bound is about the
    # kernel-weighted strengths, computed here exactly from the truth.
    rng = np.random.default_rng(4)
    theta = {0: np.array([0.3, 0.0, -0.3]), 1: np.array([-0.3, 0.3, 0.0])}
    failures, boards = 0, 200
    for _ in range(boards):
        kind = rng.integers(2, size=1500)
        votes = np.vstack([_votes(rng, theta[int(k)], 1) for k in kind])
        weights = np.where(kind == 0, 1.0, 0.2)
        fit = local_fit(_tallies(weights, votes), centre=np.zeros(3), precision=4.0)
        share = weights @ (kind == 0) / weights.sum()
        # The weighted target: the strengths fitted to the weighted mix of the two kinds.
        target = _weighted_target(theta, share)
        bounds = local_regret(fit, np.ones(3, dtype=bool), error_rate=0.05)
        failures += bool(np.any(bounds < target.max() - target - 1e-9))
    assert failures / boards <= 0.05


def _weighted_target(theta, share):
    first, second = np.triu_indices(3, k=1)
    p = share * expit(theta[0][first] - theta[0][second]) + (1 - share) * expit(
        theta[1][first] - theta[1][second]
    )
    big = 1e6
    tallies = tallies_from(np.stack([big * p, big * (1 - p), 0 * p]), np.ones((3, 3)), 3)
    return weighted_bt(tallies, precision=1e-6)


def test_kernel_weights_fall_with_distance_and_stop_at_the_cutoff():
    w = kernel_weights(np.array([0.0, 0.3, 0.9, 1.0, 1.5]))
    assert w[0] == 1.0 and w[0] > w[1] > w[2] > 0.0 and w[3] == 0.0 and w[4] == 0.0
