"""P(best) from the empirical-Bayes posterior: joint across models, for every interval method."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine import PairCounts, compute_board, p_best, simulate_votes
from ratings.engine.posterior import posterior_draws

THETA = np.array([0.3, 0.2, -0.5])


def _p_best(covariance: np.ndarray) -> np.ndarray:
    draws = posterior_draws(THETA, covariance, rounds=20000, rng=np.random.default_rng(3))
    return p_best(draws, np.ones(3, dtype=bool))


def test_p_best_reads_the_covariance_between_models_not_only_their_variances():
    """Two leaders 0.1 apart with variances 0.04: how sure the order is depends on their covariance.

    Independent, the difference has sd 0.28 and the leader is ahead in about 64% of draws;
    measured together (covariance 0.038) the sd is 0.063 and the leader is ahead in about 94%
    before the prior's shrinkage. Independent draws from the variances alone cannot tell them
    apart.
    """
    independent = np.diag([0.04, 0.04, 0.01])
    together = independent.copy()
    together[0, 1] = together[1, 0] = 0.038
    loose, tight = _p_best(independent), _p_best(together)
    assert loose[0] == pytest.approx(0.6, abs=0.08)
    assert tight[0] > 0.85
    assert tight[0] - loose[0] > 0.2


@pytest.mark.parametrize("interval", ["sandwich", "fisher", "bootstrap"])
def test_a_fresh_board_spreads_p_best_whatever_the_interval_method(interval):
    """Five equal models and 15 votes: P(best) near 0.2 each, for the bootstrap too.

    Before the bootstrap's draws went through the posterior, its resamples alone gave one
    model 0.42 on this board.
    """
    rng = np.random.default_rng(1)
    counts = PairCounts.from_votes(5, *simulate_votes(np.zeros(5), 15, rng=rng, tie_rate=0.1))
    shares = compute_board(counts, interval=interval, rounds=400, seed=0).p_best
    assert shares.sum() == pytest.approx(1.0)
    assert shares.max() < 0.35


def test_bootstrap_p_best_is_reproducible_with_its_seed():
    rng = np.random.default_rng(2)
    theta = rng.normal(0.0, 0.4, 6)
    counts = PairCounts.from_votes(6, *simulate_votes(theta, 600, rng=rng, tie_rate=0.1))
    first = compute_board(counts, interval="bootstrap", rounds=200, seed=7).p_best
    again = compute_board(counts, interval="bootstrap", rounds=200, seed=7).p_best
    np.testing.assert_array_equal(first, again)
