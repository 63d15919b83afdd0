"""With CACHE_URL on a Redis that does not answer, the cache misses instead of failing."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import caches

from arena.models import Vote


@pytest.fixture
def dead_redis_cache(settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "arena.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    return caches["default"]


def test_an_unreachable_cache_reads_as_empty_and_drops_writes(dead_redis_cache):
    cache = dead_redis_cache
    cache.set("key", 1)
    assert cache.get("key", "missing") == "missing"
    assert cache.get_many(["key"]) == {}
    assert "key" not in cache
    assert cache.add("key", 1) is False
    assert cache.delete("key") is False
    with pytest.raises(ValueError):
        cache.incr("key")


def test_a_vote_is_counted_while_the_cache_is_down(dead_redis_cache, client, voter, shown_battle):
    client.force_login(voter)
    response = client.post(
        f"/vote/{shown_battle.token}/", {"choice": "left"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["counted"] is True
    assert Vote.objects.filter(battle=shown_battle).count() == 1


def test_counters_work_on_the_local_memory_cache(db):
    from arena.core.cache import count_hit

    assert [count_hit("hits", timeout=30) for _ in range(3)] == [1, 2, 3]


def test_counters_report_nothing_while_redis_is_down(dead_redis_cache):
    from arena.core.cache import count_hit

    assert count_hit("hits", timeout=30) == 0


def test_a_flag_is_not_known_set_while_redis_is_down(dead_redis_cache):
    from arena.core.cache import add_flag

    assert add_flag("flag", timeout=10) == (False, 0.0)


def test_a_flag_added_on_the_local_memory_cache_lives_its_timeout(db):
    from arena.core.cache import add_flag

    assert add_flag("flag", timeout=10) == (True, 10)
    assert add_flag("flag", timeout=10) == (False, 0.0)
