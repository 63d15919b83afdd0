"""A cap on how many generations of one generator run at once, shared by every worker.

Each capped generator has a Redis sorted set of holders: one member per running generation
(its task id), scored by the server time at which its lease runs out. Taking a slot prunes
expired holders and adds ours in one Lua script, so two workers can never both take the last
slot. A holder renews its lease from a background thread while it runs; a worker killed while
holding stops renewing, and its slot frees itself when the lease ends. A task redelivered
after its worker died keeps its id, so it takes its own slot back instead of a second one.

Waiting does not poll: every release pushes to a wake-up list on which waiters block, so a
freed slot is taken at once. The periodic timeout of that wait only catches expired leases.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)
RECHECK_SECONDS = 1.0  # how often a waiter looks for expired leases while nobody releases

# KEYS: holders. ARGV: token, limit, lease ms. Returns 1 when the slot is ours.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if mine or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return 0
"""

# KEYS: holders. ARGV: token, lease ms. Returns 0 when the lease had already run out.
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires or tonumber(expires) <= now then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

# KEYS: holders, wake list. ARGV: token, limit. Wakes one waiter when a slot was given back.
_RELEASE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], 1)
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[2], 60000)
  return 1
end
return 0
"""


class GeneratorBusy(Exception):
    """Every slot of the generator is taken; try again shortly. Not a provider failure."""


class Slots:
    """The concurrency slots of one generator."""

    def __init__(self, client: redis.Redis, *, generator_id: int, limit: int, lease: float):
        # One hash tag keeps both keys on one Redis Cluster node.
        self.holders = f"arena:slots:{{{generator_id}}}"
        self.wake = f"arena:slots:{{{generator_id}}}:wake"
        self.client, self.limit = client, limit
        self.lease_ms = max(round(lease * 1000), 1)
        # Registering only hashes the source; Redis runs it by hash, loading it when missing.
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def try_acquire(self, token: str) -> bool:
        return bool(self._acquire([self.holders], [token, self.limit, self.lease_ms]))

    def acquire(self, token: str, *, wait: float) -> None:
        """Take a slot, blocking up to ``wait`` seconds; raise ``GeneratorBusy`` if none frees."""
        deadline = time.monotonic() + wait
        while not self.try_acquire(token):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise GeneratorBusy(f"all {self.limit} slots are taken")
            self.client.blpop([self.wake], timeout=min(remaining, RECHECK_SECONDS))

    def renew(self, token: str) -> bool:
        return bool(self._renew([self.holders], [token, self.lease_ms]))

    def release(self, token: str) -> None:
        self._release([self.holders, self.wake], [token, self.limit])

    def held(self) -> int:
        """How many live holders there are now (expired ones are not counted)."""
        now_ms = _server_ms(self.client)
        return self.client.zcount(self.holders, f"({now_ms}", "+inf")


@contextmanager
def generator_slot(*, generator_id: int, limit: int, token: str) -> Iterator[None]:
    """Hold one of the generator's ``limit`` slots for the block; no cap when ``limit`` is 0.

    Without a Redis URL (in-process mode) there is nothing to share a cap with: no cap.
    Redis being unreachable counts as busy, so a capped provider is never called uncapped.
    """
    import redis

    url = settings.ARENA_CONCURRENCY_REDIS_URL
    if limit <= 0 or not url:
        yield
        return
    lease = settings.ARENA_SLOT_LEASE_SECONDS
    slots = Slots(_client(url), generator_id=generator_id, limit=limit, lease=lease)
    try:
        slots.acquire(token, wait=settings.ARENA_SLOT_WAIT_SECONDS)
    except redis.RedisError as exc:
        raise GeneratorBusy(f"the concurrency limiter is unreachable ({exc})") from exc
    try:
        with _renewing(slots, token):
            yield
    finally:
        _release_quietly(slots, token)


@contextmanager
def _renewing(slots: Slots, token: str) -> Iterator[None]:
    """Renew the lease from a daemon thread every third of it until the block ends."""
    import redis

    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(slots.lease_ms / 3000):
            try:
                if not slots.renew(token):
                    logger.warning("slot lease of %s ran out before it was renewed", token)
                    return
            except redis.RedisError as exc:
                logger.warning("could not renew the slot lease of %s: %s", token, exc)

    thread = threading.Thread(target=renew, name=f"slot-lease-{token}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _release_quietly(slots: Slots, token: str) -> None:
    import redis

    try:
        slots.release(token)
    except redis.RedisError as exc:
        # The lease runs out on its own; until then the slot stays taken.
        logger.warning("could not release the slot of %s: %s", token, exc)


@functools.cache
def _client(url: str) -> redis.Redis:
    import redis

    # No read timeout below the longest wait on the wake-up list.
    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def _server_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return seconds * 1000 + micros // 1000
