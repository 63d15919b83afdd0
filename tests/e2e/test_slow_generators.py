"""Generators that take 4 s, as a real API would, under ``./dev up``'s own set-up: a real
Celery worker process on the embedded broker, a SQLite file (no server). Nothing a voter waits
on runs a generation: the prompt page answers at once with its progress, and the next battle
shows at once while the buffer has battles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from arena.models import Battle, Vote
from arena.project.celery import app as celery_app
from generation.models import Generator
from tests.e2e.conftest import BATTLES, log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DELAY_MS = 4000
VOTES = BATTLES - 1  # the last battle stays on screen


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def embedded_worker(transactional_db, tmp_path, monkeypatch):
    """A real worker process, as ``./dev up`` starts it, on a broker file of this test."""
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    options = {"connect_args": {"timeout": 30}}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "arena.project.settings",
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": "",  # the embedded default: a SQLite file
        "CELERY_BROKER_FILE": str(tmp_path / "broker.sqlite3"),
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ARENA_BATTLE_BUFFER": "0",
    }
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets
    # it to Redis): this test's process must publish to the same file.
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options")}
    celery_app.conf.update(broker_url=broker, broker_transport_options=options)
    celery_app.conf.task_always_eager = False
    _reset_connections()
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "arena", "worker", "-c", "4", "-l", "info"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the stop reaches the pool too
        )  # fmt: skip
    try:
        _wait(lambda: "ready." in log.read_text(), what="the worker to start", log=log)
        yield log
    finally:
        try:
            # At once: a warm shutdown would wait for the 4 s generations a refill started,
            # which the test does not need, and on a loaded machine for longer than any wait.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            celery_app.conf.update(saved)
            celery_app.conf.task_always_eager = True
            _reset_connections()


def _reset_connections() -> None:
    # The app keeps a pool of broker connections and of producers; dropped here, it makes new
    # ones for the broker just configured. (The old ones stay open: kombu's registry of pools
    # still hands them to whoever asks for the old broker.)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _wait(predicate, *, what: str, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def _slow(generators) -> None:
    for generator in generators:
        generator.parameters = {**generator.parameters, "delay_ms": DELAY_MS}
    Generator.objects.bulk_update(generators, ["parameters"])


def test_the_prompt_page_answers_at_once_and_shows_progress_while_a_worker_generates(
    page, live_server, voter, generators, category, embedded_worker, screenshot
):
    _slow(generators)
    log_in(page, live_server, path="/prompt/")
    page.get_by_label("Your prompt").fill("A red handbag on marble, in the rain")
    page.get_by_role("button", name="Generate two outputs").click()
    # The page is there while both outputs are still being made (each takes 4 s).
    message = page.locator("#progress-message")
    expect(message).to_have_text("Generating: 0 of 2 outputs ready.", timeout=3000)
    expect(page.locator(".bar")).to_be_visible()
    screenshot("1-generating")
    battle = Battle.objects.get(requested_by=voter)
    assert battle.status == Battle.Status.PENDING
    # The worker makes both; the page notices and opens the battle by itself.
    wait_until_ready(page)
    assert page.url.endswith(f"/vote/{battle.token}/")
    screenshot("2-ready")


def test_ten_keyboard_votes_each_show_the_next_battle_at_once_with_slow_generators(
    page, live_server, battles, embedded_worker, screenshot
):
    _slow(battles)  # the ready battles were made before; anything new would take 4 s
    log_in(page, live_server)
    wait_until_ready(page)
    page.evaluate("window.sameDocument = true")
    prompts = []
    for i in range(VOTES):
        prompts.append(page.locator("#prompt").inner_text())
        page.wait_for_selector("#battle[data-next=ready]")  # preloaded, as a voter would find it
        page.keyboard.press(["1", "2", "3", "4"][i % 4])
        expect(page.locator("#verdict")).to_contain_text("You voted")
        page.keyboard.press("Enter")
        # Well under one generation: nothing between Enter and the pair waits on a worker.
        page.wait_for_selector("#battle[data-state=voting][data-ready]", timeout=DELAY_MS - 1000)
        expect(page.locator("#prompt")).not_to_have_text(prompts[-1], timeout=1)
    screenshot("after-ten-votes")
    assert page.evaluate("window.sameDocument") is True  # never reloaded
    assert len(set(prompts)) == VOTES
    assert Vote.objects.count() == VOTES
