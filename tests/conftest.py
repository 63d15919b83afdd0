"""Fixtures shared by every test: users, generators, prompts and battles made through services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from arena.demo_data import GENERATORS
from arena.management.commands import demo as demo_command
from arena.models import Battle, Category, Prompt
from arena.project.warm import warm
from arena.services import battle_assign_next, battle_create
from generation.models import Generator
from ratings.services import schedule


def pytest_sessionstart(session):
    # Tests run pages, tasks and live servers in this process, as a server does: what a server
    # loads at start is loaded before the first test, so no test times a first import.
    warm()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Ids repeat across rolled-back tests, so cached payloads keyed by id must not leak.
    cache.clear()
    schedule._queued_until.clear()
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


# --- Edit battles --------------------------------------------------------------------------------


def source_png(size=(96, 64), colour="#c0c0c0") -> bytes:
    """A picture to edit: a grey field with a red box in the middle."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    w, h = size
    ImageDraw.Draw(image).rectangle((w // 3, h // 3, 2 * w // 3, 2 * h // 3), fill="#b03020")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def edit_category(db):
    return Category.objects.create(
        slug="background-swap",
        name="Background swap",
        description="Replace what is behind the subject: backdrop, scene, studio.",
        kind="edit",
    )


@pytest.fixture
def editors(db):
    """Two generators that can edit: a careful one and a careless one."""
    careful = make_generator("Careful Edit", layout="centered")
    careless = make_generator("Careless Edit", layout="grid")
    careful.capabilities, careful.edit_parameters = "both", {"fidelity": 1.0}
    careless.capabilities = "edit"
    careless.edit_parameters = {"fidelity": 0.3, "instruction_following": 0.4}
    careful.save()
    careless.save()
    return [careful, careless]


@pytest.fixture
def edit_prompt(edit_category):
    from arena.services import edit_prompt_create

    return edit_prompt_create(
        text="Replace the background with a beach", category=edit_category, image=source_png()
    )


@pytest.fixture
def ready_edit_battle(edit_prompt, editors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(prompt=edit_prompt, generator_a=editors[0], generator_b=editors[1])
    battle.refresh_from_db()
    assert battle.status == Battle.Status.READY
    return battle


@pytest.fixture
def demo_drawn_small(settings, monkeypatch):
    """``manage.py demo`` drawing every picture at 96 pixels: its simulated votes' outputs are
    real generations, hundreds of them. A test that wants larger outputs sets
    ``ARENA_OUTPUT_SIZE`` again after it (the pictures are enlarged to that box)."""
    settings.ARENA_OUTPUT_SIZE = (96, 96)
    # The edit prompts' source pictures too: every edit is fitted to its source's size.
    monkeypatch.setitem(demo_command.SOURCE_PARAMETERS, "size", 96)
    for spec in GENERATORS:
        monkeypatch.setitem(spec, "parameters", {**spec["parameters"], "size": 96})
        monkeypatch.setitem(spec, "edit_parameters", {**spec["edit_parameters"], "max_size": 96})
