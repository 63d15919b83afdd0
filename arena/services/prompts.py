"""Battles on prompts that voters type themselves: start one, and try again when it failed."""

from __future__ import annotations

import uuid

from django.db import transaction

from arena.models import PROMPT_MAX_LENGTH, Battle, Category, Kind, Prompt
from arena.selectors import category_guess
from arena.services.battles import battle_create, pick_pair
from arena.services.errors import BattleNotFound, NoPairAvailable, PromptError
from arena.services.limits import prompt_allowance_check
from generation.models import Generation, Generator
from generation.selectors import generators_enabled


def prompt_text_clean(text: str) -> str:
    """The prompt as it will be stored; raises ``PromptError`` when it is empty or too long."""
    text = (text or "").strip()
    if not text:
        raise PromptError("Type a prompt first.")
    if len(text) > PROMPT_MAX_LENGTH:
        raise PromptError(
            f"A prompt can be at most {PROMPT_MAX_LENGTH} characters; this one has {len(text)}."
        )
    return text


@transaction.atomic
def voter_prompt_start(*, voter, text: str, category: Category | None) -> Battle:
    """Store a voter's prompt and start a blind battle on it between two random generators.

    With no ``category``, the nearest one by its description and curated prompts is chosen.
    The prompt is stored inactive: it is not used for other voters' battles until an admin
    turns it on. The battle is kept for this voter; their next claim shows it when ready.
    """
    text = prompt_text_clean(text)
    pair = pick_pair(generators_enabled(kind=Kind.GENERATE))
    if pair is None:
        raise NoPairAvailable("The arena needs two enabled generators of one kind to compare.")
    prompt_allowance_check(voter=voter)
    prompt = Prompt.objects.create(
        text=text,
        category=category if category is not None else category_guess(text),
        source=Prompt.Source.VOTER,
        created_by=voter,
        active=False,
    )
    return battle_create(
        prompt=prompt, generator_a=pair[0], generator_b=pair[1], requested_by=voter
    )


@transaction.atomic
def voter_prompt_retry(*, voter, battle_token) -> Battle:
    """Start a new battle on the prompt of a failed one, with another pair of generators.

    Asking twice (double click) returns the battle the first request started.
    """
    try:
        battle_token = uuid.UUID(str(battle_token))
    except ValueError:
        raise BattleNotFound("No such battle.") from None
    failed = (
        Battle.objects.select_for_update()
        .select_related("prompt", "generation_a", "generation_b")
        .filter(token=battle_token, requested_by=voter)
        .first()
    )
    if failed is None:
        raise BattleNotFound("No such battle.")
    later = Battle.objects.filter(prompt=failed.prompt, requested_by=voter, id__gt=failed.id)
    if later.exists():
        return later.order_by("id").first()
    if failed.status != Battle.Status.FAILED:
        raise PromptError("Only a battle whose generation failed can be tried again.")
    pair = _another_pair(failed)
    if pair is None:
        raise NoPairAvailable("The arena needs two enabled generators of one kind to compare.")
    prompt_allowance_check(voter=voter)
    return battle_create(
        prompt=failed.prompt, generator_a=pair[0], generator_b=pair[1], requested_by=voter
    )


def _another_pair(failed: Battle) -> tuple[Generator, Generator] | None:
    """A random pair, leaving out the generators that failed when two others remain."""
    enabled = generators_enabled(kind=failed.prompt.kind)
    broken = {
        generation.generator_id
        for generation in (failed.generation_a, failed.generation_b)
        if generation.status == Generation.Status.FAILED
    }
    return pick_pair([g for g in enabled if g.id not in broken]) or pick_pair(enabled)
