"""Edit battles in and out: the battle kind and the source image's hash travel with each line,
and an edit category's board and route answer like any other."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from arena.models import Category, Vote
from arena.services import battle_assign_next, vote_cast
from generation.models import Generator
from generation.sources import source_hash
from ratings.battles_io import BattleLineError, parse_line
from tests.ratings.conftest import import_lines

SOURCE = "ab" * 32
EDIT = {"model_a": "kontext", "model_b": "qwen-edit", "winner": "model_a",
        "category": "background-swap", "kind": "edit", "source_sha256": SOURCE}  # fmt: skip


def _import(tmp_path, lines) -> str:
    path = tmp_path / "edits.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = io.StringIO()
    call_command("import_battles", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_export_writes_the_kind_and_the_source_hash_of_an_edit(ready_edit_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 0
    battle = battle_assign_next(voter=voter)
    vote_cast(voter=voter, battle_token=battle.token, choice="left")
    out = io.StringIO()
    call_command("export_battles", stdout=out, stderr=io.StringIO())
    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["kind"] == "edit"
    assert line["source_sha256"] == source_hash(ready_edit_battle.prompt.source_image)
    assert line["category"] == "background-swap"
    assert parse_line(json.dumps(line)).source_sha256 == line["source_sha256"]


def test_a_generation_battle_is_exported_as_before(ready_battle, voter, settings):
    settings.ARENA_MIN_VOTE_MS = 0
    battle = battle_assign_next(voter=voter)
    vote_cast(voter=voter, battle_token=battle.token, choice="tie")
    out = io.StringIO()
    call_command("export_battles", stdout=out, stderr=io.StringIO())
    line = json.loads(out.getvalue())
    assert "kind" not in line and "source_sha256" not in line


def test_import_of_edit_lines_makes_an_edit_category_and_is_idempotent(db, tmp_path):
    other_source = {**EDIT, "source_sha256": "cd" * 32}
    assert "2 new votes" in _import(tmp_path, [EDIT, other_source])
    assert Category.objects.get(slug="background-swap").kind == "edit"
    assert "0 new votes" in _import(tmp_path, [EDIT, other_source])
    assert Vote.objects.count() == 2


def test_the_import_key_of_a_generation_line_is_unchanged_by_the_new_fields():
    plain = {k: v for k, v in EDIT.items() if k not in ("kind", "source_sha256")}
    assert (
        parse_line(json.dumps(plain)).import_key()
        == parse_line(json.dumps({**plain, "kind": "generate"})).import_key()
    )
    assert parse_line(json.dumps(plain)).import_key() != parse_line(json.dumps(EDIT)).import_key()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "inpaint"}, "'kind' must be one of"),
        ({"source_sha256": "not-a-hash"}, "64 lower-case hex"),
        ({"source_sha256": None}, "64 lower-case hex"),
        ({"kind": "generate"}, "belongs to edit battles"),
    ],
)
def test_bad_edit_fields_are_refused_with_the_reason(change, message):
    with pytest.raises(BattleLineError, match=message):
        parse_line(json.dumps({**EDIT, **change}))


def test_a_category_with_both_kinds_of_battles_is_refused_before_anything_is_written(db, tmp_path):
    plain = {"model_a": "a", "model_b": "b", "winner": "tie", "category": "background-swap"}
    with pytest.raises(CommandError, match="line 2: category 'background-swap' has both"):
        _import(tmp_path, [EDIT, plain])
    assert not Vote.objects.exists()


def test_edit_lines_for_an_existing_generation_category_are_refused(db, tmp_path):
    Category.objects.create(slug="background-swap", name="Background swap")
    with pytest.raises(CommandError, match="holds generate battles here"):
        _import(tmp_path, [EDIT])
    assert not Vote.objects.exists()


def test_an_edit_category_has_its_own_board_and_route(api, tmp_path):
    lines = []
    for i in range(150):
        winner = "model_a" if i % 10 else "model_b"  # kontext wins nine in ten
        lines.append({**EDIT, "winner": winner, "tstamp": 1767225600 + i})
    import_lines(tmp_path, lines)
    board = api.get("/api/v1/leaderboards/background-swap/")
    assert board.status_code == 200
    assert board.json()["votes_total"] == 150
    route = api.get("/api/v1/route/", {"category": "background-swap"})
    assert route.status_code == 200
    assert route.json()["recommended"]["generator"] == "kontext"


def test_generators_known_only_from_edit_lines_are_editors(db, tmp_path):
    plain = {"model_a": "kontext", "model_b": "sdxl", "winner": "tie", "category": "logos"}
    _import(tmp_path, [EDIT, plain])
    capabilities = dict(Generator.objects.values_list("name", "capabilities"))
    assert capabilities == {"kontext": "both", "qwen-edit": "edit", "sdxl": "generate"}


def test_a_thin_edit_category_falls_back_to_the_best_editor_overall_not_the_best_model(
    api, tmp_path
):
    lines = [  # sdxl wins every generation battle; only kontext and qwen-edit can edit
        {"model_a": "sdxl", "model_b": "kontext", "winner": "model_a", "category": "logos",
         "tstamp": 1767225600 + i} for i in range(200)
    ] + [
        {**EDIT, "winner": "model_b", "tstamp": 1767230000 + i} for i in range(150)
    ] + [{**EDIT, "category": "text-edit", "tstamp": 1767240000}]  # fmt: skip
    import_lines(tmp_path, lines)
    route = api.get("/api/v1/route/", {"category": "text-edit"}).json()
    assert route["decision"] == "insufficient_data" and route["board_used"] == "overall"
    assert route["recommended"]["generator"] == "qwen-edit"
    assert {a["generator"] for a in route["alternatives"]} <= {"kontext", "qwen-edit"}


def test_the_leaderboard_page_lists_edit_boards_after_generation_ones(
    client, voter, tmp_path, edit_category
):
    import_lines(tmp_path, [{**EDIT, "tstamp": 1767225600}])
    Category.objects.create(slug="logos", name="Logos")
    client.force_login(voter)
    html = client.get("/leaderboard/background-swap/").content.decode()
    assert html.index(">Logos<") < html.index(">Background swap (edit)<")
