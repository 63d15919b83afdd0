from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from arena.models import Battle, Vote
from arena.services import RateLimited, battle_assign_next, vote_cast
from arena.services.limits import rate_hit


def test_rate_hit_allows_up_to_the_limit_then_says_how_long_to_wait(db):
    assert [rate_hit(key="k", limit=3, window=60) for _ in range(3)] == [0, 0, 0]
    wait = rate_hit(key="k", limit=3, window=60)
    assert 1 <= wait <= 61
    assert rate_hit(key="other", limit=3, window=60) == 0


def test_rate_hit_with_a_limit_of_zero_never_limits(db):
    assert all(rate_hit(key="k", limit=0, window=60) == 0 for _ in range(100))


def _vote_on_next(voter, choice="left"):
    battle = battle_assign_next(voter=voter)
    return vote_cast(voter=voter, battle_token=battle.token, choice=choice)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("ARENA_VOTE_RATE_PER_MINUTE", "faster than 2 votes a minute"),
        ("ARENA_DAILY_VOTE_CAP", "You have cast 2 votes today"),
    ],
)
def test_votes_past_a_limit_answer_429_and_change_nothing(
    voter, make_ready_battles, settings, setting, message
):
    setattr(settings, setting, 2)
    make_ready_battles(3)
    _vote_on_next(voter)
    _vote_on_next(voter)
    with pytest.raises(RateLimited) as error:
        _vote_on_next(voter)
    assert error.value.status == 429 and error.value.retry_after >= 1
    assert message in str(error.value)
    assert Vote.objects.count() == 2
    assert Battle.objects.filter(status=Battle.Status.ASSIGNED, voter=voter).count() == 1


def test_the_rate_limit_is_per_voter(voter, other_voter, make_ready_battles, settings):
    settings.ARENA_VOTE_RATE_PER_MINUTE = 1
    make_ready_battles(2)
    _vote_on_next(voter)
    _vote_on_next(other_voter)
    assert Vote.objects.count() == 2


def test_a_retry_of_a_counted_vote_is_never_limited(shown_battle, voter, settings):
    settings.ARENA_VOTE_RATE_PER_MINUTE = 1
    vote_cast(voter=voter, battle_token=shown_battle.token, choice="tie")
    for _ in range(3):
        _, created, *_ = vote_cast(voter=voter, battle_token=shown_battle.token, choice="tie")
        assert not created


def test_a_daily_cap_of_zero_is_off(voter, make_ready_battles, settings):
    settings.ARENA_DAILY_VOTE_CAP = 0
    make_ready_battles(3)
    for _ in range(3):
        _vote_on_next(voter)
    assert Vote.objects.count() == 3


def test_the_vote_rate_limit_counts_the_last_minute_of_votes_in_the_database(
    voter, make_ready_battles, settings
):
    settings.ARENA_VOTE_RATE_PER_MINUTE = 2
    make_ready_battles(3)
    _vote_on_next(voter)
    _vote_on_next(voter)
    cache.clear()  # nothing of the count lives in the cache
    with pytest.raises(RateLimited) as error:
        _vote_on_next(voter)
    assert 1 <= error.value.retry_after <= 60
    # A minute later the window has slid past both votes.
    Vote.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    _vote_on_next(voter)
    assert Vote.objects.count() == 3


def test_votes_just_before_midnight_count_for_the_rate_window_not_for_today(
    voter, make_ready_battles, settings, monkeypatch
):
    # Both counts come from one pass over the voter's votes: from the earlier of midnight and
    # the rate window's start. Just after midnight the window reaches into yesterday.
    from arena import selectors

    settings.ARENA_DAILY_VOTE_CAP, settings.ARENA_VOTE_RATE_PER_MINUTE = 2, 3
    make_ready_battles(4)
    _vote_on_next(voter)
    _vote_on_next(voter)
    midnight = selectors.day_start(timezone.now() + timedelta(days=1))
    Vote.objects.update(created_at=midnight - timedelta(seconds=30))
    monkeypatch.setattr(timezone, "now", lambda: midnight + timedelta(seconds=10))
    cast = _vote_on_next(voter)  # yesterday's two are not today's: under the daily cap of 2
    assert cast.created and cast.votes_today == 1
    with pytest.raises(RateLimited, match="faster than 3 votes"):
        _vote_on_next(voter)  # but all three are within the last minute
    assert Vote.objects.count() == 3
