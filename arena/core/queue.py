"""Queueing tasks without letting a broker outage fail the request that queues them.

The database is the source of truth: a task that could not be queued is found again by the
scheduled sweeps (stalled generations are re-sent, buffers refilled, boards recomputed).
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """``task.delay(*args, **kwargs)``; False, logged, when the broker cannot take it."""
    if task.app.conf.task_always_eager:
        task.delay(*args, **kwargs)  # in-process: there is no broker to fail
        return True
    try:
        task.delay(*args, **kwargs)
    except Exception:  # kombu, redis and socket errors all mean the same here
        logger.warning("could not queue %s; a sweep will redo it", task.name, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue the task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
