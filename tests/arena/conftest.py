"""Fixtures of the arena tests: a fresh cache (rate counters) and a logged-in voter."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_cache():
    # Rate-limit counters live in the cache; one test's votes must not count against another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def voter_client(client, voter):
    client.force_login(voter)
    return client
