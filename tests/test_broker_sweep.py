"""The SQLite-file broker's sweep: delivered messages go, waiting ones stay."""

from __future__ import annotations

import sqlite3

from kombu import Connection

from arena.core.broker import broker_sweep
from arena.tasks import broker_messages_sweep


def _queue(url: str, *, sent: int, taken: int) -> None:
    with Connection(url) as connection:
        queue = connection.SimpleQueue("sweep-test")
        for n in range(sent):
            queue.put({"n": n})
        for _ in range(taken):
            queue.get(timeout=5).ack()
        queue.close()


def test_the_sweep_deletes_delivered_messages_and_keeps_waiting_ones(tmp_path):
    path = tmp_path / "broker.sqlite3"
    url = f"sqla+sqlite:///{path}"
    _queue(url, sent=5, taken=3)
    assert broker_sweep(url) == 3
    rows = sqlite3.connect(path).execute("SELECT visible FROM kombu_message").fetchall()
    assert rows == [(1,), (1,)]
    with Connection(url) as connection:  # what was waiting is still delivered, in order
        queue = connection.SimpleQueue("sweep-test")
        assert [queue.get(timeout=5).payload["n"] for _ in range(2)] == [3, 4]
        queue.close()
    assert broker_sweep(url) == 2


def test_the_sweep_of_a_broker_never_used_deletes_nothing(tmp_path):
    assert broker_sweep(f"sqla+sqlite:///{tmp_path / 'new.sqlite3'}") == 0


def test_the_task_sweeps_only_a_sqlalchemy_broker(settings, tmp_path):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert broker_messages_sweep() == 0
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    _queue(url, sent=2, taken=2)
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
    assert broker_messages_sweep() == 2
