"""The penalised NLL and its analytic derivatives."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from scipy.optimize import approx_fprime, check_grad

from ratings.engine import PairCounts, simulate_votes
from ratings.engine.likelihood import build_problem, evaluate

OPTIONS = [
    {"ties": "half", "position_bias": False},
    {"ties": "half", "position_bias": True},
    {"ties": "davidson", "position_bias": False},
    {"ties": "davidson", "position_bias": True},
]


def small_board() -> PairCounts:
    rng = np.random.default_rng(3)
    theta = rng.normal(0.0, 1.0, 6)
    left, right, outcome = simulate_votes(theta, 400, rng=rng, tie_rate=0.3, position=0.2)
    return PairCounts.from_votes(7, left, right, outcome)  # model 6 is unrated


def n_params(n_models: int, ties: str, position_bias: bool) -> int:
    return n_models + int(position_bias) + int(ties == "davidson")


def nll(params, counts, *, ties="half", position_bias=False, prior=1.0, order=0):
    """The objective ``bt_fit`` minimises over every model of ``counts`` (or its gradient)."""
    problem, cells = build_problem(counts, ties=ties, position_bias=position_bias, prior=prior)
    return evaluate(problem, cells, params[None, :], order=order)[order][0]


nll_grad = partial(nll, order=1)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("prior", [0.0, 1.0])
def test_gradient_matches_finite_differences(options, prior):
    counts = small_board()
    rng = np.random.default_rng(11)
    for _ in range(3):
        params = rng.normal(0.0, 0.7, n_params(7, **options))
        error = check_grad(
            partial(nll, counts=counts, **options, prior=prior),
            partial(nll_grad, counts=counts, **options, prior=prior),
            params,
        )
        scale = np.linalg.norm(nll_grad(params, counts, **options, prior=prior))
        # Forward differences with step 1.5e-8 are good to about 1e-7 relative here.
        assert error <= 1e-6 * scale


@pytest.mark.parametrize("options", OPTIONS)
def test_hessian_matches_finite_differences_of_the_gradient(options):
    counts = small_board()
    problem, cells = build_problem(counts, **options, prior=1.0)
    z = np.random.default_rng(5).normal(0.0, 0.5, problem.n_params)
    hessian = evaluate(problem, cells, z[None, :], order=2)[2][0]

    def grad_component(k: int):
        return lambda x: evaluate(problem, cells, x[None, :], order=1)[1][0, k]

    numeric = np.array([approx_fprime(z, grad_component(k), 1e-6) for k in range(z.size)])
    np.testing.assert_allclose(hessian, numeric, rtol=0, atol=1e-4 * np.abs(hessian).max())
    np.testing.assert_allclose(hessian, hessian.T, rtol=0, atol=1e-12)


def test_half_tie_nll_is_the_binomial_likelihood_with_ties_split():
    """One pair, 3 left wins, 1 right win, 2 ties, d = 0.4, no prior, no position term.

    NLL = -(3 + 1) log sigmoid(0.4) - (1 + 1) log sigmoid(-0.4).
    """
    counts = PairCounts(2, [0], [1], [3.0], [1.0], [2.0])
    expected = -4 * np.log(1 / (1 + np.exp(-0.4))) - 2 * np.log(1 / (1 + np.exp(0.4)))
    value = nll(np.array([0.4, 0.0]), counts, prior=0.0)
    assert value == pytest.approx(expected, rel=1e-14)


def test_davidson_nll_matches_its_probabilities():
    """P(win) : P(loss) : P(tie) = pi_i : pi_j : nu sqrt(pi_i pi_j) with pi = exp(theta)."""
    counts = PairCounts(2, [0], [1], [3.0], [1.0], [2.0])
    theta, nu = np.array([0.4, -0.1]), 0.6
    pi = np.exp(theta)
    total = pi[0] + pi[1] + nu * np.sqrt(pi[0] * pi[1])
    probs = np.array([pi[0], pi[1], nu * np.sqrt(pi[0] * pi[1])]) / total
    expected = -(3 * np.log(probs[0]) + np.log(probs[1]) + 2 * np.log(probs[2]))
    params = np.append(theta, np.log(nu))
    assert nll(params, counts, ties="davidson", prior=0.0) == pytest.approx(expected, rel=1e-14)


def test_nll_is_finite_for_extreme_strengths():
    counts = PairCounts(2, [0], [1], [3.0], [1.0], [2.0])
    for ties in ("half", "davidson"):
        size = 2 + int(ties == "davidson")
        params = np.zeros(size)
        params[0] = 800.0
        assert np.isfinite(nll(params, counts, ties=ties))
        assert np.isfinite(nll_grad(params, counts, ties=ties)).all()
