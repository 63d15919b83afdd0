"""Real services for the integration tests: PostgreSQL, Redis and a Celery worker process.

Outside CI these tests skip when DATABASE_URL (PostgreSQL) or CELERY_BROKER_URL (Redis) is not
set. In CI (CI=true) a missing or unreachable service fails them instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from arena.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture
def broker_url(transactional_db) -> str:
    if connection.vendor != "postgresql":
        _unavailable("DATABASE_URL must point at PostgreSQL for worker tests")
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://")):
        _unavailable("CELERY_BROKER_URL must point at Redis for worker tests")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {url} does not answer: {exc}")
    return url


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(broker_url, tmp_path):
    """A real Celery worker process on its own queue, sharing the test database and media."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "arena.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "worker-test-key",
        "ARENA_BATTLE_BUFFER": str(settings.ARENA_BATTLE_BUFFER),
        "DATABASE_CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "arena",
            "worker",
            "-Q",
            queue,
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield _Worker(process=process, queue=queue, log=tmp_path / "worker.log")
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        redis.Redis.from_url(broker_url).delete(queue)


class _Worker:
    def __init__(self, *, process, queue, log):
        self.process, self.queue, self.log = process, queue, log

    def wait_for(self, predicate, *, timeout: float = 60.0, what: str = "the worker") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(
            f"timed out waiting for {what}; worker log:\n{self.log.read_text()[-4000:]}"
        )
