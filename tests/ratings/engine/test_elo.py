"""Online Elo against hand-computed updates."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine import elo_online


def test_equal_ratings_expect_a_draw_and_move_by_half_of_k():
    np.testing.assert_array_equal(elo_online(2, [0], [1], [1.0], k=4.0), [1002.0, 998.0])
    np.testing.assert_array_equal(elo_online(2, [0], [1], [0.0], k=32.0), [984.0, 1016.0])


def test_a_200_point_favourite_gains_little_from_a_win_and_loses_from_a_tie():
    """By hand: E = 1 / (1 + 10 ** (-200 / 400)) = 1 / 1.316227766016838 = 0.759746926647958.

    A win moves the favourite by 4 * (1 - E) = 0.961012293408168, a tie by
    4 * (0.5 - E) = -1.038987706591832; the underdog moves by the opposite amount.
    """
    start = [1200.0, 1000.0]
    win = elo_online(2, [0], [1], [1.0], k=4.0, initial=start)
    tie = elo_online(2, [0], [1], [0.5], k=4.0, initial=start)
    np.testing.assert_allclose(win, [1200.961012293408168, 999.038987706591832], atol=1e-12)
    np.testing.assert_allclose(tie, [1198.961012293408168, 1001.038987706591832], atol=1e-12)


def test_a_tie_between_equals_changes_nothing():
    np.testing.assert_array_equal(elo_online(2, [0], [1], [0.5], initial=1500.0), [1500.0] * 2)


def test_scale_and_base_set_the_odds_of_a_gap():
    # A gap of one scale unit means odds of base to 1: the favourite expects 0.75 with base 3,
    # so a win moves it by k * 0.25.
    after = elo_online(2, [0], [1], [1.0], k=4.0, scale=100.0, base=3.0, initial=[100.0, 0.0])
    np.testing.assert_allclose(after, [101.0, -1.0], atol=1e-12)


def _votes(n_votes: int, seed: int):
    rng = np.random.default_rng(seed)
    left = rng.integers(0, 4, n_votes)
    right = (left + rng.integers(1, 4, n_votes)) % 4
    return left, right, rng.choice([0.0, 0.5, 1.0], n_votes)


def test_online_replay_equals_the_formula_applied_vote_by_vote():
    left, right, outcome = _votes(200, seed=7)
    ratings = [1000.0] * 4
    for i, j, s in zip(left, right, outcome, strict=True):
        expected = 1.0 / (1.0 + 10.0 ** ((ratings[j] - ratings[i]) / 400.0))
        ratings[i] += 8.0 * (s - expected)
        ratings[j] -= 8.0 * (s - expected)
    replay = elo_online(4, left, right, outcome, k=8.0)
    np.testing.assert_allclose(replay, ratings, rtol=0, atol=1e-9)
    # Zero-sum updates keep the average at the initial rating.
    assert replay.mean() == pytest.approx(1000.0, abs=1e-9)


@pytest.mark.parametrize("cut", [0, 1, 57, 199, 200])
def test_replaying_in_two_parts_equals_replaying_at_once(cut):
    left, right, outcome = _votes(200, seed=3)
    whole = elo_online(4, left, right, outcome, k=8.0)
    first = elo_online(4, left[:cut], right[:cut], outcome[:cut], k=8.0)
    both = elo_online(4, left[cut:], right[cut:], outcome[cut:], k=8.0, initial=first)
    np.testing.assert_array_equal(both, whole)


def test_online_elo_depends_on_vote_order():
    forward = elo_online(2, [0, 0], [1, 1], [1.0, 0.0], k=32.0)
    backward = elo_online(2, [0, 0], [1, 1], [0.0, 1.0], k=32.0)
    assert not np.allclose(forward, backward)


def test_models_without_votes_keep_the_initial_rating():
    ratings = elo_online(3, [0], [1], [1.0], initial=1200.0)
    assert ratings[2] == 1200.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2, [0], [0], [1.0]), "itself"),
        ((2, [0], [2], [1.0]), "out of range"),
        ((2, [0], [1], [0.3]), "outcome"),
        ((2, [0, 1], [1], [1.0]), "same length"),
        ((2, [0], [1], [1.0], 4.0, 400.0, 10.0, [1000.0, float("nan")]), "finite"),
    ],
)
def test_online_elo_rejects_bad_votes(args, message):
    n, left, right, outcome, *options = args
    named = dict(zip(["k", "scale", "base", "initial"], options, strict=False))
    with pytest.raises(ValueError, match=message):
        elo_online(n, left, right, outcome, **named)
