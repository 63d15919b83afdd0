"""Every exported battle carries a stable id, and an import is idempotent on it: a second import
of an export, into the arena it came from or another, in any order of lines, adds nothing."""

from __future__ import annotations

import io
import json
import random

import pytest
from django.core.management import call_command

from arena.models import Battle, Vote
from arena.services import battle_assign_next, vote_cast
from ratings.battles_io import BattleLineError, parse_line
from tests.ratings.conftest import import_lines


def _export(tmp_path, name="export.jsonl"):
    path = tmp_path / name
    call_command(
        "export_battles", "--output", str(path), stdout=io.StringIO(), stderr=io.StringIO()
    )
    return path


def _import(path) -> str:
    out = io.StringIO()
    call_command("import_battles", str(path), "--no-recompute", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _shuffled(path, tmp_path, seed=3):
    lines = path.read_text().splitlines(keepends=True)
    random.Random(seed).shuffle(lines)
    shuffled = tmp_path / f"shuffled-{seed}.jsonl"
    shuffled.write_text("".join(lines))
    return shuffled


@pytest.fixture
def arena_votes(make_ready_battles, voter, settings):
    """Three votes cast in this arena by a voter, battle by battle."""
    settings.ARENA_MIN_VOTE_MS = 0
    make_ready_battles(3)
    for choice in ("left", "right", "tie"):
        battle = battle_assign_next(voter=voter)
        vote_cast(voter=voter, battle_token=battle.token, choice=choice)
    assert Vote.objects.count() == 3


def test_every_exported_battle_has_a_stable_id(arena_votes, tmp_path):
    first = [json.loads(line) for line in _export(tmp_path, "a.jsonl").read_text().splitlines()]
    again = [json.loads(line) for line in _export(tmp_path, "b.jsonl").read_text().splitlines()]
    ids = [record["id"] for record in first]
    assert len(set(ids)) == 3 and all(ids)
    assert ids == [record["id"] for record in again]
    tokens = {
        str(t) for t in Battle.objects.filter(votes__isnull=False).values_list("token", flat=True)
    }
    assert set(ids) == tokens


def test_importing_the_arenas_own_export_adds_no_vote(arena_votes, tmp_path):
    export = _export(tmp_path)
    assert "0 new votes" in _import(export)
    assert "0 new votes" in _import(_shuffled(export, tmp_path))
    assert Vote.objects.count() == 3


def test_a_second_import_of_an_export_adds_nothing_in_any_order(arena_votes, tmp_path):
    export = _export(tmp_path)
    # Into another arena: the battles are gone, the lines come in as imported votes.
    records = export.read_text()
    Vote.objects.all().delete()
    assert "3 new votes" in _import(export)
    for seed in (1, 2):
        assert "0 new votes" in _import(_shuffled(export, tmp_path, seed))
    assert Vote.objects.count() == 3
    assert set(Vote.objects.values_list("import_key", flat=True)) == {
        json.loads(line)["id"] for line in records.splitlines()
    }


def test_an_imported_vote_is_exported_with_the_id_it_came_with(db, tmp_path):
    lines = [
        {"model_a": "a", "model_b": "b", "winner": "model_a", "id": "battle-1"},
        {"model_a": "a", "model_b": "b", "winner": "model_a", "id": "battle-2"},
        {"model_a": "b", "model_b": "a", "winner": "tie"},
    ]
    import_lines(tmp_path, lines)
    exported = [json.loads(line) for line in _export(tmp_path).read_text().splitlines()]
    assert [r["id"] for r in exported][:2] == ["battle-1", "battle-2"]
    assert len(exported[2]["id"]) == 64  # the content key of a line that came without one
    assert "0 new votes" in _import(_shuffled(_export(tmp_path, "again.jsonl"), tmp_path))
    assert Vote.objects.count() == 3


def test_lines_without_ids_import_as_before(db, tmp_path):
    line = {"model_a": "a", "model_b": "b", "winner": "model_a", "category": "logos"}
    path = tmp_path / "old.jsonl"
    path.write_text((json.dumps(line) + "\n") * 2)
    assert "2 new votes" in _import(path)
    assert "0 new votes" in _import(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [("x" * 65, "longer than 64"), (["a"], "'id' must be a string"), ("a\u0000", "NUL")],
)
def test_a_bad_id_is_refused_with_the_reason(value, message):
    line = {"model_a": "a", "model_b": "b", "winner": "tie", "id": value}
    with pytest.raises(BattleLineError, match=message):
        parse_line(json.dumps(line))
