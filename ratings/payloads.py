"""Boards, routes and matrices as plain JSON-ready dicts, shared by the API, pages and CSV.

Ratings in a snapshot never change, so payloads are cached by snapshot id; a new snapshot gets
new keys. Prices and latencies in them come from the generators and may lag edits by up to
CACHE_SECONDS.
"""

from __future__ import annotations

import statistics
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from arena.models import Category
from generation.models import Generation, Generator
from ratings.models import Snapshot
from ratings.selectors import board_slug, snapshot_latest, snapshot_rows

CACHE_SECONDS = 30
STATS_SECONDS = 60


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def generator_stats() -> dict[int, dict]:
    """Per generator: outputs, failures, median latency (ms) and mean cost of its outputs."""
    cached = cache.get("ratings:generator-stats")
    if cached is not None:
        return cached
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
    result = {gid: _summary(row) for gid, row in stats.items()}
    cache.set("ratings:generator-stats", result, STATS_SECONDS)
    return result


def _summary(row: dict) -> dict:
    latencies, costs = row["latencies"], row["costs"]
    return {
        "outputs": row["outputs"],
        "failures": row["failures"],
        "median_latency_ms": statistics.median(latencies) if latencies else None,
        "mean_cost": float(sum(costs, Decimal(0)) / len(costs)) if costs else None,
    }


def _row(row, stats: dict) -> dict:
    generator = row.generator
    own = stats.get(generator.id, {})
    decided = row.wins + row.losses + row.ties
    return {
        "generator": generator.slug,
        "name": generator.name,
        "provider": generator.provider,
        "model_id": generator.model_id,
        "rated": row.rated,
        "rating": _round(row.rating),
        "ci_lower": _round(row.ci_lower),
        "ci_upper": _round(row.ci_upper),
        "elo": _round(row.elo),
        "rank": row.rank,
        "rank_lower": row.rank_lower,
        "rank_upper": row.rank_upper,
        "votes": row.votes,
        "wins": row.wins,
        "losses": row.losses,
        "ties": row.ties,
        "win_rate": _round((row.wins + row.ties / 2) / decided, 4) if decided else None,
        "p_best": _round(row.p_best, 4),
        "enough_votes": row.votes >= settings.RATINGS_MIN_VOTES,
        "price_per_output": float(generator.price_per_output),
        "median_latency_ms": own.get("median_latency_ms"),
        "mean_cost": own.get("mean_cost"),
    }


def _header(snapshot: Snapshot) -> dict:
    category = snapshot.category
    return {
        "board": board_slug(category),
        "category": None if category is None else {"slug": category.slug, "name": category.name},
        "computed_at": snapshot.computed_at.isoformat(),
        "votes_total": snapshot.vote_count,
        "votes_excluded": snapshot.parameters.get("excluded", {}),
        "last_vote_id": snapshot.last_vote_id,
        "method": snapshot.method,
        "parameters": snapshot.parameters,
        "seed": snapshot.seed,
        "position": _round(snapshot.position),
        "snapshot": snapshot.id,
    }


def board_payload(snapshot: Snapshot) -> dict:
    """A stored board with one row per generator, best first."""
    key = f"ratings:board:{snapshot.id}"
    payload = cache.get(key)
    if payload is None:
        stats = generator_stats()
        rows = [_row(row, stats) for row in snapshot_rows(snapshot)]
        payload = {**_header(snapshot), "rows": rows}
        cache.set(key, payload, CACHE_SECONDS)
    return payload


def matrix_payload(snapshot: Snapshot) -> dict:
    """Pairwise observed win rates, battle counts and predicted win probabilities."""
    ids = snapshot.matrices.get("generators", [])
    slugs = dict(Generator.objects.filter(id__in=ids).values_list("id", "slug"))
    return {
        **_header(snapshot),
        "generators": [slugs.get(gid) for gid in ids],
        "win_rate": snapshot.matrices.get("win_rate", []),
        "counts": snapshot.matrices.get("counts", []),
        "predicted": snapshot.matrices.get("predicted", []),
    }


def boards_latest() -> list[Snapshot]:
    """The newest snapshot of every board that has one: overall first, then by category name."""
    boards: list[Category | None] = [None, *Category.objects.order_by("name")]
    return [s for s in (snapshot_latest(category=b) for b in boards) if s is not None]
