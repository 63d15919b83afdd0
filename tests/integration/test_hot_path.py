"""The vote's hot path on the real services: counters on Redis, votes and Elo on PostgreSQL."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, connections

from arena.core.cache import add_flag, count_hit
from arena.models import Vote
from arena.services import vote_cast
from arena.signals import vote_recorded
from ratings.engine import elo_online
from ratings.models import EloRating
from ratings.receivers import vote_recorded_schedule
from ratings.services import leaderboard_recompute
from ratings.services.elo import SCORES
from tests.conftest import make_generator
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


def test_a_flag_set_already_says_how_long_it_lives_on(redis_cache):
    added, ttl = add_flag("flag", timeout=30)
    assert added and 29 < ttl <= 30
    again, left = add_flag("flag", timeout=30)
    assert not again and 0 < left <= ttl
    assert redis_cache.get("flag") == 1


def _battles(category, generators, voters, per_voter: int) -> list:
    """Battles assigned to each voter and shown five seconds ago, sharing a few outputs."""
    import datetime

    from django.utils import timezone

    from arena.models import Battle, Prompt
    from generation.models import Generation

    prompt = Prompt.objects.create(text="a lighthouse at dusk", category=category)
    outputs = {
        g.id: Generation.objects.create(
            prompt=prompt, generator=g, params_hash="x", reusable=False, status="succeeded",
            file="outputs/x.png", media_type="image/png", digest=f"{g.id:064x}",
        )
        for g in generators
    }  # fmt: skip
    shown = timezone.now() - datetime.timedelta(seconds=5)
    rng = random.Random(3)
    battles = []
    for voter in voters:
        for _ in range(per_voter):
            a, b = rng.sample(generators, 2)
            battles.append(Battle(
                prompt=prompt, generator_a=a, generator_b=b, generation_a=outputs[a.id],
                generation_b=outputs[b.id], status="assigned", voter=voter,
                left_is_a=rng.random() < 0.5, shown_at=shown, assigned_at=shown,
            ))  # fmt: skip
    return Battle.objects.bulk_create(battles)


@pytest.mark.django_db(transaction=True)
def test_votes_cast_while_their_board_recomputes_all_reach_its_elo(postgresql, category):
    """Four voters vote while the board recomputes over and over: none is lost, and the Elo
    ends equal to one replay of every vote in id order."""
    generators = [make_generator(f"Model {i}") for i in range(4)]
    voters = [get_user_model().objects.create(username=f"voter{i}") for i in range(4)]
    battles = _battles(category, generators, voters, per_voter=15)
    # The recomputes run in their own thread here, not from each vote.
    vote_recorded.disconnect(dispatch_uid="ratings.vote_recorded_schedule")
    voting = threading.Event()
    ok, replays = [], []

    def vote(voter):
        try:
            for battle in (b for b in battles if b.voter_id == voter.id):
                choice = random.choice(list(SCORES))
                ok.append(vote_cast(voter=voter, battle_token=battle.token, choice=choice))
        finally:
            connections.close_all()

    def recompute():
        try:
            while voting.is_set():
                replays.append(leaderboard_recompute(category=category, rounds=2))
        finally:
            connections.close_all()

    voting.set()
    threads = [threading.Thread(target=vote, args=(v,)) for v in voters]
    recomputer = threading.Thread(target=recompute)
    try:
        recomputer.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        voting.clear()
        recomputer.join(timeout=60)
        vote_recorded.connect(vote_recorded_schedule, dispatch_uid="ratings.vote_recorded_schedule")
    assert len(ok) == Vote.objects.count() == 60 and len(replays) >= 2
    final = leaderboard_recompute(category=category, rounds=2)
    votes = list(
        Vote.objects.order_by("id").values_list("shown_left_id", "shown_right_id", "choice")
    )
    index = {g.id: i for i, g in enumerate(generators)}
    replay = elo_online(
        len(generators), [index[v[0]] for v in votes], [index[v[1]] for v in votes],
        [SCORES[v[2]] for v in votes],
    )  # fmt: skip
    stored = {row.generator_id: row for row in EloRating.objects.filter(category=category)}
    for g in generators:
        assert stored[g.id].rating == pytest.approx(replay[index[g.id]], abs=1e-9)
    assert sum(row.votes for row in stored.values()) == 2 * 60
    assert final.vote_count == 60


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
