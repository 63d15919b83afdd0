"""The prompt route on a fresh demo, judged by the truth its voters follow (arena/demo_data.py):
a generator's quality (lettering by its lettering on wordmarks) plus the look of its picture."""

from __future__ import annotations

import io
import math

import pytest
from django.core.management import call_command

from arena.demo_data import LETTERING_PROMPTS, judged_strength
from arena.models import Category, Prompt
from arena.services.demo import STRENGTH_SCALE, _looks, voted_prompts
from generation.models import Generation

URL = "/api/v1/route/"
POINTS = 400 / math.log(10)
MISMATCH = 10.0  # rating points


@pytest.fixture
def demo(transactional_db, demo_drawn_small):
    call_command("demo", battles=0, stdout=io.StringIO())


def _truth(prompt: Prompt) -> dict[str, float]:
    """Rating points of each generator on this prompt, as the demo's voters judge it."""
    outputs = Generation.objects.filter(prompt=prompt).select_related("generator")
    looks = _looks(outputs)
    return {
        g.generator.slug: (judged_strength(g.generator.slug, prompt.text) + looks.get(g.id, 0.0))
        * STRENGTH_SCALE
        * POINTS
        for g in outputs
    }


def _route(api, body: dict) -> dict:
    response = api.post(URL, body, content_type="application/json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.timeout(600)
def test_on_the_demo_the_prompt_route_sends_each_logo_where_its_voters_would(demo, api):
    logos = Category.objects.get(slug="logos")
    category_pick = api.get(URL, {"category": "logos"}).json()["recommended"]["generator"]
    to_dynamo = 0
    for prompt in voted_prompts(Prompt.objects.filter(category=logos, source="curated")):
        truth = _truth(prompt)
        best = max(truth.values())
        answer = _route(api, {"prompt": prompt.text, "category": "logos"})
        pick = answer["recommended"]["generator"]
        if answer["basis"] == "prompt" and answer["decision"] == "confident":
            # What "confident" promises: within the tolerance of the best for this prompt, give
            # or take the voters' ties and "both bad" (half a win each to the fit), which make
            # their truth in points only about the fit's scale.
            assert truth[pick] >= best - answer["tolerance"] - MISMATCH, (prompt.text, truth)
        else:
            assert pick == category_pick, answer
        lettering = prompt.text in LETTERING_PROMPTS
        if lettering and truth["dynamo"] - max(v for k, v in truth.items() if k != "dynamo") > 100:
            # A wordmark that the generator lettering best clearly wins goes to it.
            assert (answer["basis"], pick) == ("prompt", "dynamo"), (prompt.text, answer)
            to_dynamo += 1
    assert to_dynamo >= 1
    # A category of lettering prompts only: its own leader letters best, and stays the pick.
    sign = _route(api, {"prompt": "A neon sign that reads OPEN LATE", "category": "text-in-image"})
    assert sign["recommended"]["generator"] == "dynamo"
