"""Writes of output styles: measured when an output is stored, and filled in for older ones.

A style is measured once per generation (:mod:`generation.features`): the first write wins
and a second is a no-op, so the store and a running ``measure_styles`` never clash. A picture
that cannot be measured (its file gone, a source image missing) is logged and left without a
style; it never fails the generation, and the ratings leave its battles out of style control.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.core.files.storage import default_storage

from generation.models import Generation, OutputStyle
from generation.sources import UNREADABLE, read_source

logger = logging.getLogger(__name__)


def output_style_measure(*, content: bytes, prompt) -> dict[str, float]:
    """The style features of an output's stored bytes; an edit's also compare its source."""
    from generation.features import decode, image_features, preservation

    pixels = decode(content)
    values = image_features(pixels)
    if prompt.source_image:
        source = decode(read_source(prompt.source_image))
        mask_bytes = read_source(prompt.source_mask)
        mask = decode(mask_bytes) if mask_bytes else None
        values["preservation"] = preservation(pixels, source, mask)
    return values


def output_style_record(*, generation_id: int, content: bytes, prompt) -> bool:
    """Measure and store one output's style unless it has one; True when stored."""
    try:
        values = output_style_measure(content=content, prompt=prompt)
    except UNREADABLE as exc:
        logger.warning("style of generation %s not measured: %s", generation_id, exc)
        return False
    created = OutputStyle.objects.bulk_create(
        [OutputStyle(generation_id=generation_id, **values)], ignore_conflicts=True
    )
    return bool(created)


def unmeasured_outputs():
    """Stored image outputs that have no style yet, oldest first."""
    return (
        Generation.objects.filter(
            status=Generation.Status.SUCCEEDED, style__isnull=True, media_type__startswith="image/"
        )
        .exclude(file="")
        .select_related("prompt")
        .order_by("id")
    )


def output_styles_fill(*, limit: int | None = None) -> Iterator[bool]:
    """Measure the outputs stored without a style, yielding whether each was stored."""
    outputs = unmeasured_outputs()
    if limit is not None:
        outputs = outputs[:limit]
    for generation in outputs.iterator(chunk_size=200):
        try:
            with default_storage.open(generation.file.name, "rb") as stored:
                content = stored.read()
        except OSError as exc:
            logger.warning("output of generation %s unreadable: %s", generation.id, exc)
            yield False
            continue
        yield output_style_record(
            generation_id=generation.id, content=content, prompt=generation.prompt
        )
