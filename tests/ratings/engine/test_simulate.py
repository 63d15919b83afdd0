"""Simulated boards and the calibration of the default interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from ratings.engine import DEFAULT_INTERVAL, interval_coverage, simulate_votes


def test_simulated_votes_have_the_intended_expected_score_and_tie_rate():
    rng = np.random.default_rng(0)
    theta = np.array([0.0, 1.0])
    left, right, outcome = simulate_votes(theta, 200_000, rng=rng, tie_rate=0.3)
    assert ((left != right) & (left < 2) & (right < 2)).all()
    p = expit(theta[left] - theta[right])
    assert outcome.mean() == pytest.approx(p.mean(), abs=0.005)
    assert (outcome == 0.5).mean() == pytest.approx((0.3 * 4 * p * (1 - p)).mean(), abs=0.005)


def test_default_interval_covers_the_true_strengths_about_95_percent_of_the_time():
    """Small and fast: 60 boards of 12 models and 3,000 votes (720 cases, s.e. about 0.8%).

    The benchmark script measures the 20 models / 10k and 50 models / 100k figures.
    """
    result = interval_coverage(12, 3000, 60, interval=DEFAULT_INTERVAL, seed=1)
    assert result.cases == 720
    assert 0.925 <= result.coverage <= 0.975


def test_coverage_runs_are_reproducible():
    a = interval_coverage(6, 600, 5, seed=3)
    b = interval_coverage(6, 600, 5, seed=3)
    assert (a.coverage, a.mean_width) == (b.coverage, b.mean_width)


def test_fisher_intervals_are_too_wide_when_votes_include_ties():
    sandwich = interval_coverage(10, 3000, 20, interval="sandwich", tie_rate=0.4, seed=2)
    fisher = interval_coverage(10, 3000, 20, interval="fisher", tie_rate=0.4, seed=2)
    assert fisher.mean_width > 1.05 * sandwich.mean_width
