"""Fixtures of the arena tests: a fresh cache (rate counters), a logged-in voter, the demo's
categories."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from arena.demo_data import CATEGORIES, EDIT_CATEGORIES
from arena.models import Category, Kind, Prompt


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


@pytest.fixture
def demo_categories(db):
    """The demo's categories of both kinds, with their curated prompts (no pictures drawn)."""
    for spec in CATEGORIES:
        category = Category.objects.create(
            slug=spec["slug"], name=spec["name"], description=spec["description"]
        )
        Prompt.objects.bulk_create(Prompt(text=text, category=category) for text in spec["prompts"])
    for spec in EDIT_CATEGORIES:
        category = Category.objects.create(
            slug=spec["slug"], name=spec["name"], description=spec["description"], kind=Kind.EDIT
        )
        Prompt.objects.bulk_create(
            Prompt(text=instruction, category=category) for _, instruction in spec["prompts"]
        )
