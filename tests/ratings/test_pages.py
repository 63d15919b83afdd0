from __future__ import annotations

import csv
import io
import random

from django.core.management import call_command

from arena.models import Vote
from generation.models import Generator
from tests.ratings.conftest import import_lines


def test_the_leaderboard_asks_for_a_login(client, boards):
    response = client.get("/leaderboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_leaderboard_shows_a_tab_per_board_and_the_table(client, voter, boards):
    client.force_login(voter)
    html = client.get("/leaderboard/logos/").content.decode()
    for tab in ("Overall", "logos", "people", "thin"):
        assert f">{tab}</a>" in html
    assert 'aria-current="page" class="active">logos<' in html
    assert html.index("gpt-image-2") < html.index("flux-2")
    assert "600 votes" in html and "Download CSV" in html
    for plot in (
        "Ratings with 95% intervals",
        "Observed win rate",
        "Battles per pair",
        "Predicted win",
    ):
        assert plot in html


def test_a_model_with_few_votes_carries_a_badge(client, voter, boards, settings):
    settings.RATINGS_MIN_VOTES = 10_000
    client.force_login(voter)
    assert "few votes" in client.get("/leaderboard/").content.decode()


def test_an_enabled_model_without_votes_is_listed_as_unrated(client, voter, boards):
    Generator.objects.create(name="Newcomer", slug="newcomer", provider="builtin", model_id="x")
    call_command("recompute_ratings", "logos", stdout=io.StringIO(), stderr=io.StringIO())
    client.force_login(voter)
    html = client.get("/leaderboard/logos/").content.decode()
    assert "Newcomer" in html and "unrated" in html


def test_the_csv_download_has_a_row_per_generator(client, voter, boards):
    client.force_login(voter)
    response = client.get("/leaderboard/people.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["generator"] == "nano-banana-pro"
    assert {"rank", "rating", "ci_lower", "ci_upper", "elo", "votes", "win_rate", "p_best"} <= set(
        rows[0]
    )


def test_an_unknown_board_is_404_and_an_empty_one_says_how_to_fill_it(client, voter, category):
    client.force_login(voter)
    assert client.get("/leaderboard/nope/").status_code == 404
    assert "recompute_ratings" in client.get("/leaderboard/").content.decode()


def test_rating_history_is_drawn_from_stored_snapshots(client, voter, boards):
    call_command("recompute_ratings", "overall", stdout=io.StringIO(), stderr=io.StringIO())
    client.force_login(voter)
    assert "Rating history" in client.get("/leaderboard/").content.decode()


def test_a_board_of_100_models_limits_the_matrices_and_offers_all(client, voter, db, tmp_path):
    rng = random.Random(3)
    models = [f"model-{i:03d}" for i in range(100)]
    lines = []
    for i in range(3000):
        a, b = rng.sample(models, 2)
        lines.append({"model_a": a, "model_b": b, "winner": rng.choice(["model_a", "model_b"]),
                      "question_id": str(i)})  # fmt: skip
    import_lines(tmp_path, lines)
    assert Vote.objects.count() == 3000
    client.force_login(voter)
    html = client.get("/leaderboard/").content.decode()
    assert "top 40 of 100" in html and html.count("<tr") == 101
    assert client.get("/leaderboard/?all=1").status_code == 200


def test_tabs_are_links_that_work_without_javascript(client, voter, boards):
    client.force_login(voter)
    html = client.get("/leaderboard/").content.decode()
    assert 'href="/leaderboard/people/"' in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]


def test_each_board_says_the_routes_decision_in_words_at_the_top(client, voter, boards):
    client.force_login(voter)
    html = client.get("/leaderboard/people/").content.decode()
    assert "Route: nano-banana-pro</strong> — the best (tolerance 25): confident" in html
    assert html.index("Route: ") < html.index("<table")
    assert "good enough" in html  # the cheapest good-enough model, beside the pick


def test_a_board_not_yet_decided_names_the_model_that_may_be_better(client, voter, tmp_path):
    from arena.models import Category
    from tests.ratings.test_route_tolerance import _twin_lines

    import_lines(tmp_path, _twin_lines())
    Category.objects.filter(slug="twins").update(route_tolerance=5.0)
    client.force_login(voter)
    html = client.get("/leaderboard/twins/").content.decode()
    words = html[html.index("Route: ") : html.index("</p>", html.index("Route: "))]
    assert "— not yet: " in words and "points better (tolerance 5)" in words
    assert "may be up to" in words and ("aurora" in words and "basalt" in words)
    assert "No model is known to be good enough yet" in words


def test_every_row_says_how_far_below_the_best_it_may_be(client, voter, boards):
    client.force_login(voter)
    html = client.get("/leaderboard/people/").content.decode()
    assert "Below best" in html and html.count('points of the best">≤ ') >= 4
    response = client.get("/leaderboard/people.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert all(float(row["regret_bound"]) >= 0 for row in rows)
    assert float(rows[0]["regret_bound"]) < float(rows[-1]["regret_bound"])
