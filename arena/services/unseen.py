"""A voter never sees the same output twice (docs/blindness.md).

Outputs are reused across battles, so a voter who saw one revealed would know its model the
next time. Every output handed to a voter's browser is recorded by content (``SeenOutput``);
claims skip battles holding one, and battles the voter has not seen are made when need be,
ahead of them (``ARENA_BATTLES_AHEAD``).
"""

from __future__ import annotations

import random

from django.db.models import Q

from arena.models import Battle, Prompt, SeenOutput
from arena.services.battles import battle_create, pick_pair
from arena.services.errors import NothingUnseen
from generation.models import Generation, Generator
from generation.services import prompt_params_hash

_rng = random.SystemRandom()


def unseen_by(voter) -> Q:
    """Battles with neither output (by content) already handed to this voter."""
    seen = SeenOutput.objects.filter(voter=voter).values("digest")
    return ~Q(generation_a__digest__in=seen) & ~Q(generation_b__digest__in=seen)


def outputs_mark_seen(*, voter, battle_id: int) -> bool:
    """Record that both outputs of a battle were handed to this voter.

    False when one of them (by content) already went to them in another battle (two claims
    raced, or two generations drew the same pixels): the caller gives this battle back.
    """
    outputs = _outputs(battle_id)
    SeenOutput.objects.bulk_create(
        [
            SeenOutput(voter=voter, generation_id=g, digest=digest, battle_id=battle_id)
            for g, digest in outputs.items()
            if digest  # a shown battle's outputs are done, so each has its digest
        ],
        ignore_conflicts=True,
    )
    owners = SeenOutput.objects.filter(voter=voter, digest__in=outputs.values())
    return set(owners.values_list("battle_id", flat=True)) == {battle_id}


def battles_repeating(*, voter, battle_id: int):
    """Ids of this voter's other battles holding an output (by content) of this battle."""
    owners = SeenOutput.objects.filter(voter=voter, digest__in=_outputs(battle_id).values())
    return owners.exclude(battle_id=battle_id).values("battle_id")


def _outputs(battle_id: int) -> dict[int, str]:
    """The digest of each of a battle's two generations, by generation id."""
    battle = Battle.objects.values(
        "generation_a_id", "generation_a__digest", "generation_b_id", "generation_b__digest"
    ).get(id=battle_id)
    return {battle[f"generation_{s}_id"]: battle[f"generation_{s}__digest"] for s in "ab"}


def outputs_unmark_seen(*, voter, battle_id: int) -> None:
    """Forget a battle given back before it reached the voter's browser."""
    SeenOutput.objects.filter(voter=voter, battle_id=battle_id).delete()


def battle_create_unseen(*, voter, category_id: int | None = None) -> Battle | None:
    """Start a battle whose outputs this voter has not seen; None while one is on its way.

    Raises ``NothingUnseen`` when none can be made, or none that they have not seen.
    """
    made = _battle_unseen_create(voter=voter, category_id=category_id, finished_only=True)
    if made is not None:
        return made  # ready at once: its outputs are there
    scope = Battle.objects.filter(requested_by__isnull=True)
    if category_id is not None:
        scope = scope.filter(prompt__category_id=category_id)
    if scope.filter(unseen_by(voter), status=Battle.Status.PENDING).exists():
        return None
    return _battle_unseen_create(voter=voter, category_id=category_id)


def battles_ahead(*, voter, count: int) -> int:
    """Make pool battles until ``count`` open ones hold no output this voter has seen.

    Run after each claim, so that a voter's next battle is on its way before they ask for it.
    """
    scope = Battle.objects.filter(
        requested_by__isnull=True,
        status__in=(Battle.Status.PENDING, Battle.Status.READY),
    ).filter(unseen_by(voter))
    made = 0
    for _ in range(max(count - scope.count(), 0)):
        try:
            _battle_unseen_create(voter=voter, category_id=None)
        except NothingUnseen:
            break
        made += 1
    return made


def _battle_unseen_create(
    *, voter, category_id: int | None, finished_only: bool = False
) -> Battle | None:
    """A pool battle on outputs this voter has not seen, reusing what others were shown.

    Outputs already finished first (only those with ``finished_only``), then ones being made,
    else each generator's first variant this voter has not seen, made anew if need be: a new
    variant, made for the first voter to need it, serves every voter after them.
    """
    prompts = Prompt.objects.filter(active=True, category__isnull=False)
    if category_id is not None:
        prompts = prompts.filter(category_id=category_id)
    generators = list(Generator.objects.filter(enabled=True))
    # Only prompts that two enabled generators able to do their kind (generate, edit) can take.
    capable, by_id = {}, {}
    for prompt in prompts:
        able = [g for g in generators if g.can(prompt.kind)]
        if pick_pair(able) is not None:
            capable[prompt.id], by_id[prompt.id] = able, prompt
    if not capable:
        raise NothingUnseen(_NOTHING_NEW)
    finished, unseen = _unseen_outputs(voter, by_id, {g.id: g for g in generators})
    for outputs in (finished,) if finished_only else (finished, unseen):
        ready = [
            prompt_id
            for prompt_id, able in capable.items()
            if pick_pair([g for g in able if (prompt_id, g.id) in outputs]) is not None
        ]
        if ready:
            prompt = by_id[_rng.choice(ready)]
            able = [g for g in capable[prompt.id] if (prompt.id, g.id) in outputs]
            break
    else:
        if finished_only:
            return None
        prompt = by_id[_rng.choice(list(capable))]
        able, outputs = capable[prompt.id], unseen
    pair = pick_pair(able, category_id=prompt.category_id)
    variants = []
    for generator in pair:
        variant = outputs.get((prompt.id, generator.id))
        if variant is None:
            variant = _variant_next(voter, prompt, generator)
        variants.append(variant)
    return battle_create(
        prompt=prompt, generator_a=pair[0], generator_b=pair[1], variants=tuple(variants)
    )


def _unseen_outputs(voter, prompts: dict, generators: dict) -> tuple[dict, dict]:
    """{(prompt, generator): lowest variant} of the live reusable outputs with today's
    parameters this voter has not seen and no open battle holds: finished ones, and all."""
    seen = SeenOutput.objects.filter(voter=voter).values("digest")
    held = Battle.objects.filter(
        status__in=(Battle.Status.PENDING, Battle.Status.READY), voter__isnull=True
    )
    rows = (
        Generation.objects.filter(
            prompt_id__in=list(prompts), generator_id__in=list(generators), reusable=True
        )
        .exclude(status=Generation.Status.FAILED)
        .exclude(digest__in=seen)
        .exclude(id__in=held.values("generation_a_id"))
        .exclude(id__in=held.values("generation_b_id"))
        .order_by("-variant")
        .values_list("prompt_id", "generator_id", "params_hash", "variant", "status")
    )
    current = {}
    finished: dict[tuple[int, int], int] = {}
    unseen: dict[tuple[int, int], int] = {}
    for prompt_id, generator_id, params, variant, status in rows:
        key = (prompt_id, generator_id)
        if key not in current:
            current[key] = prompt_params_hash(prompts[prompt_id], generators[generator_id])
        if params != current[key]:
            continue
        # Rows come highest variant first: the last one kept is the lowest.
        unseen[key] = variant
        if status == Generation.Status.SUCCEEDED:
            finished[key] = variant
    return finished, unseen


def _variant_next(voter, prompt: Prompt, generator: Generator) -> int:
    """The variant to make for a voter who has seen every live one of this output.

    Raises ``NothingUnseen`` when the generator draws the same pixels again for a new variant
    (a provider without a seed): making more would only cost.
    """
    outputs = Generation.objects.filter(
        prompt=prompt,
        generator=generator,
        params_hash=prompt_params_hash(prompt, generator),
        reusable=True,
    ).exclude(status=Generation.Status.FAILED)
    digests = [d for d in outputs.values_list("digest", flat=True) if d]
    if len(digests) != len(set(digests)):
        raise NothingUnseen(_NOTHING_NEW)
    highest = outputs.order_by("-variant").values_list("variant", flat=True).first()
    return 0 if highest is None else highest + 1


_NOTHING_NEW = (
    "You have seen every output the arena has, and it cannot make new ones: it needs an "
    "active prompt and two enabled generators of one kind that can do it, drawing pictures "
    "you have not seen."
)
