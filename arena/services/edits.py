"""Edit prompts: a source image (and optional mask) checked and stored, and battles on them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from PIL import Image

from arena.models import Battle, Category, Kind, Prompt
from arena.selectors import category_guess
from arena.services.battles import battle_create, pick_pair
from arena.services.errors import NoPairAvailable, PromptError
from arena.services.limits import prompt_allowance_check
from arena.services.prompts import prompt_text_clean
from generation.selectors import generators_enabled
from generation.sources import SourceImageError, mask_decode, source_decode, source_store

NO_EDITORS = "The arena needs two enabled generators that can edit images to compare."


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
def edit_prompt_create(
    *, text: str, category: Category, image: bytes, mask: bytes | None = None, active=True
) -> Prompt:
    """A curated edit prompt: the instruction and its checked, stripped source image."""
    if category.kind != Kind.EDIT:
        raise PromptError(f"{category.name} is not an edit category.")
    text = prompt_text_clean(text)
    source_image, source_mask = source_check(image=image, mask=mask).store()
    prompt, _ = Prompt.objects.get_or_create(
        text=text,
        category=category,
        source_image=source_image,
        defaults={"source_mask": source_mask, "active": active},
    )
    return prompt


@transaction.atomic
def voter_edit_start(
    *, voter, text: str, image: bytes, mask: bytes | None, category: Category | None
) -> Battle:
    """Store a voter's picture and instruction and start a blind edit battle on them.

    As for typed prompts: with no ``category`` the nearest edit category is chosen, the prompt
    is stored inactive, and the battle is kept for this voter. A file that is not a picture,
    or is too large, is refused before anything is stored or counted against the hourly limit.
    """
    text = prompt_text_clean(text)
    if category is not None and category.kind != Kind.EDIT:
        raise PromptError(f"{category.name} is not an edit category; pick an edit category.")
    checked = source_check(image=image, mask=mask)
    pair = pick_pair(generators_enabled(kind=Kind.EDIT))
    if pair is None:
        raise NoPairAvailable(NO_EDITORS)
    prompt_allowance_check(voter=voter)
    source_image, source_mask = checked.store()
    prompt = Prompt.objects.create(
        text=text,
        category=category if category is not None else category_guess(text, kind=Kind.EDIT),
        source=Prompt.Source.VOTER,
        created_by=voter,
        active=False,
        source_image=source_image,
        source_mask=source_mask,
    )
    return battle_create(
        prompt=prompt, generator_a=pair[0], generator_b=pair[1], requested_by=voter
    )
