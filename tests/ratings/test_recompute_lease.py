"""A running recompute holds its board by a renewed lease: a dead worker's hold lapses soon,
and a recompute waiting for a live one is never dropped."""

from __future__ import annotations

import threading
import time

import pytest
from celery.exceptions import Retry
from django.core.cache import cache

from arena.core.lease import lease
from arena.models import Vote
from ratings.services import board_key
from ratings.tasks import ratings_recompute

LEASE = 0.6


@pytest.fixture
def short_lease(settings):
    settings.RATINGS_RECOMPUTE_LEASE_SECONDS = LEASE


@pytest.fixture
def voted(category, generators):
    a, b = generators
    Vote.objects.create(
        category=category, choice="left", shown_left=a, shown_right=b, import_key="1"
    )
    return category


def test_a_live_holder_keeps_its_lease_past_the_lease_period():
    with lease("test:lease", seconds=LEASE) as held:
        assert held
        time.sleep(LEASE * 2.5)
        with lease("test:lease", seconds=LEASE) as second:
            assert not second
    with lease("test:lease", seconds=LEASE) as after:
        assert after


def test_the_hold_of_a_worker_that_died_lapses_within_the_lease(voted, short_lease, monkeypatch):
    # A worker killed mid-recompute never releases its hold: here, nothing is ever deleted.
    monkeypatch.setattr(cache, "delete", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        "ratings.services.leaderboard_recompute", lambda **kwargs: (_ for _ in ()).throw(SystemExit)
    )
    with pytest.raises(SystemExit):
        ratings_recompute.apply(kwargs={"category_id": voted.id}, throw=True)
    monkeypatch.undo()

    with pytest.raises(Retry):
        ratings_recompute.apply(kwargs={"category_id": voted.id}, throw=True)
    time.sleep(LEASE + 0.3)

    assert ratings_recompute.apply(kwargs={"category_id": voted.id}).get().startswith("snapshot")


def test_a_recompute_waiting_for_a_running_one_is_never_given_up(voted, short_lease):
    key = f"{board_key(voted.id)}:running"
    with lease(key, seconds=LEASE) as held:
        assert held
        with pytest.raises(Retry):
            # Far past any retry limit: waiting for a live run is no failure.
            ratings_recompute.apply(kwargs={"category_id": voted.id}, retries=500, throw=True)


def test_a_running_recompute_keeps_its_board_while_it_works(voted, short_lease, monkeypatch):
    started, finish = threading.Event(), threading.Event()

    def slow(**kwargs):
        started.set()
        finish.wait(10)
        return type("S", (), {"id": 0})()

    monkeypatch.setattr("ratings.services.leaderboard_recompute", slow)
    # The voters' tests that follow an overall board read votes this thread cannot see.
    monkeypatch.setattr("ratings.services.raters.standings_refresh", lambda: 0)
    # The overall board: the runner's own connection need not see this test's rows.
    runner = threading.Thread(target=lambda: ratings_recompute.apply(kwargs={"category_id": None}))
    runner.start()
    assert started.wait(5)
    time.sleep(LEASE * 2.5)
    try:
        with lease(f"{board_key(None)}:running", seconds=LEASE) as second:
            assert not second
    finally:
        finish.set()
        runner.join(5)
