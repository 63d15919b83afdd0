"""The route's tolerance and objective: asked over the API, echoed, refused when bad."""

from __future__ import annotations

import math
import random

import pytest

from arena.models import Category
from generation.models import Generator
from tests.ratings.conftest import import_lines

# Two level models at the top, two far below: no rule can ever tell the top two apart.
TWINS = {"aurora": 1.0, "basalt": 1.0, "cobalt": -2.0, "dune": -2.0}


def _twin_lines(votes: int = 1200, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    models, lines = sorted(TWINS), []
    for k in range(votes):
        a, b = rng.sample(models, 2)
        p = 1 / (1 + math.exp(TWINS[b] - TWINS[a]))
        winner = "tie" if rng.random() < 0.1 else ("model_a" if rng.random() < p else "model_b")
        lines.append({"model_a": a, "model_b": b, "winner": winner, "category": "twins",
                      "tstamp": 1767225600 + k, "question_id": f"twins-{k}"})  # fmt: skip
    return lines


@pytest.fixture
def twins(db, tmp_path):
    import_lines(tmp_path, _twin_lines())
    prices = {"aurora": "0.10", "basalt": "0.10", "cobalt": "0.50", "dune": "0.50"}
    for slug, price in prices.items():
        Generator.objects.filter(slug=slug).update(price_per_output=price)


def _route(api, query: str) -> dict:
    response = api.get(f"/api/v1/route/?category=twins&{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_two_level_models_are_never_confident_exactly_but_are_within_a_wide_tolerance(api, twins):
    exact = _route(api, "tolerance=0")
    wide = _route(api, "tolerance=200")
    assert exact["decision"] == "insufficient_data" and exact["tolerance"] == 0
    assert wide["decision"] == "confident" and wide["tolerance"] == 200
    assert wide["recommended"]["generator"] in {"aurora", "basalt"}
    assert 0 < wide["regret_bound"] <= 200
    assert wide["regret_bound"] == wide["recommended"]["regret_bound"]
    assert "within 200 points of the best" in wide["reason"]


def test_a_pick_not_yet_within_the_tolerance_names_the_challenger_and_how_far_it_may_be(api, twins):
    body = _route(api, "tolerance=5")
    assert body["decision"] == "insufficient_data"
    challenger = body["challenger"]
    assert challenger["generator"] in {"aurora", "basalt"}
    assert challenger["generator"] != body["recommended"]["generator"]
    assert challenger["up_to"] == body["regret_bound"] > 5


def test_the_tolerance_comes_from_the_query_then_the_category_then_the_setting(
    api, twins, settings
):
    settings.RATINGS_ROUTE_TOLERANCE = 30.0
    assert _route(api, "")["tolerance"] == 30.0
    Category.objects.filter(slug="twins").update(route_tolerance=200.0)
    body = _route(api, "")
    assert body["tolerance"] == 200.0 and body["decision"] == "confident"
    assert _route(api, "tolerance=0")["tolerance"] == 0.0


def test_the_cost_objective_picks_the_cheapest_good_enough_generator(api, twins):
    Generator.objects.filter(slug="basalt").update(price_per_output="0.01")
    body = _route(api, "tolerance=200&objective=cost")
    assert body["objective"] == "cost" and body["decision"] == "confident"
    assert body["recommended"]["generator"] == "basalt"
    assert body["good_enough"]["cheapest"] == "basalt"
    assert body["recommended"]["price_per_output"] == 0.01
    assert "cheapest generator within 200 points of the best" in body["reason"]


def test_the_cost_objective_says_when_nothing_is_good_enough_and_names_the_leader(api, twins):
    body = _route(api, "tolerance=0&objective=cost")
    assert body["decision"] == "insufficient_data"
    assert body["recommended"]["generator"] == body["leader"]
    assert body["good_enough"] == {"cheapest": None, "fastest": None}
    assert f"the leader is {body['leader']}" in body["reason"]


def test_the_latency_objective_without_latencies_falls_back_to_the_leader(api, twins):
    body = _route(api, "tolerance=200&objective=latency")
    assert body["objective"] == "latency"
    assert body["decision"] == "insufficient_data"  # imported votes carry no latency
    assert body["recommended"]["generator"] == body["leader"]


def test_every_board_row_carries_its_regret_bound(api, twins):
    rows = api.get("/api/v1/leaderboards/twins/").json()["rows"]
    bounds = {row["generator"]: row["regret_bound"] for row in rows}
    assert all(b is not None and b >= 0 for b in bounds.values())
    assert bounds["cobalt"] > 300 and bounds["aurora"] < 100


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("tolerance=-1", "tolerance", "greater than or equal to 0"),
        ("tolerance=wide", "tolerance", "valid number"),
        ("tolerance=nan", "tolerance", ""),
        ("tolerance=inf", "tolerance", ""),
        ("tolerance=", "tolerance", "empty"),
        ("objective=speed", "objective", "not a valid choice"),
    ],
)
def test_a_bad_tolerance_or_objective_answers_400_with_the_reason(api, twins, query, field, words):
    response = api.get(f"/api/v1/route/?category=twins&{query}")
    assert response.status_code == 400
    reasons = " ".join(response.json()[field])
    assert reasons and words in reasons
