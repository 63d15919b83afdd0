from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.core.cache import cache

from arena.models import Vote
from arena.project.celery import app as celery_app
from ratings.models import Snapshot
from ratings.services import board_key, boards_behind, ratings_schedule, schedule
from ratings.tasks import ratings_recompute, ratings_recompute_stale


def _vote(category, generators, key):
    a, b = generators
    return Vote.objects.create(
        category=category, choice="left", shown_left=a, shown_right=b, import_key=key
    )


def test_the_recompute_task_skips_a_board_whose_snapshot_is_current(category, generators):
    _vote(category, generators, "k1")
    assert ratings_recompute.apply(kwargs={"category_id": category.id}).get().startswith("snapshot")
    assert ratings_recompute.apply(kwargs={"category_id": category.id}).get() == "current"
    _vote(category, generators, "k2")
    assert ratings_recompute.apply(kwargs={"category_id": category.id}).get().startswith("snapshot")
    assert Snapshot.objects.filter(category=category).count() == 2


def test_the_sweep_finds_every_board_behind_its_votes(category, generators):
    _vote(category, generators, "k1")
    # Both overall boards have no snapshot yet; the category's misses its vote.
    assert set(boards_behind()) == {(None, "generate"), (None, "edit"), (category.id, "generate")}
    assert ratings_recompute_stale.apply().get() == 3
    assert boards_behind() == []


@pytest.fixture
def queued_mode():
    """Tasks go to a broker (here: a stand-in) instead of running in-process."""
    celery_app.conf.task_always_eager = False
    cache.clear()
    yield
    celery_app.conf.task_always_eager = True


def test_a_burst_of_votes_queues_one_recompute_of_their_board(
    category, generators, monkeypatch, queued_mode
):
    sent = []
    monkeypatch.setattr(ratings_recompute, "apply_async", lambda **kw: sent.append(kw))
    for _ in range(20):
        ratings_schedule(category_id=category.id)
    assert [s["kwargs"]["category_id"] for s in sent] == [category.id]
    assert all(s["countdown"] > 0 for s in sent)


def test_votes_while_a_recompute_is_queued_queue_no_other(category, monkeypatch, queued_mode):
    sent = []
    monkeypatch.setattr(ratings_recompute, "apply_async", lambda **kw: sent.append(kw))
    for _ in range(5):
        ratings_schedule(category_id=category.id)
    assert len(sent) == 1
    # Once the queued recompute is due (its flag gone), the next vote queues the next one.
    cache.clear()
    schedule._queued_until.clear()
    ratings_schedule(category_id=category.id)
    assert len(sent) == 2


def test_a_category_recompute_with_new_votes_queues_the_overall_board_once(
    category, generators, monkeypatch, queued_mode
):
    _vote(category, generators, "k1")
    sent = []
    monkeypatch.setattr(ratings_recompute, "apply_async", lambda **kw: sent.append(kw))
    assert ratings_recompute.apply(kwargs={"category_id": category.id}).get().startswith("snapshot")
    assert [s["kwargs"]["category_id"] for s in sent] == [None]
    # A second category recompute within the interval finds the overall one queued already,
    # and one with nothing new asks for nothing.
    _vote(category, generators, "k2")
    ratings_recompute.apply(kwargs={"category_id": category.id}).get()
    assert ratings_recompute.apply(kwargs={"category_id": category.id}).get() == "current"
    assert len(sent) == 1
    # The overall recompute it asked for counts the category's votes.
    assert ratings_recompute.apply(kwargs={"category_id": None}).get().startswith("snapshot")
    assert Snapshot.objects.get(category=None, kind="generate").vote_count == 2


def test_a_broken_queue_never_fails_the_vote(category, monkeypatch, queued_mode):
    def down(**kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratings_recompute, "apply_async", down)
    ratings_schedule(category_id=category.id)  # logs, does not raise


def test_a_recompute_already_running_is_not_started_twice(category, generators):
    _vote(category, generators, "k1")
    cache.add(f"{board_key(category.id)}:running", 1, timeout=60)
    try:
        with pytest.raises(Retry):
            ratings_recompute.apply(kwargs={"category_id": category.id}, throw=True)
        assert Snapshot.objects.count() == 0
    finally:
        cache.delete(f"{board_key(category.id)}:running")
