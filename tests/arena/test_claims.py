from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from arena.models import Battle
from arena.services import (
    battle_assign_next,
    battle_create,
    battle_hold_next,
    battle_mark_shown,
    battle_open_requested,
    battles_refill,
)
from arena.services.claims import HOLD_SECONDS


def _assigned(voter) -> int:
    return Battle.objects.filter(voter=voter, status=Battle.Status.ASSIGNED).count()


def test_a_held_battle_is_claimed_with_sides_but_not_shown(voter, make_ready_battles):
    make_ready_battles(2)
    current = battle_assign_next(voter=voter)
    held = battle_hold_next(voter=voter)
    assert held.pk != current.pk
    assert held.status == Battle.Status.ASSIGNED and held.voter == voter
    assert held.left_is_a is not None and held.assigned_at is not None
    assert held.shown_at is None and current.shown_at is not None


def test_asking_for_the_next_again_returns_the_same_held_battle(voter, make_ready_battles):
    make_ready_battles(4)
    battle_assign_next(voter=voter)
    first = battle_hold_next(voter=voter)
    assert [battle_hold_next(voter=voter).pk for _ in range(3)] == [first.pk] * 3
    # A voter holds the battle on screen and one more, never the whole buffer.
    assert _assigned(voter) == 2


def test_the_held_battle_becomes_the_current_one_once_shown(voter, make_ready_battles):
    make_ready_battles(3)
    current = battle_assign_next(voter=voter)
    held = battle_hold_next(voter=voter)
    Battle.objects.filter(pk=current.pk).update(status=Battle.Status.VOTED)
    assert battle_mark_shown(voter=voter, battle=held)
    held.refresh_from_db()
    assert held.shown_at is not None
    assert battle_assign_next(voter=voter).pk == held.pk
    assert battle_hold_next(voter=voter).pk not in (current.pk, held.pk)


def test_the_vote_page_shows_a_held_battle_before_claiming_a_fresh_one(voter, make_ready_battles):
    make_ready_battles(3)
    held = battle_hold_next(voter=voter)
    shown = battle_assign_next(voter=voter)
    assert shown.pk == held.pk and shown.shown_at is not None
    assert _assigned(voter) == 1


def test_marking_shown_keeps_the_first_time_and_refuses_other_voters(
    voter, other_voter, make_ready_battles
):
    make_ready_battles(1)
    held = battle_hold_next(voter=voter)
    assert battle_mark_shown(voter=voter, battle=held)
    first = Battle.objects.get(pk=held.pk).shown_at
    assert battle_mark_shown(voter=voter, battle=held)
    assert Battle.objects.get(pk=held.pk).shown_at == first
    assert not battle_mark_shown(voter=other_voter, battle=held)


def test_a_held_battle_is_never_handed_to_another_voter(voter, other_voter, make_ready_battles):
    make_ready_battles(1)
    battle_hold_next(voter=voter)
    assert battle_assign_next(voter=other_voter) is None
    assert battle_hold_next(voter=other_voter) is None


def test_a_held_battle_left_unshown_too_long_goes_to_the_next_voter(
    voter, other_voter, make_ready_battles
):
    make_ready_battles(1)
    held = battle_hold_next(voter=voter)
    Battle.objects.filter(pk=held.pk).update(
        assigned_at=timezone.now() - timedelta(seconds=HOLD_SECONDS + 1)
    )
    taken = battle_assign_next(voter=other_voter)
    assert taken.pk == held.pk and taken.voter == other_voter and taken.shown_at is not None
    # The first voter's tab, coming back, can no longer show it.
    assert not battle_mark_shown(voter=voter, battle=held)


def test_a_shown_battle_is_never_taken_over(voter, other_voter, make_ready_battles):
    make_ready_battles(1)
    shown = battle_assign_next(voter=voter)
    Battle.objects.filter(pk=shown.pk).update(
        assigned_at=timezone.now() - timedelta(days=2), shown_at=timezone.now() - timedelta(days=2)
    )
    assert battle_assign_next(voter=other_voter) is None


def _requested(prompt, generators, voter, capture) -> Battle:
    with capture(execute=True):
        battle = battle_create(
            prompt=prompt, generator_a=generators[0], generator_b=generators[1], requested_by=voter
        )
    battle.refresh_from_db()
    assert battle.status == Battle.Status.READY
    return battle


def test_a_requested_battle_goes_to_its_requester_only_and_first(
    voter, other_voter, prompt, generators, make_ready_battles, django_capture_on_commit_callbacks
):
    make_ready_battles(1)
    mine = _requested(prompt, generators, voter, django_capture_on_commit_callbacks)
    other = battle_assign_next(voter=other_voter)
    assert other.pk != mine.pk
    assert battle_assign_next(voter=other_voter).pk == other.pk
    assert battle_hold_next(voter=other_voter) is None
    assert battle_assign_next(voter=voter).pk == mine.pk


def test_opening_a_requested_battle_claims_it_for_its_requester(
    voter, other_voter, prompt, generators, django_capture_on_commit_callbacks
):
    mine = _requested(prompt, generators, voter, django_capture_on_commit_callbacks)
    assert not battle_open_requested(voter=other_voter, battle=mine)
    assert battle_open_requested(voter=voter, battle=mine)
    mine.refresh_from_db()
    assert mine.status == Battle.Status.ASSIGNED and mine.voter == voter
    assert mine.shown_at is not None
    assert battle_open_requested(voter=voter, battle=mine)  # again: still theirs


def test_requested_battles_are_not_part_of_the_shared_buffer(
    voter, category, prompt, generators, django_capture_on_commit_callbacks
):
    _requested(prompt, generators, voter, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert battles_refill(buffer=2) == 2
