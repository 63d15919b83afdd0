"""The vote's hot path on the real services: counters on Redis, votes and Elo on PostgreSQL."""

from __future__ import annotations

import random
import uuid

import pytest
from django.core.cache import caches
from django.db import connection

from arena.core.cache import count_hit
from arena.models import Vote
from ratings.models import EloRating
from tests.integration.conftest import _unavailable


@pytest.fixture(autouse=True)
def _one_prompt_many_votes(settings):
    # These tests vote on one prompt over and over; the repeat window would hold it back.
    settings.ARENA_PROMPT_REPEAT_HOURS = 0


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        _unavailable("DATABASE_URL must point at PostgreSQL for prepared statements")


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "arena.core.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    return caches["default"]


def test_count_hit_counts_and_starts_the_expiry_once(redis_cache):
    assert [count_hit("window", timeout=30) for _ in range(3)] == [1, 2, 3]


CHOICES = ["left", "right", "tie", "both_bad", "left", "left", "right", "tie", "left"]


def _cast_all(prompt, generators, voter, capture, monkeypatch) -> tuple[dict, list]:
    from arena.services import battle_assign_next, battle_create, claims, vote_cast

    monkeypatch.setattr(claims, "_rng", random.Random(7))  # the same sides in both runs
    votes = []
    for i, choice in enumerate(CHOICES):
        a, b = generators[i % 3], generators[(i + 1) % 3]
        with capture(execute=True):
            # Fresh outputs: the same voter never sees an output twice.
            battle_create(prompt=prompt, generator_a=a, generator_b=b, fresh=True)
        battle = battle_assign_next(voter=voter)
        with capture(execute=False):
            vote = vote_cast(voter=voter, battle_token=battle.token, choice=choice).vote
        votes.append((vote.choice, vote.shown_left_id, vote.shown_right_id, vote.category_id))
    elo = {
        (row.category_id, row.generator_id): (row.rating, row.votes)
        for row in EloRating.objects.all()
    }
    return elo, votes


def test_votes_on_postgresql_move_the_elo_as_replaying_them_by_id_does(
    postgresql, prompt, generators, voter, monkeypatch, django_capture_on_commit_callbacks
):
    from ratings.services import elo_rebuild
    from tests.conftest import make_generator

    generators = [*generators, make_generator("Cobalt Mini")]
    online, votes = _cast_all(
        prompt, generators, voter, django_capture_on_commit_callbacks, monkeypatch
    )
    assert [vote[0] for vote in votes] == CHOICES
    elo_rebuild(category=None)
    elo_rebuild(category=prompt.category)
    replayed = {
        (row.category_id, row.generator_id): (row.rating, row.votes)
        for row in EloRating.objects.all()
    }
    assert len(online) == 6 and online.keys() == replayed.keys()
    for key, (rating, count) in online.items():
        assert rating == pytest.approx(replayed[key][0], abs=1e-9)
        assert count == replayed[key][1]


# (shown this many ms before the vote, or never; images_loaded) -> (time_to_vote_ms, reason)
FLAG_CASES = [
    (5000.0, True, 5000, ""),
    (456.7, None, 456, "cast 456 ms after the battle was shown (minimum 800 ms)"),
    (-20.0, None, 0, "cast 0 ms after the battle was shown (minimum 800 ms)"),
    (
        None,
        False,
        None,
        "cast before both outputs had loaded; cast on a battle that was never marked as shown",
    ),
    (900.0, False, 900, "cast before both outputs had loaded"),
]


@pytest.fixture
def vote_path(postgresql):
    """Votes cast on PostgreSQL (the one vote path, as on SQLite)."""
    return "postgresql"


def _open_battle(prompt, generators, voter, capture):
    from arena.services import battle_assign_next, battle_create

    with capture(execute=True):
        # Fresh outputs: the same voter never sees an output twice.
        battle_create(
            prompt=prompt, generator_a=generators[0], generator_b=generators[1], fresh=True
        )
    return battle_assign_next(voter=voter)


def test_both_paths_time_and_flag_a_vote_alike(
    vote_path, prompt, generators, voter, settings, monkeypatch, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from arena.models import Battle
    from arena.services import vote_cast

    settings.ARENA_MIN_VOTE_MS = 800
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    for shown_ms_ago, images_loaded, time_to_vote_ms, reason in FLAG_CASES:
        battle = _open_battle(prompt, generators, voter, django_capture_on_commit_callbacks)
        shown_at = None
        if shown_ms_ago is not None:
            shown_at = now - datetime.timedelta(milliseconds=shown_ms_ago)
        Battle.objects.filter(id=battle.id).update(shown_at=shown_at)
        with django_capture_on_commit_callbacks(execute=False):
            cast = vote_cast(
                voter=voter, battle_token=battle.token, choice="tie", images_loaded=images_loaded
            )
        stored = Vote.objects.get(id=cast.vote.id)
        for vote in (cast.vote, stored):
            assert (vote.time_to_vote_ms, vote.flag_reason) == (time_to_vote_ms, reason)
            assert vote.flagged == bool(reason)
        assert stored.created_at == now


@pytest.mark.parametrize(
    ("cap", "per_minute", "words"), [(2, 0, "votes today"), (0, 2, "faster than 2 votes")]
)
def test_both_paths_stop_at_the_limits_and_write_nothing(
    vote_path, cap, per_minute, words, prompt, generators, voter, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from arena.models import Battle
    from arena.services import RateLimited, vote_cast

    settings.ARENA_DAILY_VOTE_CAP, settings.ARENA_VOTE_RATE_PER_MINUTE = cap, per_minute
    for _ in range(2):
        battle = _open_battle(prompt, generators, voter, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=False):
            assert vote_cast(voter=voter, battle_token=battle.token, choice="left").votes_today
    battle = _open_battle(prompt, generators, voter, django_capture_on_commit_callbacks)
    with pytest.raises(RateLimited, match=words):
        vote_cast(voter=voter, battle_token=battle.token, choice="left")
    assert Vote.objects.count() == 2
    assert Battle.objects.get(id=battle.id).status == Battle.Status.ASSIGNED
    assert EloRating.objects.get(category=None, generator=generators[0]).votes == 2
