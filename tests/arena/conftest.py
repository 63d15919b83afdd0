"""Fixtures of the arena tests: a fresh cache (rate counters) and a few more battles."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from arena.models import Battle, Prompt
from arena.services import battle_create


@pytest.fixture(autouse=True)
def fresh_cache():
    # Rate-limit counters live in the cache; one test's votes must not count against another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_ready_battles(category, generators, django_capture_on_commit_callbacks):
    """Make ``n`` ready battles on fresh prompts of ``category``."""

    def make(n: int) -> list[Battle]:
        battles = []
        for i in range(n):
            prompt = Prompt.objects.create(text=f"Prompt number {i}", category=category)
            with django_capture_on_commit_callbacks(execute=True):
                battles.append(
                    battle_create(
                        prompt=prompt, generator_a=generators[0], generator_b=generators[1]
                    )
                )
        assert Battle.objects.filter(status=Battle.Status.READY).count() >= n
        return battles

    return make


@pytest.fixture
def voter_client(client, voter):
    client.force_login(voter)
    return client
