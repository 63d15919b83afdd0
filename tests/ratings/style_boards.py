"""Votes on battles whose outputs have measured styles, written straight to the database.

A "vivid" generator is the weakest but the most colourful, and voters reward colour: the plain
board lifts it, the style-controlled board should put it back.
"""

from __future__ import annotations

import math
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from arena.models import Battle, Prompt, Vote
from generation.models import Generation, OutputStyle

# Strength (log-odds) and mean colourfulness per generator, in the order given.
STRENGTHS = (0.6, 0.3, 0.0)
COLOUR = (40.0, 40.0, 110.0)
COLOUR_EFFECT = 0.04  # log-odds per unit of colourfulness difference


def styled_votes(category, generators, n: int, *, seed: int = 0, effect: float = COLOUR_EFFECT):
    """``n`` votes in ``category`` between ``generators`` (strongest first), each on a battle of
    its own whose two outputs have styles; the last generator is the vivid one."""
    rng = random.Random(seed)
    voter, _ = get_user_model().objects.get_or_create(username="styled-voter")
    prompt = Prompt.objects.create(text=f"Styled prompt {seed}", category=category)
    now = timezone.now()
    pairs = [rng.sample(range(len(generators)), 2) for _ in range(n)]
    generations = Generation.objects.bulk_create(
        Generation(
            prompt=prompt, generator=generators[g], params_hash=f"{seed}-{i}-{side}",
            reusable=False, status=Generation.Status.SUCCEEDED, media_type="image/png",
            file=f"outputs/{seed}-{i}-{side}.png", digest=f"{seed}-{i}-{side}",
        )
        for i, pair in enumerate(pairs) for side, g in enumerate(pair)
    )  # fmt: skip
    colours = [rng.gauss(COLOUR[pair[side]], 20.0) for pair in pairs for side in (0, 1)]
    OutputStyle.objects.bulk_create(
        OutputStyle(
            generation=g, colourfulness=c, saturation=c / 200 + rng.gauss(0, 0.1),
            contrast=rng.uniform(0.1, 0.3),
            brightness=rng.uniform(0.3, 0.7), sharpness=rng.uniform(50, 500),
            detail=rng.uniform(0.2, 0.6),
        )
        for g, c in zip(generations, colours, strict=True)
    )  # fmt: skip
    battles = Battle.objects.bulk_create(
        Battle(
            prompt=prompt, generator_a=generators[a], generator_b=generators[b],
            generation_a=generations[2 * i], generation_b=generations[2 * i + 1],
            status=Battle.Status.VOTED, voter=voter, left_is_a=True, assigned_at=now,
        )
        for i, (a, b) in enumerate(pairs)
    )  # fmt: skip
    votes = []
    for i, ((a, b), battle) in enumerate(zip(pairs, battles, strict=True)):
        d = STRENGTHS[a] - STRENGTHS[b] + effect * (colours[2 * i] - colours[2 * i + 1])
        left_won = rng.random() < 1 / (1 + math.exp(-d))
        votes.append(
            Vote(
                battle=battle, voter=voter, category=category,
                choice=Vote.Choice.LEFT if left_won else Vote.Choice.RIGHT,
                shown_left=generators[a], shown_right=generators[b],
            )
        )  # fmt: skip
    Vote.objects.bulk_create(votes)
