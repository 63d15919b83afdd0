"""Battles on voters' own prompts (typed, or a picture to edit): start one, retry a failed one.

Their outputs are always fresh (a seed of their own where the provider takes one), never
reused: a voter who types a pool battle's prompt must learn nothing of its sides from their own
battle's reveal. Comparing texts could not catch every request a provider treats as the same. A
provider without a seed may still repeat itself; what a voter saw is recorded by content
(services.unseen), so pool battles holding a repeat are never theirs to judge.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from PIL import Image

from arena.models import PROMPT_MAX_LENGTH, Battle, Category, Kind, Prompt
from arena.selectors import category_ranking
from arena.services.battles import battle_create, pick_pair
from arena.services.errors import BattleNotFound, CategoryUnclear, NoPairAvailable, PromptError
from arena.services.limits import prompt_allowance_check
from generation.models import Generation, Generator
from generation.selectors import generators_enabled
from generation.sources import SourceImageError, mask_decode, source_decode, source_store

_NO_PAIR = {
    Kind.GENERATE: "The arena needs two enabled generators of one kind to compare.",
    Kind.EDIT: "The arena needs two enabled generators that can edit images to compare.",
}
_A_CATEGORY = {Kind.GENERATE: "a generation category", Kind.EDIT: "an edit category"}


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


@dataclass(frozen=True)
class CheckedSource:
    """A decoded source image and mask, not stored yet."""

    image: Image.Image
    mask: Image.Image | None

    def store(self) -> tuple[str, str]:
        """Storage names of the image and the mask ("" for none)."""
        return source_store(self.image), source_store(self.mask) if self.mask else ""


def source_check(*, image: bytes, mask: bytes | None = None) -> CheckedSource:
    """Decode and check an upload; raises ``PromptError`` (400) with the reason, storing nothing."""
    try:
        decoded = source_decode(image)
        return CheckedSource(decoded, mask_decode(mask, size=decoded.size) if mask else None)
    except SourceImageError as exc:
        raise PromptError(str(exc)) from None


@transaction.atomic
def voter_battle_start(
    *,
    voter,
    text: str,
    category: Category | None,
    image: bytes | None = None,
    mask: bytes | None = None,
) -> Battle:
    """Store a voter's prompt (with ``image``: their picture to edit) and start a battle on it
    for them alone, with fresh outputs, filed in the nearest category when none is given.

    The prompt is stored inactive until an admin turns it on. Bad input is refused before
    anything is stored or counted against the hourly limit.
    """
    kind = Kind.EDIT if image is not None else Kind.GENERATE
    text = prompt_text_clean(text)
    if category is not None and category.kind != kind:
        raise PromptError(f"{category.name} is not {_A_CATEGORY[kind]}; pick one from the list.")
    checked = source_check(image=image, mask=mask) if image is not None else None
    pair = pick_pair(generators_enabled(kind=kind))
    if pair is None:
        raise NoPairAvailable(_NO_PAIR[kind])
    if category is None:
        category = _category_guessed(text, kind=kind)
    prompt_allowance_check(voter=voter)
    source_image, source_mask = checked.store() if checked is not None else ("", "")
    prompt = Prompt.objects.create(
        text=text,
        category=category,
        source=Prompt.Source.VOTER,
        created_by=voter,
        active=False,
        source_image=source_image,
        source_mask=source_mask,
    )
    return _own_battle_create(voter, prompt, pair)


def _own_battle_create(voter, prompt: Prompt, pair: tuple[Generator, Generator]) -> Battle:
    """A battle on a voter's own prompt: kept for them, with outputs of its own."""
    return battle_create(
        prompt=prompt, generator_a=pair[0], generator_b=pair[1], requested_by=voter, fresh=True
    )


def _category_guessed(text: str, *, kind: str) -> Category | None:
    """The category to file the prompt in (None when there is none); ``CategoryUnclear`` when
    the guess is not sure, so that the voter picks instead of votes landing on the wrong board."""
    guessed = category_ranking(text, kind=kind)
    if guessed.sure or not Category.objects.filter(kind=kind).exists():
        return guessed.category
    if guessed.category is None:
        raise CategoryUnclear("The arena cannot tell which category this is: pick one.")
    raise CategoryUnclear(
        f"Is this {guessed.category.name} or {guessed.runner_up.name}? "
        "The arena cannot tell: pick the category."
    )


@transaction.atomic
def voter_prompt_retry(*, voter, battle_token) -> Battle:
    """Start a new battle on a failed one's prompt, with another pair; asking twice returns
    the battle the first request started."""
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
        raise NoPairAvailable(_NO_PAIR[failed.prompt.kind])
    prompt_allowance_check(voter=voter)
    return _own_battle_create(voter, failed.prompt, pair)


def _another_pair(failed: Battle) -> tuple[Generator, Generator] | None:
    """A random pair, leaving out the generators that failed when two others remain."""
    enabled = generators_enabled(kind=failed.prompt.kind)
    broken = {
        generation.generator_id
        for generation in (failed.generation_a, failed.generation_b)
        if generation.status == Generation.Status.FAILED
    }
    return pick_pair([g for g in enabled if g.id not in broken]) or pick_pair(enabled)
