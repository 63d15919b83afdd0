from __future__ import annotations

import io
import itertools

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from arena.demo_data import GENERATORS
from arena.models import Battle, Category, Prompt, Vote
from generation.models import Generator
from ratings.models import Snapshot


def _run_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


# Only the tests of the simulated votes (below) seed them: 3000 votes and a recompute take seconds.
def test_demo_seeds_categories_prompts_generators_logins_and_ready_battles(transactional_db):
    output = _run_demo(battles=1, votes=0)
    assert Category.objects.count() >= 4
    assert Prompt.objects.filter(source=Prompt.Source.CURATED).count() >= 40
    assert Generator.objects.filter(provider="builtin", enabled=True).count() >= 4
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="demo", password="demo-arena") is not None
    assert "demo / demo-arena" in output
    for category in Category.objects.all():
        assert Battle.objects.filter(prompt__category=category, status=Battle.Status.READY).exists()


def test_demo_is_idempotent(transactional_db):
    _run_demo(battles=1, votes=0)
    counts = (Category.objects.count(), Prompt.objects.count(), Generator.objects.count())
    battles = Battle.objects.count()
    output = _run_demo(battles=1, votes=0)
    assert (Category.objects.count(), Prompt.objects.count(), Generator.objects.count()) == counts
    assert Battle.objects.count() == battles
    assert "0 new" in output


def test_demo_brings_an_older_demos_fixed_look_generators_to_the_blind_ones(transactional_db):
    Generator.objects.create(
        name="Aurora", slug="aurora", provider="builtin", model_id="builtin-aurora",
        parameters={"layout": "centered", "palette": "sunset"},
    )  # fmt: skip
    call_command("demo", battles=0, votes=0, stdout=io.StringIO())
    assert "layout" not in Generator.objects.get(slug="aurora").parameters
    assert "faithfulness" in Generator.objects.get(slug="aurora").parameters


def test_demo_votes_follow_the_hidden_quality_and_a_second_run_adds_none(transactional_db):
    output = _run_demo(battles=0, votes=2000)
    assert "Simulated votes cast: 2000" in output
    assert Vote.objects.filter(import_key__startswith="demo:").count() == 2000
    assert Vote.objects.values("voter").distinct().count() == 5
    board = Snapshot.objects.filter(category=None, kind="generate").latest("computed_at")
    assert board.vote_count == 2000
    rows = sorted(board.rows.all(), key=lambda row: -row.rating)
    truth = sorted(GENERATORS, key=lambda spec: -spec["quality"])
    # The qualities are at least 0.15 apart: ~200 rating points, against 95% intervals of about
    # +-40 points at 2000 votes, so the fit finds the true order and separates every neighbour.
    assert [row.generator.slug for row in rows] == [spec["slug"] for spec in truth]
    for better, worse in itertools.pairwise(rows):
        assert better.ci_lower > worse.ci_upper

    again = _run_demo(battles=0, votes=2000)
    assert "Simulated votes cast" not in again
    assert Vote.objects.count() == 2000


def test_demo_rejects_a_negative_vote_count(transactional_db):
    with pytest.raises(CommandError, match="--votes"):
        _run_demo(battles=0, votes=-1)
