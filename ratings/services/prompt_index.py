"""Building the prompt route's index of a category's board, once per recompute."""

from __future__ import annotations

import time

import numpy as np
from django.db.models import QuerySet

from arena.models import Prompt, Vote
from ratings import prompt_index
from ratings.models import PromptRouteIndex, Snapshot

OUTCOME = {
    Vote.Choice.LEFT: 0,
    Vote.Choice.RIGHT: 1,
    Vote.Choice.TIE: 2,
    Vote.Choice.BOTH_BAD: 2,
}


def prompt_index_store(*, snapshot: Snapshot, votes: QuerySet) -> PromptRouteIndex:
    """Index the counted ``votes`` of ``snapshot``'s board that carry their prompt through their
    battle (an imported vote names no prompt text: it counts on the board but not here)."""
    started = time.monotonic()
    generators = snapshot.matrices.get("generators", [])
    position = {gid: i for i, gid in enumerate(generators)}
    prompts: dict[int, int] = {}
    rows = []
    cells = votes.filter(battle__isnull=False).values_list(
        "battle__prompt_id", "shown_left_id", "shown_right_id", "choice"
    )
    for prompt_id, left, right, choice in cells.order_by("id").iterator(chunk_size=5000):
        if left not in position or right not in position:
            continue
        if prompt_id not in prompts:
            prompts[prompt_id] = len(prompts)
        rows.append((prompts[prompt_id], position[left], position[right], OUTCOME[choice]))
    # Each prompt's text once, not once per vote.
    texts = [""] * len(prompts)
    ids = list(prompts)
    for start in range(0, len(ids), 900):  # under SQLite's limit on a statement's parameters
        chunk = Prompt.objects.filter(id__in=ids[start : start + 900])
        for prompt_id, text in chunk.values_list("id", "text"):
            texts[prompts[prompt_id]] = text
    index = prompt_index.build(texts, np.array(rows, dtype=np.int64), generators)
    return PromptRouteIndex.objects.create(
        snapshot=snapshot,
        data=prompt_index.dumps(index),
        prompts=len(texts),
        votes=len(rows),
        duration_ms=round((time.monotonic() - started) * 1000),
    )
