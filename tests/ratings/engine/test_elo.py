"""Online Elo against hand-computed updates."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine import elo_expected, elo_online, elo_update


def test_equal_ratings_expect_a_draw_and_move_by_half_of_k():
    assert elo_expected(1000.0, 1000.0) == 0.5
    assert elo_update(1000.0, 1000.0, 1.0, k=4.0) == (1002.0, 998.0)
    assert elo_update(1000.0, 1000.0, 0.0, k=32.0) == (984.0, 1016.0)


def test_a_200_point_favourite_gains_little_from_a_win_and_loses_from_a_tie():
    """By hand: E = 1 / (1 + 10 ** (-200 / 400)) = 1 / 1.316227766016838 = 0.759746926647958.

    A win moves the favourite by 4 * (1 - E) = 0.961012293408168, a tie by
    4 * (0.5 - E) = -1.038987706591832; the underdog moves by the opposite amount.
    """
    assert elo_expected(1200.0, 1000.0) == pytest.approx(0.759746926647958, abs=1e-15)
    win = elo_update(1200.0, 1000.0, 1.0, k=4.0)
    tie = elo_update(1200.0, 1000.0, 0.5, k=4.0)
    assert win == pytest.approx((1200.961012293408168, 999.038987706591832), abs=1e-12)
    assert tie == pytest.approx((1198.961012293408168, 1001.038987706591832), abs=1e-12)


def test_a_tie_between_equals_changes_nothing():
    assert elo_update(1500.0, 1500.0, 0.5) == (1500.0, 1500.0)


def test_scale_and_base_set_the_odds_of_a_gap():
    # A gap of one scale unit means odds of base to 1.
    assert elo_expected(100.0, 0.0, scale=100.0, base=3.0) == pytest.approx(0.75, abs=1e-15)


def test_online_replay_equals_the_update_applied_vote_by_vote():
    rng = np.random.default_rng(7)
    left = rng.integers(0, 4, 200)
    right = (left + rng.integers(1, 4, 200)) % 4
    outcome = rng.choice([0.0, 0.5, 1.0], 200)
    ratings = [1000.0] * 4
    for i, j, s in zip(left, right, outcome, strict=True):
        ratings[i], ratings[j] = elo_update(ratings[i], ratings[j], s, k=8.0)
    replay = elo_online(4, left, right, outcome, k=8.0)
    np.testing.assert_allclose(replay, ratings, rtol=0, atol=1e-9)
    # Zero-sum updates keep the average at the initial rating.
    assert replay.mean() == pytest.approx(1000.0, abs=1e-9)


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
    ],
)
def test_online_elo_rejects_bad_votes(args, message):
    with pytest.raises(ValueError, match=message):
        elo_online(*args)


def test_update_rejects_a_score_outside_zero_to_one():
    with pytest.raises(ValueError, match="score_a"):
        elo_update(1000.0, 1000.0, 1.5)
