"""A voter never sees the same output twice.

Outputs are reused across battles (the same prompt and generator give the same picture), so
a voter who saw an output revealed would know its model the next time it came up. Every
output handed to a voter's browser is recorded (``SeenOutput``) by its content: its digest,
the SHA-256 of what is stored. Two generations with the same pixels are one output to the
voter, whichever made them: a generator with a fixed seed draws the same picture for the same
prompt, typed again by a voter or stored twice. Claims skip battles holding one of them, and
when every open battle does, a battle this voter has not seen is made: on another prompt or
pair whose outputs they have not seen, or else with fresh outputs.
"""

from __future__ import annotations

import random

from django.db.models import Q

from arena.models import Battle, Prompt, SeenOutput
from arena.services.battles import battle_create, pick_pair
from arena.services.errors import NothingUnseen
from generation.models import Generation, Generator
from generation.services import prompt_params_hash

_TRIES = 8
_rng = random.SystemRandom()


def unseen_by(voter) -> Q:
    """Battles with neither output (by content) already handed to this voter."""
    seen = SeenOutput.objects.filter(voter=voter).values("digest")
    return ~Q(generation_a__digest__in=seen) & ~Q(generation_b__digest__in=seen)


def outputs_mark_seen(*, voter, battle_id: int) -> bool:
    """Record that both outputs of a battle were handed to this voter.

    False when one of them (by content) already went to this voter in another battle: two
    claims of the same voter raced for battles sharing an output, or two generations drew the
    same pixels. The caller gives this battle back.
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

    Raises ``NothingUnseen`` when no battle can be made at all (no active prompt, or no two
    enabled generators of one kind), or none this voter has not seen (fresh outputs came out
    as pixels they saw before).
    """
    scope = Battle.objects.filter(requested_by__isnull=True)
    if category_id is not None:
        scope = scope.filter(prompt__category_id=category_id)
    if scope.filter(unseen_by(voter), status=Battle.Status.PENDING).exists():
        return None
    prompts = Prompt.objects.filter(active=True, category__isnull=False)
    if category_id is not None:
        prompts = prompts.filter(category_id=category_id)
    generators = list(Generator.objects.filter(enabled=True))
    # Only prompts that two enabled generators able to do their kind (generate, edit) can take.
    prompt_ids = [
        prompt.id
        for prompt in prompts.only("id", "source_image")
        if pick_pair([g for g in generators if g.can(prompt.kind)]) is not None
    ]
    if not prompt_ids:
        raise NothingUnseen(_NOTHING_NEW)
    for _ in range(_TRIES):
        prompt = Prompt.objects.get(id=_rng.choice(prompt_ids))
        capable = [g for g in generators if g.can(prompt.kind)]
        pair = pick_pair(capable, category_id=prompt.category_id)
        if not _seen_reusable(voter, prompt, pair):
            return battle_create(prompt=prompt, generator_a=pair[0], generator_b=pair[1])
    # Every pair tried would reuse an output this voter saw: generate anew, unless fresh
    # outputs made before came out as pixels this voter has seen (generators without a seed
    # that draw the same picture again): making more would only cost.
    if _fresh_repeats(voter, scope):
        raise NothingUnseen(_NOTHING_NEW)
    return battle_create(prompt=prompt, generator_a=pair[0], generator_b=pair[1], fresh=True)


_NOTHING_NEW = (
    "You have seen every output the arena has, and it cannot make new ones: it needs an "
    "active prompt and two enabled generators of one kind that can do it, drawing pictures "
    "you have not seen."
)


def _seen_reusable(voter, prompt: Prompt, pair: tuple[Generator, Generator]) -> bool:
    """Whether the outputs a plain battle on this prompt and pair would reuse were seen."""
    either = Q()
    for generator in pair:
        either |= Q(generator=generator, params_hash=prompt_params_hash(prompt, generator))
    outputs = Generation.objects.filter(
        either, prompt=prompt, reusable=True, status=Generation.Status.SUCCEEDED
    )
    return SeenOutput.objects.filter(voter=voter, digest__in=outputs.values("digest")).exists()


def _fresh_repeats(voter, battles) -> bool:
    """Whether a fresh pool battle among ``battles`` waits, holding pixels this voter saw."""
    fresh = battles.filter(
        status=Battle.Status.READY,
        generation_a__reusable=False,
        generation_b__reusable=False,
    )
    return fresh.exclude(unseen_by(voter)).exists()
