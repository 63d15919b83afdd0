"""A Redis cache that treats an unreachable Redis as an empty cache.

Everything the arena keeps in the cache can be recomputed or skipped (cached answers, rate
counters, coalescing flags, locks), and the database stays the source of truth. So when Redis
is down, reads miss, writes are dropped and ``add`` reports that it did not add: pages and votes
go on, a little slower, instead of failing. Only Django's public cache API is used.
"""

from __future__ import annotations

import logging

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)


def _unreachable() -> tuple[type[Exception], ...]:
    """What an unreachable Redis raises; read only while an error is handled, so that Django
    starts without importing redis (the default cache is in memory)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return RedisConnectionError, RedisTimeoutError, OSError


def _missing_key(key, *args, **kwargs):
    # What a missing key raises: callers already handle a counter that is not there.
    raise ValueError(f"Key '{key}' not found (cache unreachable)")


def _resilient(name: str, fallback):
    """``RedisCache.<name>``, answering ``fallback(*args, **kwargs)`` when Redis is unreachable."""

    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except _unreachable():
            logger.warning("cache unreachable during %s; going on without it", name)
            return fallback(*args, **kwargs)

    method.__name__ = name
    return method


class _OneClientPerPool(RedisCacheClient):
    """Django builds a ``redis.Redis`` (with its ~200 response callbacks) on every call; a
    client holds no connection of its own and is thread-safe, so one per pool does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def add_flag(self, key, timeout: float) -> tuple[bool, float]:
        """See :func:`add_flag`: the add and the flag's time to live in one round trip."""
        key = self.make_and_validate_key(key)
        try:
            pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
            pipe.set(key, 1, nx=True, px=max(int(timeout * 1000), 1))
            added, ttl_ms = pipe.pttl(key).execute()
        except _unreachable():
            logger.warning("cache unreachable during add_flag; going on without it")
            return False, 0.0
        return bool(added), max(ttl_ms, 0) / 1000

    get = _resilient("get", lambda key, default=None, version=None: default)
    get_many = _resilient("get_many", lambda *args, **kwargs: {})
    has_key = _resilient("has_key", lambda *args, **kwargs: False)
    add = _resilient("add", lambda *args, **kwargs: False)
    set = _resilient("set", lambda *args, **kwargs: None)
    set_many = _resilient("set_many", lambda data, *args, **kwargs: list(data))
    touch = _resilient("touch", lambda *args, **kwargs: False)
    delete = _resilient("delete", lambda *args, **kwargs: False)
    delete_many = _resilient("delete_many", lambda *args, **kwargs: None)
    incr = _resilient("incr", _missing_key)


def add_flag(key: str, *, timeout: float) -> tuple[bool, float]:
    """``cache.add(key, 1, timeout)``, and for how many seconds more the flag is known to be
    set (0: not known)."""
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        return backend.add_flag(key, timeout)
    added = cache.add(key, 1, timeout=timeout)
    return added, timeout if added else 0.0


def count_hit(key: str, *, timeout: int) -> int:
    """Count one hit on ``key``, a counter that lives ``timeout`` s from its first hit.

    Returns the count including this hit (0: not counted, the cache is unreachable).
    """
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr, or unreachable: start again
        cache.add(key, 1, timeout=timeout)
        return 1 if cache.get(key) is not None else 0
