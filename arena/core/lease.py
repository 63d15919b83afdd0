"""A lease in the cache: held while its holder lives, lapsing soon after the holder dies.

A plain lock with a long timeout outlives a killed worker by that whole timeout; a short one
expires under a holder that is still working. A lease is short and renewed by a thread of the
holder, so it lasts exactly as long as the holder runs, plus at most one lease period.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache


@contextmanager
def lease(key: str, *, seconds: float) -> Iterator[bool]:
    """Yield True while holding ``key`` (renewed every third of ``seconds``), False if taken."""
    token = uuid.uuid4().hex
    if not cache.add(key, token, timeout=seconds):
        yield False
        return
    stop = threading.Event()
    renewer = threading.Thread(
        target=_renew, args=(key, token, seconds, stop), daemon=True, name=f"lease {key}"
    )
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        # Only our own lease: one that lapsed and was taken over belongs to its new holder.
        if cache.get(key) == token:
            cache.delete(key)


def _renew(key: str, token: str, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        if cache.get(key) != token:
            return  # lapsed and taken over: the other holder renews its own
        cache.touch(key, seconds)
