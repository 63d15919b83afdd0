"""The regret bound: how far each model may be below the best, checked against known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import beta

from ratings.engine.decision import leader_decision
from ratings.engine.regret import confident_leaders, regret_bounds

POINTS = 400.0 / math.log(10.0)


def _random_board(rng, m=6):
    theta = rng.normal(0.0, 0.6, m)
    root = rng.normal(0.0, 0.02, (m, m))
    cov = root @ root.T + np.diag(rng.uniform(0.0005, 0.01, m))
    established = rng.random(m) < 0.8
    return theta, cov, established


def test_at_tolerance_zero_the_leader_is_confident_exactly_when_the_exact_rule_is():
    rng = np.random.default_rng(3)
    agree, confident = 0, 0
    for _ in range(500):
        theta, cov, established = _random_board(rng)
        exact = leader_decision(theta, cov, established, error_rate=0.05)
        leader, sure, _ = confident_leaders(theta, cov, established, tolerance=0.0)
        same_leader = (-1 if exact.leader is None else exact.leader) == int(leader)
        agree += exact.confident == bool(sure) and same_leader
        confident += exact.confident
    assert agree == 500
    assert 20 < confident < 480  # both outcomes were exercised


def test_a_batch_of_boards_gets_the_bounds_each_board_gets_alone():
    rng = np.random.default_rng(4)
    boards = [_random_board(rng) for _ in range(20)]
    theta, cov, established = (np.stack(parts) for parts in zip(*boards, strict=True))
    together = regret_bounds(theta, cov, established)
    alone = np.stack([regret_bounds(*board) for board in boards])
    np.testing.assert_allclose(together, alone)


def test_the_leaders_bound_is_the_one_its_decision_reports_and_provisional_rows_have_none():
    theta = np.array([0.3, 0.2, -0.5, 1.0])
    cov = np.diag([0.004, 0.004, 0.004, 0.5])
    established = np.array([True, True, True, False])
    bounds = regret_bounds(theta, cov, established)
    decision = leader_decision(theta, cov, established, tolerance=25 / POINTS)
    assert decision.leader == 0
    assert bounds[0] == pytest.approx(decision.regret_bound)
    assert np.isnan(bounds[3])
    assert bounds[2] > bounds[1] > bounds[0] >= 0.0


def test_a_tolerance_lets_the_leader_be_confident_over_a_runner_up_it_cannot_separate():
    theta = np.array([0.05, 0.0, -1.0])
    cov = np.diag([0.0004, 0.0004, 0.0004])
    established = np.ones(3, dtype=bool)
    exact = leader_decision(theta, cov, established)
    loose = leader_decision(theta, cov, established, tolerance=25 / POINTS)
    assert not exact.confident and exact.blocking == [1]
    assert loose.confident and loose.blocking == []
    assert loose.growth_needed == 1.0
    assert exact.growth_needed > 1.0


def test_two_models_level_are_out_of_reach_exactly_and_within_reach_with_a_tolerance():
    theta, cov = np.zeros(2), np.diag([0.01, 0.01])
    established = np.ones(2, dtype=bool)
    assert leader_decision(theta, cov, established).growth_needed is None
    growth = leader_decision(theta, cov, established, tolerance=25 / POINTS).growth_needed
    assert growth is not None and growth > 1.0


def _walks(rng, truth, paths, looks, step):
    """Estimates as a random walk in information time: exact normal increments per look."""
    m = truth.size
    information = step * np.arange(1, looks + 1)  # per model, grows with the votes
    noise = np.cumsum(rng.normal(0.0, math.sqrt(step), (paths, looks, m)), axis=1)
    theta = truth + noise / information[None, :, None]
    cov = np.eye(m)[None, None] / information[None, :, None, None]
    return theta, np.broadcast_to(cov, (paths, looks, m, m))


def _upper95(hits: int, n: int) -> float:
    return 1.0 if hits == n else float(beta.ppf(0.95, hits + 1, n - hits))


def test_the_bound_covers_every_shortfall_at_every_look_and_confident_picks_are_good_enough():
    """Known truth, 1,000 seeded boards of 6 models read at 200 looks each.

    Truth: the best at 0, the second 10 points below (closer than the tolerance), one 40 below
    (beyond it), the rest far down. Coverage must hold for all models at all looks at once in
    at least 95% of boards, and boards ever confident with a pick more than 25 points below the
    best at most 5% (each the observed share's lower confidence limit; the observed shares
    are far below).
    """
    rng = np.random.default_rng(24)
    truth = np.array([0.0, -10.0, -40.0, -120.0, -150.0, -200.0]) / POINTS
    paths, looks = 1000, 200
    theta, cov = _walks(rng, truth, paths, looks, step=8.0)
    established = np.ones((paths, looks, truth.size), dtype=bool)
    tolerance = 25 / POINTS
    leader, confident, bounds = confident_leaders(
        theta, cov, established, tolerance=tolerance, error_rate=0.05
    )
    shortfall = truth.max() - truth
    missed = (bounds < shortfall - 1e-12).any(axis=(1, 2))
    bad = (confident & (shortfall[leader] > tolerance)).any(axis=1)
    assert missed.mean() <= 0.05 and bad.mean() <= 0.05
    assert confident[:, -1].mean() > 0.5  # and it does decide
    assert _upper95(int(bad.sum()), paths) < 0.05
