"""A board with a clear winner per category, imported and recomputed like a real team's."""

from __future__ import annotations

import io
import json
import math
import random

import pytest
from django.core.management import call_command

from ratings.api_keys import api_key_create

STRENGTHS = {
    "logos": {"gpt-image-2": 1.5, "nano-banana-pro": 0.5, "seedream-4": 0.0, "flux-2": -0.5},
    "people": {"gpt-image-2": 0.0, "nano-banana-pro": 1.5, "seedream-4": 0.2, "flux-2": 0.0},
    "thin": {"gpt-image-2": 0.0, "nano-banana-pro": 0.0, "seedream-4": 0.0, "flux-2": 0.0},
}
VOTES = {"logos": 600, "people": 600, "thin": 12}


def battle_lines(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    lines = []
    for category, strengths in STRENGTHS.items():
        models = sorted(strengths)
        for i in range(VOTES[category]):
            a, b = rng.sample(models, 2)
            p = 1 / (1 + math.exp(strengths[b] - strengths[a]))
            winner = "tie" if rng.random() < 0.1 else ("model_a" if rng.random() < p else "model_b")
            lines.append({"model_a": a, "model_b": b, "winner": winner, "category": category,
                          "tstamp": 1767225600 + i, "question_id": f"{category}-{i}"})  # fmt: skip
    return lines


def import_lines(tmp_path, lines: list[dict]) -> None:
    path = tmp_path / "battles.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    call_command("import_battles", str(path), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def boards(db, tmp_path):
    import_lines(tmp_path, battle_lines())


@pytest.fixture
def api_key(db) -> str:
    return api_key_create(name="router")[1]


@pytest.fixture
def api(client, api_key):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_key}"
    return client
