"""Reads of the generation app."""

from __future__ import annotations

import statistics
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

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


def generator_stats() -> dict[int, dict]:
    """Per generator: outputs, failures, median latency (ms) and mean cost of its outputs."""
    counts = Generation.objects.values("generator_id").annotate(
        outputs=Count("id", filter=Q(status=Generation.Status.SUCCEEDED)),
        failures=Count("id", filter=Q(status=Generation.Status.FAILED)),
    )
    stats = {row["generator_id"]: {**row, "latencies": [], "costs": []} for row in counts}
    recent = (
        Generation.objects.filter(status=Generation.Status.SUCCEEDED, latency_ms__isnull=False)
        .order_by("-id")
        .values_list("generator_id", "latency_ms", "cost")[:50000]
    )
    for generator_id, latency, cost in recent:
        stats[generator_id]["latencies"].append(latency)
        if cost is not None:
            stats[generator_id]["costs"].append(cost)
    return {gid: _summary(row) for gid, row in stats.items()}


def _summary(row: dict) -> dict:
    latencies, costs = row["latencies"], row["costs"]
    return {
        "outputs": row["outputs"],
        "failures": row["failures"],
        "median_latency_ms": statistics.median(latencies) if latencies else None,
        "mean_cost": float(sum(costs, Decimal(0)) / len(costs)) if costs else None,
    }
