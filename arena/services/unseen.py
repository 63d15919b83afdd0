"""A voter never sees the same output twice.

Outputs are reused across battles (the same prompt and generator give the same picture), so
a voter who saw an output revealed would know its model the next time it came up. Every
output handed to a voter's browser is recorded (``SeenOutput``); claims skip battles holding
one of them, and when every open battle does, a battle this voter has not seen is made: on
another prompt or pair whose outputs they have not seen, or else with fresh outputs.
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
    """Battles with neither output already handed to this voter."""
    seen = SeenOutput.objects.filter(voter=voter).values("generation_id")
    return ~Q(generation_a_id__in=seen) & ~Q(generation_b_id__in=seen)


def outputs_mark_seen(*, voter, battle_id: int) -> bool:
    """Record that both outputs of a battle were handed to this voter.

    False when one of them already went to this voter in another battle (two claims of the
    same voter raced for battles sharing an output): the caller gives this battle back.
    """
    battle = Battle.objects.values("generation_a_id", "generation_b_id").get(id=battle_id)
    generations = [battle["generation_a_id"], battle["generation_b_id"]]
    SeenOutput.objects.bulk_create(
        [SeenOutput(voter=voter, generation_id=g, battle_id=battle_id) for g in generations],
        ignore_conflicts=True,
    )
    owners = SeenOutput.objects.filter(voter=voter, generation_id__in=generations)
    return set(owners.values_list("battle_id", flat=True)) == {battle_id}


def outputs_unmark_seen(*, voter, battle_id: int) -> None:
    """Forget a battle given back before it reached the voter's browser."""
    SeenOutput.objects.filter(voter=voter, battle_id=battle_id).delete()


def battle_create_unseen(*, voter, category_id: int | None = None) -> Battle | None:
    """Start a battle whose outputs this voter has not seen; None while one is on its way.

    Raises ``NothingUnseen`` when no battle can be made at all (no active prompt, or no two
    enabled generators of one kind).
    """
    waiting = Battle.objects.filter(status=Battle.Status.PENDING, requested_by__isnull=True)
    if category_id is not None:
        waiting = waiting.filter(prompt__category_id=category_id)
    if waiting.filter(unseen_by(voter)).exists():
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
        raise NothingUnseen(
            "You have seen every output the arena has, and it cannot make new ones: it needs "
            "an active prompt and two enabled generators of one kind that can do it."
        )
    for _ in range(_TRIES):
        prompt = Prompt.objects.get(id=_rng.choice(prompt_ids))
        capable = [g for g in generators if g.can(prompt.kind)]
        pair = pick_pair(capable, category_id=prompt.category_id)
        if not _seen_reusable(voter, prompt, pair):
            return battle_create(prompt=prompt, generator_a=pair[0], generator_b=pair[1])
    # Every pair tried would reuse an output this voter saw: generate anew.
    return battle_create(prompt=prompt, generator_a=pair[0], generator_b=pair[1], fresh=True)


def _seen_reusable(voter, prompt: Prompt, pair: tuple[Generator, Generator]) -> bool:
    """Whether the outputs a plain battle on this prompt and pair would reuse were seen."""
    either = Q()
    for generator in pair:
        either |= Q(generator=generator, params_hash=prompt_params_hash(prompt, generator))
    outputs = Generation.objects.filter(either, prompt=prompt, reusable=True).exclude(
        status=Generation.Status.FAILED
    )
    return SeenOutput.objects.filter(voter=voter, generation__in=outputs).exists()
