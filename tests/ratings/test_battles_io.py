from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from arena.models import Category, Vote
from generation.models import Generator
from ratings.battles_io import BattleLineError, parse_line
from ratings.models import Snapshot

LINES = [
    {"model_a": "gpt-image-2", "model_b": "flux-2", "winner": "model_a", "category": "logos",
     "tstamp": 1767225600, "judge": "ana", "question_id": "q1"},
    {"model_a": "flux-2", "model_b": "seedream", "winner": "tie (bothbad)", "category": "logos"},
    {"model_a": "seedream", "model_b": "gpt-image-2", "winner": "model_b",
     "tstamp": "2026-01-02T10:00:00+00:00"},
    {"model_a": "gpt-image-2", "model_b": "seedream", "winner": "tie", "category": "people"},
]  # fmt: skip


def _write(tmp_path, lines, name="battles.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_creates_generators_categories_and_votes_with_model_a_on_the_left(db, tmp_path):
    output = _run("import_battles", str(_write(tmp_path, LINES)))
    assert "4 new votes" in output
    assert set(Generator.objects.values_list("name", flat=True)) == {
        "gpt-image-2",
        "flux-2",
        "seedream",
    }
    assert not Generator.objects.filter(enabled=True).exists()
    assert set(Category.objects.values_list("slug", flat=True)) == {"logos", "people"}
    first = Vote.objects.get(question_id="q1")
    assert (first.shown_left.name, first.shown_right.name, first.choice) == (
        "gpt-image-2",
        "flux-2",
        "left",
    )
    assert first.judge == "ana" and first.created_at.year == 2026
    assert Vote.objects.get(choice="both_bad").category.slug == "logos"
    assert Vote.objects.filter(category__isnull=True).count() == 1
    assert Snapshot.objects.filter(category__isnull=True).exists()


def test_a_second_import_of_the_same_file_adds_nothing(db, tmp_path):
    path = _write(tmp_path, LINES)
    _run("import_battles", str(path))
    assert "0 new votes" in _run("import_battles", str(path), "--no-recompute")
    assert Vote.objects.count() == 4


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"model_a": "x", "winner": "model_a"}', "missing 'model_b'"),
        ('{"model_a": "x", "model_b": "x", "winner": "tie"}', "same model"),
        ('{"model_a": "x", "model_b": "y", "winner": "left"}', "'winner' must be one of"),
        ('{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": "yesterday"}', "tstamp"),
        ('["model_a", "model_b"]', "not a JSON object"),
        ('{"model_a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_a_malformed_line_is_named_by_its_number_and_nothing_is_imported(
    db, tmp_path, bad, message
):
    path = tmp_path / "bad.jsonl"
    good = "".join(json.dumps(line) + "\n" for line in LINES[:2])
    path.write_text(good + bad + "\n" + json.dumps(LINES[2]) + "\n")
    with pytest.raises(CommandError) as error:
        _run("import_battles", str(path))
    assert "line 3" in str(error.value) and message in str(error.value)
    assert "Nothing was imported" in str(error.value)
    assert Vote.objects.count() == 0 and Generator.objects.count() == 0


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No such file"):
        _run("import_battles", "/nonexistent/battles.jsonl")


def test_export_writes_the_public_format_and_imports_back_identically(db, tmp_path):
    _run("import_battles", str(_write(tmp_path, LINES)), "--no-recompute")
    exported = tmp_path / "out.jsonl"
    _run("export_battles", "--output", str(exported), "--judge-names")
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [r["winner"] for r in records] == ["model_a", "tie (bothbad)", "model_b", "tie"]
    assert records[0]["model_a"] == "gpt-image-2" and records[0]["category"] == "logos"
    assert records[0]["judge"] == "ana" and records[0]["tstamp"] == 1767225600
    for record in records:
        parse_line(json.dumps(record))
    Vote.objects.all().delete()
    _run("import_battles", str(exported), "--no-recompute")
    assert Vote.objects.count() == 4


def test_export_of_one_category(db, tmp_path):
    _run("import_battles", str(_write(tmp_path, LINES)), "--no-recompute")
    out = _run("export_battles", "--category", "people")
    assert len(out.strip().splitlines()) == 1


def test_parse_line_rejects_overlong_names():
    with pytest.raises(BattleLineError, match="longer than"):
        parse_line(json.dumps({"model_a": "x" * 500, "model_b": "y", "winner": "tie"}))
