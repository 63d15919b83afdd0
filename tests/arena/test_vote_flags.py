from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from arena.models import Battle, Vote
from arena.services import battle_hold_next, vote_cast


def _shown_ago(battle, ms: int) -> None:
    Battle.objects.filter(pk=battle.pk).update(shown_at=timezone.now() - timedelta(milliseconds=ms))


def test_a_vote_faster_than_the_minimum_is_kept_and_flagged(shown_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 800
    _shown_ago(shown_battle, 100)
    vote, created, *_ = vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    assert created and vote.flagged
    assert "minimum 800 ms" in vote.flag_reason
    assert 100 <= vote.time_to_vote_ms < 800
    shown_battle.refresh_from_db()
    assert shown_battle.status == Battle.Status.VOTED


def test_a_considered_vote_with_both_images_loaded_is_not_flagged(shown_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 800
    _shown_ago(shown_battle, 2500)
    vote = vote_cast(
        voter=voter, battle_token=shown_battle.token, choice="tie", images_loaded=True
    ).vote
    assert not vote.flagged and vote.flag_reason == ""
    assert vote.time_to_vote_ms >= 2500


def test_a_vote_before_both_images_loaded_is_flagged(shown_battle, voter):
    _shown_ago(shown_battle, 5000)
    vote = vote_cast(
        voter=voter, battle_token=shown_battle.token, choice="right", images_loaded=False
    ).vote
    assert vote.flagged
    assert vote.flag_reason == "cast before both outputs had loaded"


def test_a_browser_that_cannot_say_whether_images_loaded_is_not_flagged_for_it(shown_battle, voter):
    _shown_ago(shown_battle, 5000)
    vote = vote_cast(voter=voter, battle_token=shown_battle.token, choice="right").vote
    assert not vote.flagged


def test_both_reasons_are_recorded_together(shown_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 10_000
    vote = vote_cast(
        voter=voter, battle_token=shown_battle.token, choice="left", images_loaded=False
    ).vote
    assert vote.flag_reason.startswith("cast before both outputs had loaded; cast ")
    assert "(minimum 10000 ms)" in vote.flag_reason


def test_a_minimum_of_zero_turns_the_speed_flag_off(shown_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 0
    vote = vote_cast(voter=voter, battle_token=shown_battle.token, choice="left").vote
    assert not vote.flagged


def test_a_vote_on_a_held_battle_that_was_never_shown_is_flagged(ready_battle, voter):
    held = battle_hold_next(voter=voter)
    assert held.pk == ready_battle.pk and held.shown_at is None
    vote = vote_cast(voter=voter, battle_token=held.token, choice="left", images_loaded=True).vote
    assert vote.flagged and vote.time_to_vote_ms is None
    assert "never marked as shown" in vote.flag_reason


def test_a_retry_keeps_the_flags_of_the_vote_that_counted(shown_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 800
    first, *_ = vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    _shown_ago(shown_battle, 5000)
    again, created, *_ = vote_cast(
        voter=voter, battle_token=shown_battle.token, choice="left", images_loaded=True
    )
    assert not created and again.pk == first.pk and again.flagged
    assert Vote.objects.get().flag_reason == first.flag_reason
