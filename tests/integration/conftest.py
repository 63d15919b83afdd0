"""Real services for the integration tests: PostgreSQL, Redis and a Celery worker process.

Outside CI these tests skip when DATABASE_URL (PostgreSQL) or CELERY_BROKER_URL (Redis) is not
set. In CI (CI=true) a missing or unreachable service fails them instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from arena.project.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://")):
        _unavailable("CELERY_BROKER_URL must point at Redis for worker tests")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def broker_url(transactional_db, redis_url) -> str:
    if connection.vendor != "postgresql":
        _unavailable("DATABASE_URL must point at PostgreSQL for worker tests")
    return redis_url


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _forget(url: str, pattern: str) -> None:
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(pattern):
        client.delete(key)


@pytest.fixture
def start_worker(broker_url, tmp_path):
    """Start real Celery worker processes on this test's own queue, sharing the test database
    and media: ``start_worker(concurrency=6, env={"CELERY_VISIBILITY_TIMEOUT": "3"})``.

    While it is in use, tasks sent from the test go to that queue.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "arena.project.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "worker-test-key",
        "ARENA_BATTLE_BUFFER": str(settings.ARENA_BATTLE_BUFFER),
        # The tests' small canonical size: workers encode outputs as fast as the tests do.
        "ARENA_OUTPUT_SIZE": "x".join(map(str, settings.ARENA_OUTPUT_SIZE or ())) or "native",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    started: list[_Worker] = []

    def start(*, concurrency: int = 2, env: dict[str, str] | None = None) -> _Worker:
        name = f"{queue}-{len(started)}"
        worker = _Worker.start(
            name=name, queue=queue, concurrency=concurrency, env={**base_env, **(env or {})},
            log=tmp_path / f"{name}.log",
        )  # fmt: skip
        started.append(worker)
        return worker

    # Generator ids repeat between runs; a slot left by a killed worker must not carry over.
    _forget(broker_url, "arena:slots:*")
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = default_queue
        for worker in started:
            worker.stop()
        _forget(broker_url, f"*{queue}*")  # the queue and kombu's bindings of it
        _forget(broker_url, "arena:slots:*")


@pytest.fixture
def worker(start_worker):
    """One real Celery worker process (two pool processes) on its own queue."""
    return start_worker()


class _Worker:
    def __init__(self, *, process, name, queue, log):
        self.process, self.name, self.queue, self.log = process, name, queue, log

    @classmethod
    def start(cls, *, name, queue, concurrency, env, log) -> _Worker:
        args = ["-A", "arena", "worker", "-Q", queue, "-n", f"{name}@%h", "-c", str(concurrency)]
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", *args, "--without-gossip", "--without-mingle",
                 "-l", "info"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill() reaches the pool too
            )  # fmt: skip
        return cls(process=process, name=name, queue=queue, log=log)

    def wait_for(self, predicate, *, timeout: float = 60.0, what: str = "the worker") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(
            f"timed out waiting for {what}; worker log:\n{self.log.read_text()[-4000:]}"
        )

    def pool_pid_running(self, task_id: str, *, timeout: float = 10.0) -> int:
        """The pid of the pool process executing this task, asked of the worker itself."""
        hostname = f"{self.name}@{socket.gethostname()}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = celery_app.control.inspect([hostname], timeout=1.0).active() or {}
            for task in replies.get(hostname, []):
                if task["id"] == task_id:
                    return task["worker_pid"]
        raise AssertionError(f"{hostname} never reported task {task_id} as active")

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a host crash or the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """End the worker after its test: at once, as nothing the test checks is still running
        (a warm shutdown spends seconds taking an idle pool down)."""
        if self.process.poll() is None:
            self.kill()
