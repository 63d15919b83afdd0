from __future__ import annotations

import io

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from arena.models import Battle, Category, Prompt
from generation.models import Generator


def _run_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_demo_seeds_categories_prompts_generators_logins_and_ready_battles(transactional_db):
    output = _run_demo(battles=1)
    assert Category.objects.count() >= 4
    assert Prompt.objects.filter(source=Prompt.Source.CURATED).count() >= 40
    assert Generator.objects.filter(provider="builtin", enabled=True).count() >= 4
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="demo", password="demo-arena") is not None
    assert "demo / demo-arena" in output
    for category in Category.objects.all():
        assert Battle.objects.filter(prompt__category=category, status=Battle.Status.READY).exists()


def test_demo_is_idempotent(transactional_db):
    _run_demo(battles=1)
    counts = (Category.objects.count(), Prompt.objects.count(), Generator.objects.count())
    battles = Battle.objects.count()
    output = _run_demo(battles=1)
    assert (Category.objects.count(), Prompt.objects.count(), Generator.objects.count()) == counts
    assert Battle.objects.count() == battles
    assert "0 new" in output


def test_demo_brings_an_older_demos_fixed_look_generators_to_the_blind_ones(transactional_db):
    Generator.objects.create(
        name="Aurora", slug="aurora", provider="builtin", model_id="builtin-aurora",
        parameters={"layout": "centered", "palette": "sunset"},
    )  # fmt: skip
    call_command("demo", battles=0, stdout=io.StringIO())
    assert "layout" not in Generator.objects.get(slug="aurora").parameters
    assert "faithfulness" in Generator.objects.get(slug="aurora").parameters
