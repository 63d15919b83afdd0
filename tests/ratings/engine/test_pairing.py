"""The maths of decision-targeted pairing, on known boards."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine.decision import mixture_radius
from ratings.engine.pairing import (
    newcomers,
    placement_pairs,
    posterior_covariance,
    shortfall_pairs,
    top_two_pairs,
    votes_short,
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


def test_a_changed_model_is_placed_again_until_its_votes_since_the_change_narrow_it():
    sd = np.array([10.0, 10.0, 12.0, 14.0, 12.0])
    votes = np.array([300.0, 300.0, 200.0, 150.0, 200.0])
    known = np.ones(5, dtype=bool)
    unchanged = np.full(5, np.nan)
    assert not newcomers(sd, votes, known, unchanged).any()
    # No vote since the change: placed, however many votes it had before.
    just_changed = unchanged.copy()
    just_changed[0] = 0.0
    assert newcomers(sd, votes, known, just_changed).tolist() == [True, *[False] * 4]
    # 30 votes since: its interval on them, 10 * sqrt(300 / 30) = 32, is wider than the
    # median 12, and 30 is under half the median 200 votes: still being placed.
    some = unchanged.copy()
    some[0] = 30.0
    assert newcomers(sd, votes, known, some)[0]
    # 150 votes since: sqrt(2) * 10 = 14 is still wide, but it is no longer short of votes.
    some[0] = 150.0
    assert not newcomers(sd, votes, known, some)[0]


def test_votes_short_is_what_brings_the_bound_over_the_leader_above_zero():
    gap, se, alpha = np.array([0.3]), np.array([0.2]), 0.05
    short = votes_short(gap, se, np.array([0.25]), alpha)
    assert mixture_radius(0.2, alpha) > 0.3 and short[0] > 0
    # That many more votes of information 0.25 each bring the radius down to the gap.
    after = 1.0 / np.sqrt(1.0 / 0.2**2 + 0.25 * short[0])
    assert float(mixture_radius(after, alpha)) == pytest.approx(0.3, rel=1e-6)


def test_votes_short_is_zero_once_clear_and_infinite_when_level():
    short = votes_short(np.array([1.0, 0.0, 0.3]), np.array([0.05, 0.1, 0.0]), np.ones(3), 0.05)
    assert short.tolist() == [0.0, np.inf, 0.0]


def test_votes_short_grows_as_the_gap_shrinks_and_as_votes_say_less():
    se, information = np.full(3, 0.2), np.full(3, 0.25)
    short = votes_short(np.array([0.1, 0.2, 0.4]), se, information, 0.05)
    assert short[0] > short[1] > short[2] > 0
    lopsided = votes_short(np.array([0.2]), np.array([0.2]), np.array([0.05]), 0.05)
    assert lopsided[0] == pytest.approx(short[1] * 0.25 / 0.05)


def test_shortfall_pairs_send_votes_to_the_leader_by_what_each_challenger_lacks():
    pairs = shortfall_pairs(1, np.array([300.0, 0.0, 100.0, 0.0]))
    assert pairs.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(pairs, pairs.T)
    assert 2 * pairs[1, 0] == pytest.approx(0.75)
    assert 2 * pairs[1, 2] == pytest.approx(0.25)
    assert pairs[0, 2] == pairs[1, 3] == 0.0


def test_a_level_challenger_counts_as_the_neediest_and_nothing_short_gives_nothing():
    pairs = shortfall_pairs(0, np.array([0.0, np.inf, 50.0]))
    assert pairs[0, 1] == pytest.approx(pairs[0, 2])
    assert shortfall_pairs(0, np.zeros(3)).sum() == 0.0


def test_the_cheaper_candidate_is_the_cheapest_model_near_enough_the_leader():
    from ratings.engine.pairing import cheaper_candidate

    theta = np.array([1.0, 0.95, 0.9, -1.0])
    established = np.array([True, True, True, True])
    prices = np.array([10.0, 2.0, 1.0, 0.1])
    assert cheaper_candidate(theta, established, prices, 0, 0.15) == 2  # the far one is out
    assert cheaper_candidate(theta, established, prices, 0, 0.07) == 1
    assert cheaper_candidate(theta, established, np.ones(4), 0, 0.15) is None


def test_aimed_pairs_also_serve_the_cheaper_candidates_shortfall():
    from ratings.engine.pairing import aimed_pairs

    mean, cov = np.array([100.0, 90.0, -200.0]), np.diag([100.0, 100.0, 100.0])
    short = np.array([0.0, 0.0, 0.0])
    alone = aimed_pairs(mean, cov, 0, short, seed=1)
    both = aimed_pairs(mean, cov, 0, short, seed=1, cheaper=(1, np.array([0.0, 0.0, 50.0])))
    assert both[1, 2] > alone[1, 2] and both.sum() == pytest.approx(1.0)


def test_a_challengers_votes_go_to_the_pair_that_narrows_its_bound_most():
    from ratings.engine.pairing import narrowing_pairs

    # Model 1 is measured closely against the leader; model 2, far below, only loosely.
    mean = np.array([0.0, -150.0, -300.0])
    cov = np.array([[400.0, 390.0, 0.0], [390.0, 400.0, 0.0], [0.0, 0.0, 900.0]])
    pairs = narrowing_pairs(mean, cov, 0)
    assert sorted(pairs[1]) == [0, 1]  # the direct pair for the near one
    assert sorted(pairs[2]) == [1, 2]  # through the model between for the far one
    # Without correlations every direct pair narrows its own difference most.
    assert [sorted(p) for p in narrowing_pairs(mean, np.diag([400.0] * 3), 0)[1:]] == [
        [0, 1],
        [0, 2],
    ]


def test_shortfall_pairs_with_the_posterior_keep_each_challengers_share():
    mean = np.array([0.0, -150.0, -300.0])
    cov = np.array([[400.0, 390.0, 0.0], [390.0, 400.0, 0.0], [0.0, 0.0, 900.0]])
    pairs = shortfall_pairs(0, np.array([0.0, 100.0, 300.0]), mean, cov)
    assert pairs.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(pairs, pairs.T)
    assert 2 * pairs[0, 1] == pytest.approx(0.25) and 2 * pairs[1, 2] == pytest.approx(0.75)


def test_above_tolerance_zero_the_steered_votes_all_go_to_the_shortfall():
    from ratings.engine.pairing import aimed_pairs

    mean, cov = np.array([100.0, 90.0, 60.0, 50.0]), np.diag([400.0] * 4)
    short = np.array([0.0, 200.0, 100.0, 0.0])
    exact = aimed_pairs(mean, cov, 0, short, seed=1)
    tolerant = aimed_pairs(mean, cov, 0, short, seed=1, tolerance=25.0)
    assert exact[1, 2] > 0.0  # top-two sampling also pairs challengers with each other
    assert tolerant[1:, 1:].sum() == 0.0 and tolerant.sum() == pytest.approx(1.0)
    assert tolerant[0, 1] == pytest.approx(2 * tolerant[0, 2])
