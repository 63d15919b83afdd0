"""manage.py generate: one generation in the foreground, reported for an operator."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arena.models import Prompt
from generation.models import Generation
from tests.conftest import make_generator


def _generate(*args, **options) -> str:
    out = StringIO()
    call_command("generate", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_it_prints_where_the_output_is_stored_and_what_it_cost(settings, generators):
    out = _generate("aurora-pro", "A lighthouse at dusk")

    generation = Generation.objects.get()
    path = Path(settings.MEDIA_ROOT) / generation.file.name
    assert path.is_file()
    assert f"stored at      {path}" in out
    assert f"latency (ms)   {generation.latency_ms}" in out
    assert "cost (USD)     0.010000" in out
    assert "model version  builtin-1" in out
    assert "error" not in out


def test_it_creates_the_prompt_as_curated_in_the_category_and_reuses_it(category, generators):
    _generate("Basalt XL", "A lighthouse at dusk", category=category.slug)
    _generate("basalt xl", "A lighthouse at dusk", category=category.slug)

    prompt = Prompt.objects.get(text="A lighthouse at dusk")
    assert prompt.category == category and prompt.source == Prompt.Source.CURATED
    assert Generation.objects.filter(prompt=prompt).count() == 2  # never a cached output


def test_json_output_carries_every_field(generators):
    report = json.loads(_generate("aurora-pro", "A lighthouse", json=True))

    generation = Generation.objects.get()
    assert report == {
        "generation": generation.id,
        "generator": "aurora-pro",
        "status": "succeeded",
        "stored_at": str(Path(generation.file.path)),
        "media_type": "image/png",
        "text": None,
        "latency_ms": generation.latency_ms,
        "cost": "0.010000",
        "model_version": "builtin-1",
        "error": None,
    }


def test_a_failed_generation_prints_the_error_and_exits_non_zero(db):
    make_generator("Broken", fail="permanent")
    out = StringIO()

    with pytest.raises(CommandError, match="generation failed: built-in provider told to fail"):
        call_command("generate", "broken", "A lighthouse", json=True, stdout=out)

    report = json.loads(out.getvalue())
    assert report["status"] == "failed" and "permanent" in report["error"]
    assert report["stored_at"] is None


def test_a_transient_failure_is_reported_not_retried(db):
    make_generator("Flaky", fail="transient")

    with pytest.raises(CommandError, match="transient"):
        _generate("flaky", "A lighthouse")

    assert Generation.objects.get().attempts == 1


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("nobody", "A lighthouse"), {}, "No generator 'nobody'; known slugs: aurora-pro"),
        (("aurora-pro", "   "), {}, "The prompt must have 1 to"),
        (("aurora-pro", "x" * 2001), {}, "The prompt must have 1 to"),
        (("aurora-pro", "A lighthouse"), {"category": "nope"}, "No category 'nope'"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(generators, args, options, message):
    with pytest.raises(CommandError, match=message):
        _generate(*args, **options)
    assert not Generation.objects.exists() and not Prompt.objects.exists()


def test_a_disabled_generator_can_still_be_tried_by_hand(generators):
    generators[0].enabled = False
    generators[0].disabled_reason = "The provider rejected the API key"
    generators[0].save()
    err = StringIO()

    call_command("generate", "aurora-pro", "A lighthouse", stdout=StringIO(), stderr=err)

    assert "is disabled (The provider rejected the API key)" in err.getvalue()
    assert Generation.objects.get().status == Generation.Status.SUCCEEDED
