"""Making battles, keeping a buffer of ready ones, and handing them to voters."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arena.core.queue import enqueue, enqueue_on_commit
from arena.models import Battle, Category, Kind, Prompt, SeenOutput
from arena.services.decoys import decoy_extra_chance, decoy_output, decoy_suspect
from arena.services.pairing import pairs_draw
from arena.tasks import battles_ahead as ahead_task
from arena.tasks import battles_refill as refill_task
from generation.models import Generation, Generator
from generation.selectors import generators_enabled
from generation.served import served_store
from generation.services import generation_get_or_create
from generation.tasks import generate as generate_task

logger = logging.getLogger(__name__)
_OPEN = (Battle.Status.PENDING, Battle.Status.READY)
_rng = random.SystemRandom()


@transaction.atomic
def battle_create(
    *,
    prompt: Prompt,
    generator_a: Generator,
    generator_b: Generator,
    requested_by=None,
    fresh: bool = False,
    variants: tuple[int, int] = (0, 0),
    decoy: Generation | None = None,
) -> Battle:
    """Create a battle and start whichever of its two generations is not already there.

    ``requested_by`` keeps it for the voter who typed the prompt; ``fresh`` never reuses an
    output; ``variants`` picks each generator's reusable output; ``decoy``, a finished output
    of ``generator_b`` for another prompt, makes it an attention check (services.decoys).
    """
    if generator_a.pk == generator_b.pk:
        raise ValueError("a battle needs two different generators")
    if not (generator_a.can(prompt.kind) and generator_b.can(prompt.kind)):
        raise ValueError(f"both generators must be able to {prompt.kind} for this prompt")
    if decoy is not None and decoy.generator_id != generator_b.pk:
        raise ValueError("a decoy's off-prompt output must be generator b's")
    generation_a, new_a = generation_get_or_create(
        prompt=prompt, generator=generator_a, fresh=fresh, variant=variants[0]
    )
    if decoy is None:
        generation_b, new_b = generation_get_or_create(
            prompt=prompt, generator=generator_b, fresh=fresh, variant=variants[1]
        )
    else:
        generation_b, new_b = decoy, False
    battle = Battle.objects.create(
        prompt=prompt,
        generator_a=generator_a,
        generator_b=generator_b,
        generation_a=generation_a,
        generation_b=generation_b,
        requested_by=requested_by,
        decoy=decoy is not None,
    )
    for generation, new in ((generation_a, new_a), (generation_b, new_b)):
        if new:
            enqueue_on_commit(generate_task, generation.id)
    # Both outputs may already exist (reused): the battle is ready at once, within the caller's
    # transaction, so that a claim made in it can take the battle. Otherwise, once committed,
    # a generation that finished meanwhile settles it.
    done = Generation.Status.SUCCEEDED
    if generation_a.status == done and generation_b.status == done:
        battles_settle(generation_id=generation_a.id)
    transaction.on_commit(lambda: battles_settle(generation_id=generation_a.id))
    return battle


def pick_pair(
    generators: list[Generator], *, category_id: int | None = None
) -> tuple[Generator, Generator] | None:
    """Two generators of one modality drawn at random, paired by the category's matchmaking
    (services.pairing); None if no modality has two."""
    pairs = pick_pairs(generators, category_id=category_id, count=1)
    return pairs[0] if pairs else None


def pick_pairs(
    generators: list[Generator], *, category_id: int | None, count: int
) -> list[tuple[Generator, Generator]]:
    """``count`` pairs for battles of one category (see :func:`pick_pair`)."""
    by_modality: dict[str, list[Generator]] = {}
    for generator in generators:
        by_modality.setdefault(generator.modality, []).append(generator)
    pools = [pool for pool in by_modality.values() if len(pool) >= 2]
    if not pools:
        return []
    return pairs_draw(_rng.choice(pools), category_id=category_id, count=count)


def battles_refill(*, category_id: int | None = None, buffer: int | None = None) -> int:
    """Top up each category to ``buffer`` open battles; return how many were created."""
    buffer = settings.ARENA_BATTLE_BUFFER if buffer is None else buffer
    capable = {kind: generators_enabled(kind=kind) for kind in Kind.values}
    categories = Category.objects.all()
    if category_id is not None:
        categories = categories.filter(id=category_id)
    created = 0
    for category in categories:
        # An edit category's battles are edits of its prompts' source images, by editors.
        generators = capable[category.kind]
        prompts = list(
            Prompt.objects.filter(category=category, active=True)
            .filter(prompts_of_kind(category.kind))
            .values_list("id", flat=True)
        )
        if not prompts:
            continue
        # Battles voters asked for with their own prompts are not part of the shared buffer.
        open_count = Battle.objects.filter(
            prompt__category=category, status__in=_OPEN, requested_by__isnull=True
        ).count()
        missing = max(buffer - open_count, 0)
        pairs = pick_pairs(generators, category_id=category.id, count=missing) if missing else []
        for pair in pairs:
            prompt = Prompt.objects.get(id=_rng.choice(prompts))
            battle_or_decoy_create(prompt=prompt, pair=pair)
            created += 1
    return created


def battle_or_decoy_create(*, prompt: Prompt, pair: tuple[Generator, Generator]) -> Battle:
    """A pool battle on this prompt and pair: at ``ARENA_DECOY_RATE`` a decoy, if one can be
    made (a finished output of either generator for another prompt of the category)."""
    rate = settings.ARENA_DECOY_RATE
    if rate > 0 and _rng.random() < rate:
        for generator_a, generator_b in (pair, pair[::-1]):
            output = decoy_output(prompt=prompt, generator=generator_b, rng=_rng)
            if output is not None:
                return battle_create(
                    prompt=prompt, generator_a=generator_a, generator_b=generator_b, decoy=output
                )
    return battle_create(prompt=prompt, generator_a=pair[0], generator_b=pair[1])


class _NotReady(Exception):
    pass


def decoy_battle_for(*, voter, categories: Callable[[], list[int | None]]) -> Battle | None:
    """A ready decoy made now for this voter's claim, at :func:`decoy_extra_chance`, from
    finished outputs they have not seen (nothing is generated); None otherwise.

    ``categories`` is called only when one is drawn. The off-prompt output is the suspected
    generator's when the promoter test suspects the voter of backing one that can take part.
    """
    if _rng.random() >= decoy_extra_chance(voter):
        return None
    seen = SeenOutput.objects.filter(voter=voter).values("digest")
    suspect = decoy_suspect(voter)
    for category in categories()[:3]:
        battle = _decoy_made(voter, category, seen, suspect)
        if battle is not None:
            return battle
    return None


def _decoy_made(voter, category_id: int | None, seen, suspect: int | None) -> Battle | None:
    category = Category.objects.filter(id=category_id).first()
    if category is None:
        return None
    generators = {g.pk: g for g in generators_enabled(kind=category.kind)}
    if suspect in generators:
        made = _decoy_made_with(voter, category, seen, generators, off={suspect})
        if made is not None:
            return made
    return _decoy_made_with(voter, category, seen, generators, off=set(generators))


def _decoy_made_with(voter, category, seen, generators: dict, off: set) -> Battle | None:
    """A decoy whose off-prompt output is by one of the generators in ``off``."""
    outputs = Generation.objects.filter(
        prompt__category=category,
        prompt__active=True,
        generator_id__in=[pk for pk in generators if {pk} != off],
        reusable=True,
        status=Generation.Status.SUCCEEDED,
    ).exclude(Q(digest="") | Q(digest__in=seen))
    no_source = Q(prompt__source_image="")
    outputs = outputs.filter(~no_source if category.kind == Kind.EDIT else no_source)
    hours = settings.ARENA_PROMPT_REPEAT_HOURS
    recent = Battle.objects.filter(
        voter=voter, assigned_at__gte=timezone.now() - timedelta(hours=hours)
    ).values("prompt_id")
    for candidates in (outputs.exclude(prompt_id__in=recent), outputs) if hours > 0 else (outputs,):
        ids = list(candidates.order_by("-id").values_list("id", flat=True)[:50])
        _rng.shuffle(ids)
        for output in Generation.objects.filter(id__in=ids[:5]).select_related("prompt"):
            others = [g for pk, g in generators.items() if pk != output.generator_id and pk in off]
            _rng.shuffle(others)
            for generator_b in others:
                elsewhere = decoy_output(
                    prompt=output.prompt,
                    generator=generator_b,
                    rng=_rng,
                    unseen=~Q(digest__in=seen),
                )
                if elsewhere is None or elsewhere.digest == output.digest:
                    continue
                try:
                    with transaction.atomic():
                        battle = battle_create(
                            prompt=output.prompt,
                            generator_a=generators[output.generator_id],
                            generator_b=generator_b,
                            variants=(output.variant, 0),
                            decoy=elsewhere,
                        )
                        if battle.generation_a_id != output.id:
                            raise _NotReady  # another live output of the pair is reused first
                except _NotReady:
                    continue
                battle.refresh_from_db()  # both outputs are finished: it is ready
                return battle if battle.status == Battle.Status.READY else None
    return None


def prompts_of_kind(kind: str) -> Q:
    """Prompts whose battles are of this kind: edits have a source image, generations not."""
    return ~Q(source_image="") if kind == Kind.EDIT else Q(source_image="")


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
            _served_prepare(battle.generation_a, battle.generation_b)
            Battle.objects.filter(id=battle.id, status=Battle.Status.PENDING).update(
                status=Battle.Status.READY
            )
        elif Generation.Status.FAILED in statuses:
            errors = [g.error for g in (battle.generation_a, battle.generation_b) if g.error]
            Battle.objects.filter(id=battle.id, status=Battle.Status.PENDING).update(
                status=Battle.Status.FAILED, failure="; ".join(errors)[:2000]
            )
            refill_later(battle.prompt.category_id)


def _served_prepare(*generations: Generation) -> None:
    """Write what voters are sent of each output before its battle is shown (see served)."""
    for generation in generations:
        if not generation.file:
            continue
        try:
            served_store(generation.file.name)
        except OSError as exc:  # the output view writes it on first request instead
            logger.warning("served copy of generation %s not written: %s", generation.id, exc)


def ahead_later(voter) -> None:
    """Make battles ahead of this voter once this transaction commits (see ``refill_later``)."""
    enqueue_on_commit(ahead_task, voter_id=voter.pk)


def refill_later(category_id: int | None, *, voter=None) -> None:
    """Top the category's buffer up, and make battles ahead of ``voter``, after commit."""
    if category_id is None:
        return
    enqueue_on_commit(refill_task, category_id=category_id, voter_id=getattr(voter, "pk", None))


def generations_requeue_stalled(*, older_than_seconds: int = 120) -> int:
    """Send again generations whose task was lost (broker down at enqueue, worker died)."""
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
        # Once per period, however many refills ask: a worker that is only behind would
        # otherwise find the same generation queued again on every refill, and do nothing else.
        if cache.add(f"arena:requeued:{generation_id}", 1, timeout=older_than_seconds):
            count += enqueue(generate_task, generation_id)
    return count
