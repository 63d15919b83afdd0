"""Faults injected into the real services: Redis stops while votes are cast, PostgreSQL
restarts while the web server runs. They restart services on this machine, so they run only
in CI or with ARENA_FAULT_TESTS=1, as root, against services on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from urllib.parse import urlparse

import httpx
import pytest
import redis
from django.db import connection, connections

from arena.models import Prompt, Vote
from arena.project.celery import app as celery_app
from arena.services import battle_assign_next, battle_create
from ratings.models import Snapshot
from ratings.tasks import ratings_recompute_stale

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
    "--save", "", "--appendonly", "no", "--dir", "/tmp",
]  # fmt: skip


@pytest.fixture
def fault_injection(redis_url):
    allowed = os.environ.get("CI", "").lower() == "true" or os.environ.get("ARENA_FAULT_TESTS")
    if not allowed:
        pytest.skip("fault tests restart services: CI runs them (or set ARENA_FAULT_TESTS=1)")
    if os.geteuid() != 0 or urlparse(redis_url).hostname not in ("127.0.0.1", "localhost"):
        pytest.fail("fault tests need root and services on 127.0.0.1")
    if connection.vendor != "postgresql":
        pytest.fail("fault tests need DATABASE_URL pointing at PostgreSQL")


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _wait(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


@pytest.fixture
def ready_battles(prompt, generators):
    """Three battles on three prompts, generated in-process; then tasks go to the broker."""
    for i in range(3):
        fresh = Prompt.objects.create(text=f"{prompt.text}, take {i}", category=prompt.category)
        # Fresh outputs too: one voter judges all three, and never sees an output twice.
        battle_create(
            prompt=fresh, generator_a=generators[0], generator_b=generators[1], fresh=True
        )
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def test_votes_cast_while_redis_is_down_are_all_stored_and_counted_later(
    fault_injection, redis_url, ready_battles, client, voter, settings
):
    settings.ARENA_MIN_VOTE_MS = 0  # votes cast at once are judgements here, not flagged ones
    client.force_login(voter)
    redis.Redis.from_url(redis_url).shutdown(nosave=True)
    try:
        _wait(lambda: not _redis_up(redis_url))
        statuses = []
        for choice in ("left", "right", "tie"):
            battle = battle_assign_next(voter=voter)
            response = client.post(
                f"/vote/{battle.token}/",
                {"choice": choice, "images_loaded": "1"},
                HTTP_ACCEPT="application/json",
            )
            statuses.append(response.status_code)
    finally:
        subprocess.run(REDIS_START, check=True, capture_output=True)
        _wait(lambda: _redis_up(redis_url))
    assert statuses == [200, 200, 200]
    assert Vote.objects.count() == 3
    # The recomputes could not be queued; the sweep (beat) catches the boards up.
    celery_app.conf.task_always_eager = True
    ratings_recompute_stale.apply()
    newest = Snapshot.objects.filter(category=None, kind="generate").latest("id")
    assert newest.vote_count == 3 and newest.last_vote_id == Vote.objects.latest("id").id


def _pg_restart() -> None:
    version = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
    ).stdout.split()[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True, capture_output=True,
    )  # fmt: skip


def test_a_postgresql_restart_answers_503_and_the_server_recovers_by_itself(
    fault_injection, live_server, voter, category
):
    if not shutil.which("pg_ctlcluster"):
        pytest.fail("pg_ctlcluster is needed to restart PostgreSQL")
    from ratings.api_keys import api_key_create

    _, key = api_key_create(name="fault")
    url = f"{live_server.url}/api/v1/categories/"
    headers = {"Authorization": f"Bearer {key}"}
    statuses: list[int] = []
    stop = threading.Event()

    def poll():
        with httpx.Client(headers=headers, timeout=10) as client:
            while not stop.is_set():
                try:
                    statuses.append(client.get(url).status_code)
                except httpx.HTTPError:
                    statuses.append(0)
                time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        _wait(lambda: 200 in statuses)  # the server has answered once (its first is slow)
        _pg_restart()
        # The poller's own requests recover once the server is back, with no help.
        restarted = len(statuses)
        _wait(lambda: 200 in statuses[restarted:])
    finally:
        stop.set()
        poller.join(timeout=30)
        connections.close_all()  # this thread's connection died with the server
    with httpx.Client(headers=headers, timeout=10) as client:
        _wait(lambda: client.get(url).status_code == 200)
        assert client.get(url).json()["results"][0]["slug"] == category.slug
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses[0] == 200 and statuses[-1] == 200, statuses
