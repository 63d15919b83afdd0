"""Curated edit prompts: an instruction and a source image (and optional mask), checked and
stored. Voters' own edits start in :mod:`arena.services.prompts`, as typed prompts do."""

from __future__ import annotations

from django.db import transaction

from arena.models import Category, Kind, Prompt
from arena.services.errors import PromptError
from arena.services.prompts import prompt_text_clean, source_check


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
