"""Covariances, interval bounds, rank ranges and P(best)."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine import (
    PairCounts,
    bt_covariance,
    bt_fit,
    competition_ranks,
    p_best,
    rank_intervals,
    simulate_votes,
)
from ratings.engine.intervals import normal_bounds


def test_sandwich_and_fisher_variances_of_a_single_pair_match_the_hand_formulas():
    """30 left wins, 10 right wins, 20 ties, no prior: p = (30 + 10) / 60 = 2/3.

    Fisher: var(d) = 1 / (n p (1 - p)) = 3/40. Sandwich: meat = 30 (1/3)^2 + 10 (2/3)^2 +
    20 (1/6)^2 = 25/3 and bread n p (1 - p) = 40/3, so var(d) = (25/3) / (40/3)^2 = 0.046875.
    Each centred strength is d / 2, hence a quarter of those.
    """
    counts = PairCounts(2, [0], [1], [30.0], [10.0], [20.0])
    fit = bt_fit(counts, prior=0.0)
    assert fit.theta[0] - fit.theta[1] == pytest.approx(np.log(2.0), abs=1e-12)
    sandwich = bt_covariance(fit, counts, kind="sandwich")
    fisher = bt_covariance(fit, counts, kind="fisher")
    assert sandwich[0, 0] == pytest.approx(0.046875 / 4, rel=1e-10)
    assert fisher[0, 0] == pytest.approx(0.075 / 4, rel=1e-10)
    assert sandwich[0, 1] == pytest.approx(-sandwich[0, 0], rel=1e-10)


def test_sandwich_is_narrower_than_fisher_when_ties_carry_half_points():
    rng = np.random.default_rng(1)
    theta = rng.normal(0.0, 0.5, 8)
    counts = PairCounts.from_votes(8, *simulate_votes(theta, 4000, rng=rng, tie_rate=0.4))
    fit = bt_fit(counts)
    sandwich = np.diag(bt_covariance(fit, counts, kind="sandwich"))
    fisher = np.diag(bt_covariance(fit, counts, kind="fisher"))
    assert (sandwich < fisher).all()


def test_covariance_of_centred_strengths_sums_to_zero_across_models():
    rng = np.random.default_rng(2)
    counts = PairCounts.from_votes(6, *simulate_votes(rng.normal(size=6), 900, rng=rng))
    fit = bt_fit(counts, ties="davidson", position_bias=True)
    cov = bt_covariance(fit, counts)
    np.testing.assert_allclose(cov[:6, :6].sum(axis=0), 0.0, atol=1e-12)
    assert cov.shape == (8, 8)


def test_rank_ranges_follow_the_documented_definition():
    lower = np.array([10.0, 8.0, 0.0, -5.0, np.nan])
    upper = np.array([20.0, 12.0, 9.0, 5.0, np.nan])
    best, worst = rank_intervals(lower, upper)
    assert best[:4].tolist() == [1, 1, 2, 3]
    assert worst[:4].tolist() == [2, 3, 4, 4]
    assert np.isnan(best[4]) and np.isnan(worst[4])


def test_overlapping_intervals_always_share_part_of_their_rank_range():
    rng = np.random.default_rng(3)
    for _ in range(50):
        centre = rng.normal(0.0, 30.0, 12)
        half = rng.uniform(1.0, 40.0, 12)
        lower, upper = centre - half, centre + half
        best, worst = rank_intervals(lower, upper)
        ranks = competition_ranks(centre)
        assert ((best <= ranks) & (ranks <= worst)).all()
        for i in range(12):
            for j in range(12):
                if lower[i] <= upper[j] and lower[j] <= upper[i]:
                    assert max(best[i], best[j]) <= min(worst[i], worst[j])


def test_competition_ranks_share_a_rank_on_equal_ratings_and_skip_nan():
    ranks = competition_ranks(np.array([5.0, 7.0, 5.0, np.nan, 1.0]))
    assert ranks[[0, 1, 2, 4]].tolist() == [2, 1, 2, 4]
    assert np.isnan(ranks[3])


def test_p_best_is_a_distribution_over_rated_models():
    rng = np.random.default_rng(4)
    draws = rng.normal([0.0, 3.0, 0.5], 0.3, size=(2000, 3))
    rated = np.array([True, True, False, True])
    shares = p_best(draws, rated)
    assert np.isnan(shares[2])
    assert np.nansum(shares) == pytest.approx(1.0)
    assert shares[1] > 0.99


def test_normal_bounds_are_symmetric_and_nan_for_unrated():
    lower, upper = normal_bounds(np.array([0.2, np.nan, -0.2]), np.diag([0.01, 0.04]))
    assert lower[0] == pytest.approx(0.2 - 1.959963984540054 * 0.1, rel=1e-12)
    assert upper[2] - (-0.2) == pytest.approx(-0.2 - lower[2], rel=1e-12)
    assert np.isnan(lower[1]) and np.isnan(upper[1])
