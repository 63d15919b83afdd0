"""The online Elo: moved by the recompute that follows votes, equal to a replay of the votes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from arena.models import Battle, Vote
from arena.services import battle_assign_next, battle_create, vote_cast, vote_void
from ratings.engine import elo_online
from ratings.models import EloRating, Snapshot
from ratings.services import leaderboard_recompute
from ratings.services import recompute as recompute_module
from ratings.services.elo import SCORES
from ratings.services.recompute import rated_votes
from ratings.tasks import ratings_rebuild
from tests.conftest import make_generator


def _cast(prompt, generators, voter, choice, capture, *, recompute=True):
    with capture(execute=True):
        # Fresh outputs: the same voter never sees an output twice.
        battle_create(
            prompt=prompt, generator_a=generators[0], generator_b=generators[1], fresh=True
        )
    battle = battle_assign_next(voter=voter)
    # Shown a while ago: a vote cast on a battle never shown is flagged, and counts nowhere.
    Battle.objects.filter(id=battle.id).update(shown_at=timezone.now() - timedelta(seconds=5))
    with capture(execute=recompute):
        return vote_cast(voter=voter, battle_token=battle.token, choice=choice).vote


def _ratings(category) -> dict[int, float]:
    """A category's stored Elo rows; the overall board's Elo from its latest snapshot (it keeps
    no rows: each recompute replays it)."""
    if category is None:
        latest = Snapshot.objects.filter(category=None, kind="generate").latest()
        return dict(latest.rows.exclude(elo=None).values_list("generator_id", "elo"))
    return dict(EloRating.objects.filter(category=category).values_list("generator_id", "rating"))


def _replayed(category) -> dict[int, float]:
    """Every vote the board counts, replayed at once by the engine from the start."""
    votes = list(rated_votes(category=category).order_by("id").values_list(
        "shown_left_id", "shown_right_id", "choice"))  # fmt: skip
    ids = sorted({v[0] for v in votes} | {v[1] for v in votes})
    index = {gid: i for i, gid in enumerate(ids)}
    ratings = elo_online(
        len(ids),
        [index[v[0]] for v in votes],
        [index[v[1]] for v in votes],
        [SCORES[v[2]] for v in votes],
    )
    return {gid: float(ratings[index[gid]]) for gid in ids}


def _vote(category, left, right, choice="left", **fields) -> Vote:
    return Vote.objects.create(
        category=category, shown_left=left, shown_right=right, choice=choice,
        import_key=f"k{Vote.objects.count()}-{fields.get('id', '')}", **fields,
    )  # fmt: skip


@pytest.fixture
def three(generators):
    return [*generators, make_generator("Cobalt Mini")]


def test_the_recompute_after_a_vote_moves_the_overall_and_the_category_elo(
    prompt, generators, voter, django_capture_on_commit_callbacks
):
    vote = _cast(prompt, generators, voter, "left", django_capture_on_commit_callbacks)

    ratings = _ratings(prompt.category)
    assert ratings[vote.shown_left_id] == pytest.approx(1002.0)
    assert ratings[vote.shown_right_id] == pytest.approx(998.0)
    # The overall board keeps no rows: its Elo is replayed from its kind's votes.
    assert not EloRating.objects.filter(category=None).exists()
    for board in (None, prompt.category):
        latest = Snapshot.objects.filter(category=board).latest()
        assert latest.rows.get(generator_id=vote.shown_left_id).elo == pytest.approx(1002.0)
        assert latest.rows.get(generator_id=vote.shown_right_id).elo == pytest.approx(998.0)


def test_the_vote_itself_moves_no_elo(
    prompt, generators, voter, django_capture_on_commit_callbacks
):
    _cast(prompt, generators, voter, "left", django_capture_on_commit_callbacks, recompute=False)
    assert not EloRating.objects.exists()


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


def test_flagged_votes_do_not_move_the_elo(category, generators, settings):
    a, b = generators
    _vote(category, a, b, "left", flagged=True, flag_reason="cast 120 ms after it was shown")
    leaderboard_recompute(category=category)
    assert not EloRating.objects.filter(votes__gt=0).exists()

    settings.RATINGS_FLAGGED = "count"  # a board that counts them replays them in
    leaderboard_recompute(category=category)
    assert _ratings(category) == pytest.approx({a.id: 1002.0, b.id: 998.0})


def test_a_flag_decision_after_the_replay_replays_the_board_from_the_start(category, three):
    a, b, c = three
    votes = [_vote(category, x, y) for x, y in [(a, b), (b, c), (c, a), (a, b)]]
    leaderboard_recompute(category=category)
    Vote.objects.filter(id=votes[1].id).update(flagged=True, flag_reason="judged hasty")
    _vote(category, b, a, "right")

    leaderboard_recompute(category=category)
    assert _ratings(category) == pytest.approx(_replayed(category), abs=1e-9)
    assert sum(row.votes for row in EloRating.objects.filter(category=category)) == 2 * 4


def test_replaying_vote_by_vote_equals_replaying_them_all_at_once(
    prompt, generators, voter, django_capture_on_commit_callbacks, settings
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 0  # one prompt, voted on eight times
    for choice in ["left", "right", "left", "tie", "both_bad", "left", "right", "left"]:
        _cast(prompt, generators, voter, choice, django_capture_on_commit_callbacks)
    for board in (None, prompt.category):
        incremental = _ratings(board)
        assert incremental == pytest.approx(_replayed(board), abs=1e-9)
        leaderboard_recompute(category=board, elo_from_start=True)
        assert _ratings(board) == pytest.approx(incremental, abs=1e-9)
    assert sum(row.votes for row in EloRating.objects.filter(category=prompt.category)) == 2 * 8


def test_a_vote_during_a_recompute_is_not_lost_and_the_next_one_counts_it(
    category, three, monkeypatch
):
    a, b, c = three
    _vote(category, a, b)
    real = recompute_module.compute_board

    def compute_while_a_vote_lands(*args, **kwargs):
        # Committed after the board's counts were read, before its Elo moves on.
        _vote(category, c, a, "left")
        return real(*args, **kwargs)

    monkeypatch.setattr(recompute_module, "compute_board", compute_while_a_vote_lands)
    first = leaderboard_recompute(category=category)
    monkeypatch.setattr(recompute_module, "compute_board", real)

    assert first.vote_count == 1
    assert _ratings(category) == pytest.approx(_replayed(category), abs=1e-9)  # has both
    second = leaderboard_recompute(category=category)
    assert second.vote_count == 2
    shown = {r.generator_id: r.elo for r in second.rows.all() if r.elo is not None}
    assert shown == pytest.approx(_replayed(category), abs=1e-9)


def test_a_vote_committed_below_one_already_replayed_is_replayed_in_its_place(category, three):
    a, b, c = three
    _vote(category, a, b, id=10)
    _vote(category, b, c, id=30)
    leaderboard_recompute(category=category)
    # Numbered before the vote with id 30, committed after it had been replayed.
    _vote(category, c, a, "right", id=20)

    leaderboard_recompute(category=category)
    assert _ratings(category) == pytest.approx(_replayed(category), abs=1e-9)
    assert EloRating.objects.get(category=category, generator=c).votes == 2


def test_a_void_replays_the_board_from_the_start(
    prompt, generators, voter, admin_user, django_capture_on_commit_callbacks, settings
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 0
    votes = [
        _cast(prompt, generators, voter, choice, django_capture_on_commit_callbacks)
        for choice in ["left", "left", "right", "tie"]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        vote_void(vote_id=votes[0].id, by=admin_user, reason="clicked at random")

    for board in (None, prompt.category):
        assert _ratings(board) == pytest.approx(_replayed(board), abs=1e-9)
    assert sum(row.votes for row in EloRating.objects.filter(category=prompt.category)) == 2 * 3
    # The three votes left, replayed from 1000 each: not the four with the first one undone.
    left = [Vote.objects.get(id=v.id) for v in votes[1:]]
    ids = sorted({generators[0].id, generators[1].id})
    expected = elo_online(
        2,
        [ids.index(v.shown_left_id) for v in left],
        [ids.index(v.shown_right_id) for v in left],
        [SCORES[v.choice] for v in left],
    )
    assert [_ratings(None)[gid] for gid in ids] == pytest.approx(list(expected), abs=1e-9)


def test_the_rebuild_task_replays_from_the_start_even_when_the_counts_agree(category, three):
    a, b, _ = three
    _vote(category, a, b)
    leaderboard_recompute(category=category)
    EloRating.objects.filter(category=category, generator=a).update(rating=1234.0)  # drifted

    leaderboard_recompute(category=category)
    assert _ratings(category)[a.id] == 1234.0  # the incremental step trusts what it holds
    ratings_rebuild.apply(kwargs={"category_id": category.id})
    assert _ratings(category) == pytest.approx(_replayed(category), abs=1e-9)


def test_the_board_of_a_generator_without_votes_keeps_no_elo_row(category, three):
    a, b, _ = three
    _vote(category, a, b)
    leaderboard_recompute(category=category)
    assert set(_ratings(category)) == {a.id, b.id}
    assert np.isclose(sum(_ratings(category).values()), 2000.0)
