"""Reads of the generation app."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from generation.models import Generation, Generator
from generation.outputs import output_location


def generator_lookup(identifier: str) -> Generator | None:
    """A generator by slug, or by name in any case."""
    return Generator.objects.filter(Q(slug=identifier) | Q(name__iexact=identifier)).first()


def generators_enabled(*, kind: str) -> list[Generator]:
    """Enabled generators that can make battles of ``kind`` (``generate`` or ``edit``)."""
    both = Generator.Capability.BOTH
    return list(Generator.objects.filter(enabled=True, capabilities__in=[kind, both]))


def generation_summary(generation: Generation) -> dict[str, Any]:
    """What an operator wants to know about one generation, as plain JSON-ready values."""
    name = generation.file.name
    return {
        "generation": generation.id,
        "generator": generation.generator.slug,
        "status": generation.status,
        "stored_at": output_location(name) if name else None,
        "media_type": generation.media_type or None,
        "text": generation.text or None,
        "latency_ms": generation.latency_ms,
        "cost": None if generation.cost is None else str(generation.cost),
        "model_version": generation.model_version or None,
        "error": generation.error or None,
    }
