"""The maths of decision-targeted pairing, on known boards."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine.pairing import (
    SEPARATION_Z,
    leader_margin,
    newcomers,
    placement_pairs,
    posterior_covariance,
    top_two_pairs,
    votes_to_separate,
    with_exploration,
)


def _uniform_counts(m: int, per_pair: float) -> tuple[np.ndarray, np.ndarray]:
    counts = np.full((m, m), per_pair)
    np.fill_diagonal(counts, 0.0)
    return counts, np.full((m, m), 0.5)


def test_posterior_covariance_keeps_each_models_own_standard_deviation():
    sd = np.array([10.0, 20.0, 30.0, 40.0])
    covariance = posterior_covariance(sd, *_uniform_counts(4, 50.0))
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), sd, rtol=1e-9)
    # Centred ratings of equally matched models are negatively correlated (they sum to 0).
    correlation = covariance[0, 1] / (sd[0] * sd[1])
    assert correlation == pytest.approx(-1 / 3, abs=0.01)


def test_top_two_pairs_go_to_the_leader_and_its_closest_challenger():
    mean = np.array([1100.0, 1090.0, 900.0, 800.0])
    covariance = np.diag([20.0, 20.0, 20.0, 20.0]) ** 2
    pairs = top_two_pairs(mean, covariance, draws=2000, seed=1)
    assert pairs.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(pairs, pairs.T)
    assert 2 * pairs[0, 1] > 0.95
    assert pairs[2, 3] == 0.0


def test_top_two_pairs_are_reproducible_from_the_seed():
    mean, covariance = np.array([0.0, 5.0, 10.0]), np.eye(3) * 100.0
    np.testing.assert_array_equal(
        top_two_pairs(mean, covariance, seed=4), top_two_pairs(mean, covariance, seed=4)
    )


def test_the_exploration_floor_gives_every_pair_its_share():
    active = np.zeros((5, 5))
    active[0, 1] = active[1, 0] = 0.5
    weights = with_exploration(active, 0.1)
    upper = weights[np.triu_indices(5, k=1)] * 2
    assert upper.sum() == pytest.approx(1.0)
    assert upper.min() == pytest.approx(0.1 / 10)
    assert upper.max() == pytest.approx(0.9 + 0.1 / 10)


def test_with_nothing_to_steer_every_pair_is_equally_likely():
    weights = with_exploration(np.zeros((4, 4)), 0.1)
    upper = weights[np.triu_indices(4, k=1)]
    np.testing.assert_allclose(upper, upper[0])


def test_a_newcomer_meets_models_near_its_estimated_level():
    mean = np.array([1200.0, 1100.0, 1000.0, 900.0, 1105.0])
    sd = np.array([10.0, 10.0, 10.0, 10.0, 40.0])
    fresh = np.array([False, False, False, False, True])
    pairs = placement_pairs(mean, sd, fresh, np.ones(5, dtype=bool))
    assert pairs.sum() == pytest.approx(1.0)
    assert pairs[4, 1] > pairs[4, 0] > pairs[4, 3]
    assert pairs[:4, :4].sum() == 0.0


def test_an_unrated_newcomer_meets_every_known_model_equally():
    mean = np.array([1200.0, 1000.0, 900.0, np.nan])
    sd = np.array([10.0, 10.0, 10.0, np.nan])
    pairs = placement_pairs(mean, sd, np.isnan(mean), ~np.isnan(mean))
    np.testing.assert_allclose(pairs[3, :3], pairs[3, 0])


def test_newcomers_are_the_unrated_and_the_wide_on_few_votes_not_the_neglected():
    sd = np.array([10.0, 10.0, 30.0, 30.0, 60.0, np.nan])
    votes = np.array([900.0, 800.0, 60.0, 50.0, 5.0, 0.0])
    known = ~np.isnan(sd)
    # Model 2 and 3 are wide because the design neglects them, not because they are new.
    assert newcomers(sd, votes, known).tolist() == [False, False, False, False, True, True]


def test_the_leader_margin_reads_the_difference_not_the_two_intervals():
    # Two models known well against each other but not against the board's mean:
    # their own intervals overlap, their difference does not.
    sd = np.array([30.0, 30.0])
    covariance = np.array([[900.0, 880.0], [880.0, 900.0]])
    leader, margin = leader_margin(np.array([1050.0, 1020.0]), covariance)
    assert leader == 0
    assert margin == pytest.approx(30.0 / np.sqrt(40.0))
    assert margin > SEPARATION_Z
    assert 1050.0 - 1.96 * sd[0] < 1020.0 + 1.96 * sd[1]


def test_votes_to_separate_grow_as_the_gap_shrinks():
    sd, have = np.array([20.0]), np.array([100.0])
    near = votes_to_separate(np.array([50.0]), sd, have)
    assert near == pytest.approx(np.ceil(((SEPARATION_Z * 20 / 50) ** 2 - 1) * 100), abs=1)
    assert votes_to_separate(np.array([100.0]), sd, have) < near
    assert votes_to_separate(np.array([200.0]), sd, have) == 0.0
    assert votes_to_separate(np.array([0.0]), sd, have) == np.inf
