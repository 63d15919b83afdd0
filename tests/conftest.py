"""Fixtures shared by every test: users, generators, prompts and battles made through services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from arena.models import Battle, Category, Prompt
from arena.services import battle_assign_next, battle_create
from generation.models import Generator


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Ids repeat across rolled-back tests, so cached payloads keyed by id must not leak.
    cache.clear()
    yield


def pytest_collection_modifyitems(config, items):
    # Tests that need real services must not pass silently in CI when the services are absent.
    for item in items:
        if "integration" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.services)


@pytest.fixture
def voter(db):
    return get_user_model().objects.create_user("voter", password="voter-pass-123")


@pytest.fixture
def other_voter(db):
    return get_user_model().objects.create_user("other", password="other-pass-123")


@pytest.fixture
def category(db):
    return Category.objects.create(slug="product-shots", name="Product shots")


@pytest.fixture
def prompt(category):
    return Prompt.objects.create(text="A red handbag on marble", category=category)


def make_generator(name: str, **parameters) -> Generator:
    params = {"size": 64, **parameters}
    return Generator.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        provider="builtin",
        model_id=f"builtin-{name.lower()}",
        parameters=params,
        price_per_output="0.01",
    )


@pytest.fixture
def generators(db):
    return [
        make_generator("Aurora Pro", layout="centered", palette="sunset"),
        make_generator("Basalt XL", layout="grid", palette="ocean", text_quality=0.3),
    ]


@pytest.fixture
def ready_battle(prompt, generators, django_capture_on_commit_callbacks):
    """A battle whose two outputs were generated in-process and that is ready to show."""
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
    battle.refresh_from_db()
    assert battle.status == Battle.Status.READY
    return battle


@pytest.fixture
def shown_battle(ready_battle, voter, django_capture_on_commit_callbacks):
    """The ready battle, shown to ``voter`` (sides drawn)."""
    with django_capture_on_commit_callbacks(execute=False):
        battle = battle_assign_next(voter=voter)
    assert battle is not None and battle.pk == ready_battle.pk
    return battle
