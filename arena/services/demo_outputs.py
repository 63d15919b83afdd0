"""The outputs the demo's simulated votes judged: one per (prompt, generator), made once.

They are ordinary finished generations, made by the generators' own provider through the
generation services (re-encoded, stored under their hash with the file voters are sent, a
digest), so a real battle of the same prompt and pair reuses them like any other output.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from arena.models import Prompt
from arena.services.battles import battles_settle
from generation.models import Generation, Generator
from generation.services import (
    TransientGenerationError,
    generation_run,
    generation_run_now,
    prompt_kind,
    prompt_params_hash,
)

Key = tuple[int, int]  # (prompt id, generator id)


def demo_outputs_make(*, prompts: dict[int, Prompt], generators: dict[int, Generator], keys):
    """{key: succeeded generation} for each (prompt id, generator id) of ``keys``, made if
    missing; a key whose output could not be made is left out."""
    wanted = {key: prompt_params_hash(prompts[key[0]], generators[key[1]]) for key in set(keys)}
    found = _existing(wanted)
    missing = [key for key in sorted(wanted) if key not in found]
    found.update(_create(missing, wanted, prompts, generators))
    waiting = sorted(g.id for g in found.values() if g.status != Generation.Status.SUCCEEDED)
    for generation_id in tqdm(waiting, desc="Demo outputs", unit="output", disable=None):
        _run(generation_id)
    done = Generation.objects.in_bulk([g.id for g in found.values()])
    made = {}
    for key, generation in found.items():
        generation = done[generation.id]
        if generation.status != Generation.Status.SUCCEEDED:
            # Another run holds it (a worker on an older battle): make one of our own now.
            generation = generation_run_now(generator=generators[key[1]], prompt=prompts[key[0]])
        if generation.status == Generation.Status.SUCCEEDED:
            made[key] = generation
    return made


def _existing(wanted: dict[Key, str]) -> dict[Key, Generation]:
    """The best live generation of each key: a finished one, else a shared one still to run."""
    rows = (
        Generation.objects.filter(prompt_id__in={prompt_id for prompt_id, _ in wanted})
        .filter(Q(status=Generation.Status.SUCCEEDED) | Q(reusable=True))
        .exclude(status=Generation.Status.FAILED)
        .only("id", "prompt_id", "generator_id", "params_hash", "status")
        .order_by("id")
    )
    found: dict[Key, Generation] = {}
    for row in rows:
        key = (row.prompt_id, row.generator_id)
        best = found.get(key)
        if wanted.get(key) != row.params_hash:
            continue
        done = row.status == Generation.Status.SUCCEEDED
        if best is None or (done and best.status != Generation.Status.SUCCEEDED):
            found[key] = row
    return found


def _create(missing: list[Key], wanted, prompts, generators) -> dict[Key, Generation]:
    rows = [
        Generation(
            prompt_id=prompt_id,
            generator_id=generator_id,
            params_hash=wanted[(prompt_id, generator_id)],
            parameters=generators[generator_id].parameters_for(prompt_kind(prompts[prompt_id])),
            reusable=settings.ARENA_REUSE_GENERATIONS,
        )
        for prompt_id, generator_id in missing
    ]
    with transaction.atomic():
        Generation.objects.bulk_create(rows, batch_size=500)
    return {(row.prompt_id, row.generator_id): row for row in rows}


def _run(generation_id: int) -> None:
    try:
        generation_run(generation_id=generation_id, claim=f"demo-{uuid.uuid4().hex}")
    except TransientGenerationError:
        return  # left waiting; made anew below
    # A battle of an earlier demo may wait on this output.
    battles_settle(generation_id=generation_id)
