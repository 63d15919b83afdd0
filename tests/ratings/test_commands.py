from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from ratings.models import Snapshot
from tests.ratings.test_battles_io import LINES, _write


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def imported(db, tmp_path):
    lines = LINES * 1 + [
        {"model_a": "gpt-image-2", "model_b": "flux-2", "winner": "model_a", "category": "logos",
         "question_id": f"extra-{i}"}
        for i in range(10)
    ]  # fmt: skip
    _run("import_battles", str(_write(tmp_path, lines)), "--no-recompute")


def test_recompute_ratings_recomputes_every_board(imported):
    output = _run("recompute_ratings")
    assert Snapshot.objects.count() == 4  # two overall boards, one a kind, and two categories
    assert "overall (generate): 14 votes" in output and "logos: 12 votes" in output
    assert "overall (edit): 0 votes" in output


def test_recompute_ratings_of_an_unknown_category_names_the_known_ones(imported):
    with pytest.raises(CommandError, match="known: overall, logos, people"):
        _run("recompute_ratings", "nonesuch")


def test_leaderboard_prints_a_table_and_json_rows(imported):
    _run("recompute_ratings", "--elo")
    table = _run("leaderboard", "logos")
    assert table.splitlines()[0].split()[:3] == ["generator", "rating", "ci_lower"]
    assert table.splitlines()[1].startswith("gpt-image-2")
    rows = json.loads(_run("leaderboard", "--json"))
    assert {"generator", "rating", "ci_lower", "ci_upper", "rank_lower", "rank_upper", "p_best",
            "elo", "votes"} <= set(rows[0])  # fmt: skip
    assert rows[0]["generator"] == "gpt-image-2" and rows[0]["elo"] > 1000
    elo = json.loads(_run("leaderboard", "--method", "elo", "--json"))
    assert elo[0]["generator"] == "gpt-image-2"


def test_leaderboard_without_a_snapshot_says_how_to_make_one(imported):
    with pytest.raises(CommandError, match="recompute_ratings"):
        _run("leaderboard", "people")


def test_the_position_term_is_printed_when_fitted(imported, settings):
    settings.RATINGS_POSITION_BIAS = True
    _run("recompute_ratings", "overall")
    assert "Left-side advantage" in _run("leaderboard")
    assert "position" in json.loads(_run("leaderboard", "--json"))[0]
