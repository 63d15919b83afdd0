"""Voted battles with their prompts, written in bulk: what the prompt route is built from."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from arena.models import Battle, Category, Prompt, Vote
from generation.models import Generation, Generator

_CHOICE = {0: Vote.Choice.LEFT, 1: Vote.Choice.RIGHT, 2: Vote.Choice.TIE}


def seed_prompt_votes(
    *,
    category: Category,
    generators: list[Generator],
    texts: list[str],
    rows: np.ndarray,
    voter,
    start: dt.datetime | None = None,
    batch: int = 5000,
    source: str = Prompt.Source.CURATED,
) -> None:
    """Prompts ``texts`` of ``category`` (of ``source``), and one voted battle per row of
    ``rows``.

    A row is (prompt position, left generator position, right generator position, outcome:
    0 left won, 1 right won, 2 tie); votes are a second apart from ``start``, in row order.
    """
    start = start or timezone.now() - dt.timedelta(days=30)
    prompts = Prompt.objects.bulk_create(
        [Prompt(text=text, category=category, source=source) for text in texts],
        batch_size=batch,
    )
    outputs = {}
    pairs = {(int(p), int(g)) for p, left, right, _ in rows for g in (left, right)}
    made = Generation.objects.bulk_create(
        [Generation(prompt=prompts[p], generator=generators[g], params_hash=f"seed-{p}-{g}",
                    reusable=False) for p, g in sorted(pairs)],
        batch_size=batch,
    )  # fmt: skip
    for (p, g), generation in zip(sorted(pairs), made, strict=True):
        outputs[p, g] = generation
    battles = Battle.objects.bulk_create(
        [_battle(prompts[int(p)], generators, outputs, int(p), int(left), int(right), voter, start)
         for p, left, right, _ in rows],
        batch_size=batch,
    )  # fmt: skip
    Vote.objects.bulk_create(
        [Vote(battle=battle, voter=voter, category=category, choice=_CHOICE[int(row[3])],
              shown_left=generators[int(row[1])], shown_right=generators[int(row[2])],
              created_at=start + dt.timedelta(seconds=i))
         for i, (battle, row) in enumerate(zip(battles, rows, strict=True))],
        batch_size=batch,
    )  # fmt: skip


def _battle(prompt, generators, outputs, p, left, right, voter, start) -> Battle:
    return Battle(
        prompt=prompt,
        generator_a=generators[left],
        generator_b=generators[right],
        generation_a=outputs[p, left],
        generation_b=outputs[p, right],
        status=Battle.Status.VOTED,
        voter=voter,
        left_is_a=True,
        assigned_at=start,
        shown_at=start,
    )
