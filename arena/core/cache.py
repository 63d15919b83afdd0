"""A Redis cache that treats an unreachable Redis as an empty cache.

Everything the arena keeps in the cache can be recomputed or skipped (cached answers, rate
counters, coalescing flags, locks), and the database stays the source of truth. So when Redis
is down, reads miss, writes are dropped and ``add`` reports that it did not add: pages and votes
go on, a little slower, instead of failing. Only Django's public cache API is used.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _missing_key(key, *args, **kwargs):
    # What a missing key raises: callers already handle a counter that is not there.
    raise ValueError(f"Key '{key}' not found (cache unreachable)")


def _resilient(name: str, fallback):
    """``RedisCache.<name>``, answering ``fallback(*args, **kwargs)`` when Redis is unreachable."""

    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE:
            logger.warning("cache unreachable during %s; going on without it", name)
            return fallback(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
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
