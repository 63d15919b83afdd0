"""The route's anytime-valid rule, the tiers and the empirical-Bayes P(best), on known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from ratings.engine import PairCounts, compute_board, simulate_votes
from ratings.engine.decision import (
    TUNED_SE,
    leader_decision,
    mixture_radius,
    simultaneous_critical,
    tiers,
)
from ratings.engine.posterior import posterior_draws


def test_the_radius_is_zero_without_noise_and_grows_with_it():
    se = np.array([0.0, 0.01, 0.05, 0.1, 0.3])
    radius = mixture_radius(se, 0.05)
    assert radius[0] == 0.0
    assert (np.diff(radius) > 0).all()
    # Valid at every look at once, so wider than the one-look bound at the same level.
    assert (radius[1:] > norm.isf(0.05) * se[1:]).all()
    assert np.isnan(mixture_radius(np.nan, 0.05))


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1])
def test_the_radius_refuses_an_error_rate_outside_zero_to_one(alpha):
    with pytest.raises(ValueError, match="alpha"):
        mixture_radius(0.1, alpha)


def test_a_random_walk_with_no_drift_rarely_ever_crosses_the_bound():
    """The guarantee itself: a margin that is truly 0, looked at 400 times, information growing.

    2,000 seeded paths; at alpha = 0.05 the share of paths whose lower bound ever rises above
    0 must be at most 0.05 (plus three binomial standard errors, 0.015, for the sample).
    """
    rng = np.random.default_rng(11)
    paths, looks, step = 2000, 400, 4.0  # information gained per look (1 / se**2 units)
    information = step * np.arange(1, looks + 1)
    score = np.cumsum(rng.normal(0.0, math.sqrt(step), (paths, looks)), axis=1)
    estimate = score / information
    se = 1.0 / np.sqrt(information)
    crossed = (estimate - mixture_radius(se, 0.05) > 0).any(axis=1)
    one_look = (estimate - norm.isf(0.05) * se > 0).any(axis=1)
    assert crossed.mean() <= 0.05 + 0.015
    assert one_look.mean() > 0.3  # the one-look bound, asked 400 times, fails far more often


POINTS = 400.0 / math.log(10.0)


def test_the_radius_at_its_tuning_is_the_closed_form():
    """Known answer: at ``se = TUNED_SE`` (``v = rho``), ``se * sqrt(4 log(sqrt(2) / 2a + 1))``."""
    alpha = 0.05 / 9
    expected = TUNED_SE * math.sqrt(4.0 * math.log(math.sqrt(2.0) / (2.0 * alpha) + 1.0))
    assert float(mixture_radius(TUNED_SE, alpha)) == pytest.approx(expected, rel=1e-12)
    assert float(mixture_radius(0.1, alpha, tuned_se=0.1)) == pytest.approx(
        expected * 0.1 / TUNED_SE, rel=1e-12
    )


def test_one_tuning_serves_the_close_race_and_the_far_challengers():
    """From 5 to 80 points of standard error the radius stays within 15% of its best tuning."""
    alpha = 0.05 / 9
    se = np.array([5.0, 10.0, 20.0, 40.0, 80.0]) / POINTS
    shipped = mixture_radius(se, alpha)
    tunings = np.geomspace(0.01, 10.0, 400)
    best = np.min([mixture_radius(se, alpha, tuned_se=t) for t in tunings], axis=0)
    assert (shipped >= best * (1 - 1e-9)).all()
    assert (shipped <= 1.15 * best).all()


def test_a_challenger_far_below_is_cleared_at_the_tolerance_not_exactly():
    """Known answer: 150 points below, known to 58 points: radius 161.4 points at alpha 0.05
    (315 points at the former tuning of 0.15, which cleared nothing here)."""
    theta = np.array([0.0, -150.0]) / POINTS
    cov = np.diag([58.0**2 / 2, 58.0**2 / 2]) / POINTS**2
    radius = float(mixture_radius(58.0 / POINTS, 0.05)) * POINTS
    assert radius == pytest.approx(161.401, abs=1e-3)
    assert float(mixture_radius(58.0 / POINTS, 0.05, tuned_se=0.15)) * POINTS > 300.0
    established = np.ones(2, dtype=bool)
    loose = leader_decision(theta, cov, established, tolerance=25.0 / POINTS)
    exact = leader_decision(theta, cov, established)
    assert loose.confident and not exact.confident
    assert loose.regret_bound * POINTS == pytest.approx(radius - 150.0, rel=1e-9)


@pytest.mark.parametrize("step", [0.05, 4.0, 400.0])
def test_the_shipped_tuning_holds_at_every_scale(step):
    """The guarantee at the shipped tuning, on seeded walks whose standard error runs from
    about 780 points to 0.4 (step 0.05), 87 to 0.4 (step 4) and 8.7 to 0.4 (step 400, far
    finer than the tuning): a margin truly 0, 2,000 paths of 400 looks; the share ever
    crossing must be at most 0.05 plus three binomial standard errors (0.015).
    """
    rng = np.random.default_rng(int(step * 100) + 5)
    paths, looks = 2000, 400
    information = step * np.arange(1, looks + 1)
    score = np.cumsum(rng.normal(0.0, math.sqrt(step), (paths, looks)), axis=1)
    se = 1.0 / np.sqrt(information)
    crossed = (score / information - mixture_radius(se, 0.05) > 0).any(axis=1)
    assert crossed.mean() <= 0.05 + 0.015


def _board(theta, se, votes):
    cov = np.diag(np.square(se))
    return leader_decision(np.array(theta), cov, np.array(votes) >= 20, error_rate=0.05)


def test_a_provisional_model_is_never_the_pick_and_never_holds_it_back():
    # Model 0 tops the board on 8 votes; model 1 leads the established ones by a wide margin.
    decision = _board([2.0, 1.0, 0.0, -0.5], [0.8, 0.05, 0.05, 0.05], [8, 900, 900, 900])
    assert decision.leader == 1 and decision.confident
    assert decision.provisional_challengers == [0]
    assert decision.blocking == []


def test_a_provisional_model_far_below_the_leader_is_not_listed_as_a_challenger():
    decision = _board([1.0, 0.0, -3.0], [0.05, 0.05, 0.3], [900, 900, 10])
    assert decision.provisional_challengers == []


def test_a_close_runner_up_holds_the_pick_back_and_more_votes_are_estimated():
    decision = _board([0.1, 0.0, -1.0], [0.05, 0.05, 0.05], [900, 900, 900])
    assert decision.leader == 0 and decision.runner_up == 1 and not decision.confident
    assert decision.blocking == [1]
    assert decision.margin == pytest.approx(0.1)
    assert decision.margin_lower < 0 < decision.margin < decision.margin_upper
    growth = decision.growth_needed
    assert growth is not None and growth > 1
    later = _board([0.1, 0.0, -1.0], [0.05 / math.sqrt(growth * 1.01)] * 3, [900] * 3)
    assert later.confident


def test_a_board_with_no_established_model_names_no_leader():
    decision = _board([0.5, 0.0], [0.3, 0.3], [5, 5])
    assert decision.leader is None and not decision.confident
    assert decision.growth_needed is None


def test_equal_estimates_are_out_of_reach_for_more_votes():
    decision = _board([0.0, 0.0], [0.05, 0.05], [900, 900])
    assert not decision.confident and decision.growth_needed is None


def test_the_simultaneous_critical_value_grows_with_the_number_of_pairs():
    rng = np.random.default_rng(3)
    two, _ = simultaneous_critical(np.eye(2) * 0.01, rounds=4000, rng=rng)
    twenty, se = simultaneous_critical(np.eye(20) * 0.01, rounds=4000, rng=rng)
    assert two == pytest.approx(norm.isf(0.025), abs=0.1)
    assert twenty > 3.0
    assert se[0, 1] == pytest.approx(math.sqrt(0.02))


def test_models_in_different_tiers_are_separated_from_each_other():
    theta = np.array([1.0, 0.9, 0.5, 0.45, -1.0])
    se = np.full((5, 5), 0.05)
    tier = tiers(theta, se, critical=3.0)
    assert tier.tolist() == [1, 1, 2, 2, 3]
    apart = np.abs(theta[:, None] - theta[None, :]) > 3.0 * se
    assert all(apart[a, b] for a in range(5) for b in range(5) if tier[a] != tier[b])


def test_a_chain_of_close_models_stays_in_one_tier():
    # 0 and 2 are separated, but 1 is close to both: no cut can put every pair apart.
    tier = tiers(np.array([0.3, 0.15, 0.0]), np.full((3, 3), 0.05), critical=4.0)
    assert tier.tolist() == [1, 1, 1]


def test_tiers_on_a_simulated_board_rarely_order_two_models_wrongly():
    """40 boards of 20 models: a wrong cross-tier order on at most 5% of boards (+ 3 SE)."""
    wrong = 0
    for b in range(40):
        rng = np.random.default_rng([5, b])
        truth = rng.normal(0.0, 0.5, 20)
        counts = PairCounts.from_votes(20, *simulate_votes(truth, 4000, rng=rng, tie_rate=0.1))
        tier = compute_board(counts, rounds=400, seed=b).tier
        wrong += any(
            tier[i] < tier[j] and truth[i] < truth[j] for i in range(20) for j in range(20)
        )
    assert wrong <= 2 + 3 * math.sqrt(40 * 0.05 * 0.95)


def test_a_fresh_board_does_not_crown_a_leader_after_a_handful_of_votes():
    """Five equal models and 15 votes: P(best) stays spread out, not 0.84-0.96 on one model."""
    rng = np.random.default_rng(1)
    counts = PairCounts.from_votes(5, *simulate_votes(np.zeros(5), 15, rng=rng, tie_rate=0.1))
    assert compute_board(counts, seed=0).p_best.max() < 0.5


def test_posterior_draws_keep_well_measured_models_where_they_are():
    theta = np.array([1.0, 0.0, -1.0])
    theta = theta - theta.mean()
    cov = np.diag([1e-4] * 3)
    draws = posterior_draws(theta, cov - cov.mean(axis=0) / 1.0, rounds=4000,
                            rng=np.random.default_rng(0))  # fmt: skip
    assert draws.mean(axis=0) == pytest.approx(theta, abs=0.01)
    assert np.allclose(draws.sum(axis=1), 0.0)
