"""POST /api/v1/route/: a prompt's own route, its fallbacks and its bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arena.models import Category, Prompt
from ratings.models import PromptRouteIndex
from ratings.services.recompute import leaderboard_recompute
from tests.conftest import make_generator
from tests.ratings.prompt_votes import seed_prompt_votes

URL = "/api/v1/route/"
LETTERING = ["lettering", "typography", "slogan", "wordmark", "letters", "font", "script"]
SYMBOL = ["symbol", "icon", "emblem", "glyph", "pictogram", "mascot", "badge"]
COMMON = ["logo", "brand", "company", "clean", "minimal", "bold", "modern", "vector", "flat"]


def _texts(rng, words: list[str], n: int) -> list[str]:
    return [
        " ".join([*rng.choice(COMMON, 3), *rng.choice(words, 3, replace=False)]) for _ in range(n)
    ]


@pytest.fixture
def logos(db, voter, settings):
    """A logo category of two hidden sub-kinds: lettering, won by Scribe; symbols, by Glyph."""
    category = Category.objects.create(slug="logos", name="Logos", description="Logos, marks")
    Category.objects.create(slug="people", name="People", description="Portraits of people")
    models = [make_generator(n) for n in ("Scribe", "Glyph", "Plain")]
    rng = np.random.default_rng(3)
    texts = _texts(rng, LETTERING, 60) + _texts(rng, SYMBOL, 60)
    strengths = {0: [1.2, -0.6, 0.0], 1: [-0.6, 1.2, 0.0]}  # by sub-kind: lettering, symbol
    rows = []
    for i in range(2400):
        p = int(rng.integers(len(texts)))
        left, right = (int(x) for x in rng.choice(3, 2, replace=False))
        theta = strengths[p // 60]
        win = 1 / (1 + math.exp(theta[right] - theta[left]))
        rows.append((p, left, right, 2 if rng.random() < 0.1 else int(rng.random() >= win)))
        del i
    seed_prompt_votes(category=category, generators=models, texts=texts, rows=np.array(rows),
                      voter=voter)  # fmt: skip
    leaderboard_recompute(category=category)
    return category


def post(api, body):
    return api.post(URL, body, content_type="application/json")


def test_the_recompute_indexes_the_prompts_of_a_category(logos):
    index = PromptRouteIndex.objects.get(snapshot__category=logos)
    assert (index.prompts, index.votes) == (120, 2400)


def test_a_lettering_prompt_goes_to_the_lettering_model(api, logos):
    answer = post(api, {"prompt": "bold lettering slogan for a brand", "category": "logos"}).json()
    assert answer["basis"] == "prompt"
    assert answer["decision"] == "confident"
    assert answer["recommended"]["generator"] == "scribe"
    assert answer["prompt"]["prompts"] > 0 and 0 < answer["prompt"]["nearest"] <= 1
    assert answer["fallback_reason"] is None and answer["category_guessed"] is False


def test_a_symbol_prompt_goes_to_the_symbol_model(api, logos):
    answer = post(api, {"prompt": "a flat icon emblem", "category": "logos"}).json()
    assert (answer["basis"], answer["recommended"]["generator"]) == ("prompt", "glyph")
    assert answer["regret_bound"] <= answer["tolerance"]


def test_the_category_is_guessed_from_the_prompt_when_absent(api, logos):
    answer = post(api, {"prompt": "a modern logo with a glyph icon"}).json()
    assert answer["category"] == "logos" and answer["category_guessed"] is True


def test_a_prompt_unlike_any_voted_one_falls_back_to_the_category(api, logos):
    answer = post(api, {"prompt": "zebra xylophone", "category": "logos"}).json()
    assert answer["basis"] == "category"
    assert "close to this one" in answer["fallback_reason"]
    assert answer["recommended"] is not None


def test_too_few_neighbours_fall_back_with_the_reason(api, logos, settings):
    settings.ROUTE_MIN_CATEGORY_VOTES = 5000
    answer = post(api, {"prompt": "lettering slogan", "category": "logos"}).json()
    assert answer["basis"] == "category"


def test_a_fresh_arena_answers_with_the_category_fallback(api, db):
    Category.objects.create(slug="logos", name="Logos")
    response = post(api, {"prompt": "a logo", "category": "logos"})
    assert response.status_code == 200
    assert response.json()["basis"] == "category"
    assert response.json()["fallback_reason"]


def test_an_arena_without_categories_answers_from_the_overall_board(api, db):
    response = post(api, {"prompt": "a logo"})
    assert response.status_code == 200
    assert response.json()["basis"] == "category" and response.json()["category"] == "overall"


def test_votes_without_a_prompt_text_fall_back(api, boards):
    # Imported votes name a question id, not the prompt's text.
    answer = post(api, {"prompt": "a logo", "category": "logos"}).json()
    assert answer["basis"] == "category"
    assert "carries its text" in answer["fallback_reason"]


def test_a_voted_prompt_without_battles_is_not_indexed(api, logos):
    Prompt.objects.create(text="an unvoted lettering prompt", category=logos)
    leaderboard_recompute(category=logos)
    assert PromptRouteIndex.objects.latest("id").prompts == 120


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "", "category": "logos"}, "prompt"),
        ({"prompt": "   ", "category": "logos"}, "prompt"),
        ({"prompt": "x" * 2001, "category": "logos"}, "prompt"),
        ({"category": "logos"}, "prompt"),
        ({"prompt": "a logo", "category": "bad slug!"}, "category"),
        ({"prompt": "a logo", "category": "logos", "tolerance": -1}, "tolerance"),
        ({"prompt": "a logo", "category": "logos", "tolerance": "wide"}, "tolerance"),
        ({"prompt": "a logo", "category": "logos", "objective": "fame"}, "objective"),
        ({"prompt": "a logo", "category": "logos", "max_cost": -1}, "max_cost"),
        ({"prompt": "a logo", "category": "logos", "max_cost": False}, "max_cost"),
        ({"prompt": "a logo", "category": "logos", "tolerance": True}, "tolerance"),
        ({"prompt": "a logo", "category": "logos", "kind": "edit"}, "kind"),
    ],
)
def test_bad_input_answers_400_with_the_reason(api, db, body, field):
    Category.objects.create(slug="logos", name="Logos")
    response = post(api, body)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_category_answers_400_naming_the_field(api, db):
    response = post(api, {"prompt": "a logo", "category": "nope"})
    assert response.status_code == 400
    assert "nope" in response.json()["category"][0]


def test_a_prompt_with_a_nul_character_or_a_form_body_answers_400_or_415(api, db):
    assert post(api, {"prompt": "a\x00logo"}).status_code == 400
    assert api.post(URL, {"prompt": "a logo"}).status_code == 415


def test_a_body_that_is_not_an_object_answers_400(api, db):
    assert post(api, ["a logo"]).status_code == 400
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_prompt_route_needs_a_key(client, db):
    response = client.post(URL, {"prompt": "a logo"}, content_type="application/json")
    assert response.status_code in (401, 403)
