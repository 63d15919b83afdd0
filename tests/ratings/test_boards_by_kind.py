"""Generation and edit votes are never rated together: each kind has its own overall board, and
an edit category's route falls back to the edit board, never to generation votes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from arena.models import Battle, Prompt, Vote
from arena.selectors import votes_of_kind
from arena.services import battle_assign_next, battle_create, vote_cast
from ratings.models import Snapshot
from ratings.selectors import snapshot_latest
from ratings.services import board_is_current, leaderboard_recompute
from ratings.tasks import ratings_recompute_stale
from tests.ratings.conftest import import_lines

EDIT = {"model_a": "kontext", "model_b": "qwen-edit", "category": "background-swap",
        "kind": "edit", "source_sha256": "ab" * 32}  # fmt: skip


def _vote_next(voter, capture, choice="left") -> Vote:
    battle = battle_assign_next(voter=voter)
    with capture(execute=True):
        vote_cast(voter=voter, battle_token=battle.token, choice=choice)
    return Vote.objects.get(battle=battle)


def _edit_battle(prompt, editors, capture) -> Battle:
    with capture(execute=True):
        return battle_create(prompt=prompt, generator_a=editors[0], generator_b=editors[1])


def test_an_edit_vote_never_moves_the_generation_overall_board(
    ready_battle, voter, edit_prompt, editors, settings, django_capture_on_commit_callbacks
):
    settings.ARENA_MIN_VOTE_MS = 0
    capture = django_capture_on_commit_callbacks
    _vote_next(voter, capture)
    ratings_recompute_stale.apply()
    generation_board = snapshot_latest(category=None, kind="generate")
    assert generation_board.vote_count == 1

    _edit_battle(edit_prompt, editors, capture)
    edit_vote = _vote_next(voter, capture, choice="right")
    assert board_is_current(category=None, kind="generate")  # nothing for it to recompute
    ratings_recompute_stale.apply()

    assert snapshot_latest(category=None, kind="generate").id == generation_board.id
    edit_board = snapshot_latest(category=None, kind="edit")
    assert (edit_board.vote_count, edit_board.last_vote_id) == (1, edit_vote.id)
    fresh = leaderboard_recompute(category=None, kind="generate")
    assert (fresh.vote_count, fresh.last_vote_id) == (1, generation_board.last_vote_id)
    rated = set(fresh.rows.filter(rated=True).values_list("generator_id", flat=True))
    assert rated == {ready_battle.generator_a_id, ready_battle.generator_b_id}
    # The online Elo shown on each overall board is of its own kind's votes only.
    with_elo = {row.generator_id for row in fresh.rows.all() if row.elo is not None}
    assert with_elo == rated
    edit_elo = {row.generator_id for row in edit_board.rows.all() if row.elo is not None}
    assert edit_elo == {editor.id for editor in editors}
    # A generator that cannot edit is not even listed on the edit board.
    assert set(edit_board.rows.values_list("generator_id", flat=True)) == edit_elo


def test_an_uncategorised_edit_vote_is_an_edit_and_an_imported_one_a_generation(
    voter, edit_prompt, editors, settings, django_capture_on_commit_callbacks, tmp_path
):
    settings.ARENA_MIN_VOTE_MS = 0
    Prompt.objects.filter(id=edit_prompt.id).update(category=None)
    edit_prompt.refresh_from_db()
    _edit_battle(edit_prompt, editors, django_capture_on_commit_callbacks)
    cast = _vote_next(voter, django_capture_on_commit_callbacks)
    assert cast.category_id is None
    import_lines(tmp_path, [{"model_a": "a", "model_b": "b", "winner": "tie"}])
    imported = Vote.objects.get(battle__isnull=True)
    assert list(votes_of_kind("edit")) == [cast]
    assert list(votes_of_kind("generate")) == [imported]


def test_an_edit_line_without_a_category_is_refused(db, tmp_path):
    path = tmp_path / "edits.jsonl"
    line = {k: v for k, v in EDIT.items() if k != "category"}
    path.write_text(json.dumps({**line, "winner": "tie"}) + "\n")
    with pytest.raises(CommandError, match="line 1: an edit battle needs its 'category'"):
        call_command("import_battles", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Vote.objects.exists()


@pytest.fixture
def mixed(db, tmp_path):
    """kontext wins every generation battle; qwen-edit wins nine edits in ten; one thin
    edit category."""
    lines = [
        {"model_a": "kontext", "model_b": "qwen-edit", "winner": "model_a", "category": "logos",
         "tstamp": 1767225600 + i} for i in range(300)
    ] + [
        {**EDIT, "winner": "model_b" if i % 10 else "model_a", "tstamp": 1767230000 + i}
        for i in range(150)
    ] + [{**EDIT, "winner": "tie", "category": "text-edit", "tstamp": 1767240000}]  # fmt: skip
    import_lines(tmp_path, lines)


def test_an_edit_categorys_route_never_answers_from_generation_votes(api, mixed):
    route = api.get("/api/v1/route/", {"category": "text-edit"}).json()
    assert route["decision"] == "insufficient_data"
    assert (route["board_used"], route["kind"]) == ("overall", "edit")
    assert route["recommended"]["generator"] == "qwen-edit"
    assert route["recommended"]["votes"] == 151  # the edit votes only
    generation = api.get("/api/v1/route/").json()
    assert generation["recommended"]["generator"] == "kontext"
    assert generation["votes_total"] == 300


def test_each_kind_has_its_own_overall_board_in_the_api(api, mixed):
    generation = api.get("/api/v1/leaderboards/").json()["results"]
    assert [(b["board"], b["kind"]) for b in generation] == [
        ("overall", "generate"),
        ("logos", "generate"),
    ]
    assert generation[0]["votes_total"] == 300
    edits = api.get("/api/v1/leaderboards/", {"kind": "edit"}).json()["results"]
    assert [(b["board"], b["kind"], b["votes_total"]) for b in edits] == [
        ("overall", "edit", 151),
        ("background-swap", "edit", 150),
        ("text-edit", "edit", 1),
    ]
    board = api.get("/api/v1/leaderboards/overall/", {"kind": "edit"}).json()
    assert (board["kind"], board["votes_total"]) == ("edit", 151)
    matrix = api.get("/api/v1/matrix/overall/", {"kind": "edit"}).json()
    assert matrix["kind"] == "edit"
    assert api.get("/api/v1/route/", {"kind": "edit"}).json()["votes_total"] == 151


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/api/v1/leaderboards/", {"kind": "edits"}, "'edits' is not a board kind"),
        ("/api/v1/leaderboards/", {"kind": ""}, "May not be empty"),
        ("/api/v1/leaderboards/overall/", {"kind": "video"}, "not a board kind"),
        ("/api/v1/leaderboards/logos/", {"kind": "edit"}, "'logos' is a generate board"),
        ("/api/v1/route/", {"category": "logos", "kind": "edit"}, "is a generate board"),
    ],
)
def test_a_bad_kind_is_refused_with_the_reason(api, mixed, path, query, message):
    before = Snapshot.objects.count()
    response = api.get(path, query)
    assert response.status_code == 400
    assert message in json.dumps(response.json()["kind"])
    assert Snapshot.objects.count() == before


def test_the_page_has_a_tab_and_a_csv_for_the_edit_overall_board(client, voter, mixed):
    client.force_login(voter)
    page = client.get("/leaderboard/", {"kind": "edit"}).content.decode()
    assert 'href="/leaderboard/?kind=edit" aria-current="page"' in page
    assert "151 votes" in page
    assert page.index(">logos<") < page.index(">Overall (edit)<")
    assert page.index(">Overall (edit)<") < page.index(">background-swap (edit)<")
    csv = client.get("/leaderboard/overall.csv", {"kind": "edit"})
    assert csv["Content-Disposition"] == 'attachment; filename="leaderboard-overall-edit.csv"'
    names = [line.split(",")[4] for line in csv.content.decode().splitlines()[1:]]
    assert names[0] == "qwen-edit"
    assert client.get("/leaderboard/", {"kind": "nope"}).status_code == 404
    generation = client.get("/leaderboard/").content.decode()
    assert "300 votes" in generation


def test_the_leaderboard_command_prints_each_kinds_overall_board(mixed):
    def run(*args):
        out = io.StringIO()
        call_command("leaderboard", *args, "--json", stdout=out, stderr=io.StringIO())
        return json.loads(out.getvalue())

    elo = run("--kind", "edit", "--method", "elo")
    assert [(row["generator"], row["votes"]) for row in elo] == [
        ("qwen-edit", 151),
        ("kontext", 151),
    ]
    shown = {row.generator.name: round(row.elo, 1) for row in snapshot_latest(
        category=None, kind="edit").rows.select_related("generator")}  # fmt: skip
    assert {row["generator"]: row["elo"] for row in elo} == shown
    assert run("--kind", "edit")[0]["generator"] == "qwen-edit"
    assert run()[0]["generator"] == "kontext"
    with pytest.raises(CommandError, match="'logos' is a generate board"):
        run("logos", "--kind", "edit")
