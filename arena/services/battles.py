"""Making battles, keeping a buffer of ready ones, and handing them to voters."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arena.core.queue import enqueue, enqueue_on_commit
from arena.models import Battle, Category, Prompt
from generation.models import Generation, Generator
from generation.services import generation_get_or_create

logger = logging.getLogger(__name__)
_OPEN = (Battle.Status.PENDING, Battle.Status.READY)
_rng = random.SystemRandom()


def _enqueue_generation(generation_id: int) -> None:
    from generation.tasks import generate

    enqueue_on_commit(generate, generation_id)


@transaction.atomic
def battle_create(
    *,
    prompt: Prompt,
    generator_a: Generator,
    generator_b: Generator,
    requested_by=None,
    fresh: bool = False,
) -> Battle:
    """Create a battle and start whichever of its two generations is not already there.

    ``requested_by``: the voter who typed the prompt; the battle is kept for them alone.
    ``fresh``: two new outputs, reusing none (for a voter who has seen the usual ones).
    """
    if generator_a.pk == generator_b.pk:
        raise ValueError("a battle needs two different generators")
    generation_a, new_a = generation_get_or_create(
        prompt=prompt, generator=generator_a, fresh=fresh
    )
    generation_b, new_b = generation_get_or_create(
        prompt=prompt, generator=generator_b, fresh=fresh
    )
    battle = Battle.objects.create(
        prompt=prompt,
        generator_a=generator_a,
        generator_b=generator_b,
        generation_a=generation_a,
        generation_b=generation_b,
        requested_by=requested_by,
    )
    for generation, new in ((generation_a, new_a), (generation_b, new_b)):
        if new:
            _enqueue_generation(generation.id)
    # Both outputs may already exist (reused): the battle is ready at once.
    transaction.on_commit(lambda: battles_settle(generation_id=generation_a.id))
    return battle


def pick_pair(generators: list[Generator]) -> tuple[Generator, Generator] | None:
    """Two distinct generators of one modality, drawn at random; None if no modality has two."""
    by_modality: dict[str, list[Generator]] = {}
    for generator in generators:
        by_modality.setdefault(generator.modality, []).append(generator)
    pools = [pool for pool in by_modality.values() if len(pool) >= 2]
    if not pools:
        return None
    pair = _rng.sample(_rng.choice(pools), 2)
    return pair[0], pair[1]


def battles_refill(*, category_id: int | None = None, buffer: int | None = None) -> int:
    """Top up each category to ``buffer`` open battles; return how many were created."""
    buffer = settings.ARENA_BATTLE_BUFFER if buffer is None else buffer
    generators = list(Generator.objects.filter(enabled=True))
    categories = Category.objects.all()
    if category_id is not None:
        categories = categories.filter(id=category_id)
    created = 0
    for category in categories:
        prompts = list(
            Prompt.objects.filter(category=category, active=True).values_list("id", flat=True)
        )
        if not prompts:
            continue
        # Battles voters asked for with their own prompts are not part of the shared buffer.
        open_count = Battle.objects.filter(
            prompt__category=category, status__in=_OPEN, requested_by__isnull=True
        ).count()
        for _ in range(max(buffer - open_count, 0)):
            pair = pick_pair(generators)
            if pair is None:
                return created
            prompt = Prompt.objects.get(id=_rng.choice(prompts))
            battle_create(prompt=prompt, generator_a=pair[0], generator_b=pair[1])
            created += 1
    return created


def battles_settle(*, generation_id: int) -> None:
    """Move battles waiting on this generation to ready, or to failed if an output failed."""
    waiting = Battle.objects.filter(
        Q(generation_a_id=generation_id) | Q(generation_b_id=generation_id),
        status=Battle.Status.PENDING,
    ).select_related("generation_a", "generation_b")
    succeeded = Generation.Status.SUCCEEDED
    for battle in waiting:
        statuses = {battle.generation_a.status, battle.generation_b.status}
        if statuses == {succeeded}:
            Battle.objects.filter(id=battle.id, status=Battle.Status.PENDING).update(
                status=Battle.Status.READY
            )
        elif Generation.Status.FAILED in statuses:
            errors = [g.error for g in (battle.generation_a, battle.generation_b) if g.error]
            Battle.objects.filter(id=battle.id, status=Battle.Status.PENDING).update(
                status=Battle.Status.FAILED, failure="; ".join(errors)[:2000]
            )
            refill_later(battle.prompt.category_id)


def refill_later(category_id: int | None) -> None:
    """Top the category's buffer up once this transaction commits."""
    if category_id is None:
        return
    from arena.tasks import battles_refill as refill_task

    enqueue_on_commit(refill_task, category_id=category_id)


def generations_requeue_stalled(*, older_than_seconds: int = 120) -> int:
    """Send again generations whose task was lost (broker down at enqueue, worker died)."""
    from generation.tasks import generate

    now = timezone.now()
    stalled = Generation.objects.filter(
        Q(
            status=Generation.Status.PENDING,
            created_at__lt=now - timedelta(seconds=older_than_seconds),
        )
        | Q(
            status=Generation.Status.RUNNING,
            started_at__lt=now - timedelta(seconds=settings.ARENA_GENERATION_STALE_SECONDS),
        )
    ).values_list("id", flat=True)
    count = 0
    for generation_id in stalled[:500]:
        count += enqueue(generate, generation_id)
    return count
