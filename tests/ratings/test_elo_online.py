from __future__ import annotations

import pytest

from arena.services import battle_assign_next, battle_create, vote_cast
from ratings.engine import elo_update
from ratings.models import EloRating
from ratings.services import elo_rebuild


def _cast(prompt, generators, voter, choice, capture):
    with capture(execute=True):
        # Fresh outputs: the same voter never sees an output twice.
        battle_create(
            prompt=prompt, generator_a=generators[0], generator_b=generators[1], fresh=True
        )
    battle = battle_assign_next(voter=voter)
    with capture(execute=False):
        vote = vote_cast(voter=voter, battle_token=battle.token, choice=choice).vote
    return vote


def _ratings(category) -> dict[int, float]:
    return dict(EloRating.objects.filter(category=category).values_list("generator_id", "rating"))


def test_a_vote_moves_the_overall_and_the_category_elo_in_its_transaction(
    prompt, generators, voter, django_capture_on_commit_callbacks
):
    vote = _cast(prompt, generators, voter, "left", django_capture_on_commit_callbacks)
    expected_left, expected_right = elo_update(1000.0, 1000.0, 1.0, k=4.0)
    for board in (None, prompt.category):
        ratings = _ratings(board)
        assert ratings[vote.shown_left_id] == pytest.approx(expected_left)
        assert ratings[vote.shown_right_id] == pytest.approx(expected_right)
    assert expected_left > 1000 > expected_right


def test_a_tie_between_equals_leaves_both_where_they_were(
    prompt, generators, voter, django_capture_on_commit_callbacks
):
    _cast(prompt, generators, voter, "tie", django_capture_on_commit_callbacks)
    assert list(_ratings(None).values()) == pytest.approx([1000.0, 1000.0])


def test_both_bad_counts_as_a_tie_unless_configured_to_be_dropped(
    prompt, generators, voter, django_capture_on_commit_callbacks, settings
):
    settings.RATINGS_BOTH_BAD = "drop"
    _cast(prompt, generators, voter, "both_bad", django_capture_on_commit_callbacks)
    assert all(row.votes == 0 for row in EloRating.objects.all())


def test_replaying_the_votes_reproduces_the_online_elo(
    prompt, generators, voter, django_capture_on_commit_callbacks, settings
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 0  # one prompt, voted on eight times
    for choice in ["left", "right", "left", "tie", "both_bad", "left", "right", "left"]:
        _cast(prompt, generators, voter, choice, django_capture_on_commit_callbacks)
    online = {board: _ratings(board) for board in (None, prompt.category)}
    for board in (None, prompt.category):
        assert elo_rebuild(category=board) == 8
        assert _ratings(board) == pytest.approx(online[board], abs=1e-9)
