"""Boards, routes and matrices as plain JSON-ready dicts, shared by the API, pages and CSV.

A snapshot never changes, so what it holds is cached under its id; what a generator's admin
may edit (name, price, provider, model) is read fresh on every request and merged in.
"""

from __future__ import annotations

import math

import numpy as np
from django.conf import settings
from django.core.cache import cache

from arena.models import Category
from generation.models import Generator
from ratings.engine.flip import rows_votes_to_flip
from ratings.engine.regret import regret_bounds
from ratings.models import Snapshot, SnapshotRow
from ratings.selectors import (
    NO_CONTROL,
    board_slug,
    rating_points,
    snapshot_latest,
    snapshot_rows,
)

# Snapshots never change; the entry only ages out to free the cache.
SNAPSHOT_CACHE_SECONDS = 24 * 3600


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _row(row) -> dict:
    """A snapshot row as stored: what the snapshot knew, keyed by generator id."""
    decided = row.wins + row.losses + row.ties
    return {
        "generator_id": row.generator_id,
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
        "tier": row.tier,
        "enough_votes": row.votes >= settings.RATINGS_MIN_VOTES,
        "median_latency_ms": _round(row.median_latency_ms, 1),
        "mean_cost": _round(row.mean_cost, 6),
    }


def _with_generator(row: dict, generator: Generator) -> dict:
    """The stored row with the generator's current, editable fields."""
    stored = {k: v for k, v in row.items() if k != "generator_id"}
    return {
        "generator": generator.slug,
        "name": generator.name,
        "provider": generator.provider,
        "model_id": generator.model_id,
        **stored,
        "price_per_output": float(generator.price_per_output),
    }


def _header(snapshot: Snapshot) -> dict:
    category = snapshot.category
    excluded = snapshot.parameters.get("excluded", {})
    return {
        "board": board_slug(category),
        "kind": snapshot.kind,
        "category": None if category is None else {"slug": category.slug, "name": category.name},
        "computed_at": snapshot.computed_at.isoformat(),
        "votes_total": snapshot.vote_count,
        "votes_excluded": {k: v for k, v in excluded.items() if k != "voter_reasons"},
        "voters_excluded": _voters_excluded(excluded),
        "last_vote_id": snapshot.last_vote_id,
        "method": snapshot.method,
        "parameters": snapshot.parameters,
        "seed": snapshot.seed,
        "position": _round(snapshot.position),
        "snapshot": snapshot.id,
        # "style" on a style-controlled board (its plain one: "plain_snapshot"), else "none".
        "control": "none" if snapshot.plain_id is None else "style",
        "plain_snapshot": snapshot.plain_id,
        # Votes with measured outputs; on a style-controlled board, what each feature is worth.
        "style": (snapshot.parameters or {}).get("style"),
    }


def _voters_excluded(excluded: dict) -> dict:
    """Votes left out because their voters are excluded, and by which test (or by hand)."""
    return {"votes": excluded.get("voter", 0), "reasons": excluded.get("voter_reasons", {})}


def board_payload(snapshot: Snapshot) -> dict:
    """A stored board with one row per generator, best first."""
    key = f"ratings:board:v3:{snapshot.id}"
    stored = cache.get(key)
    if stored is None:
        rows = [_row(row) for row in snapshot_rows(snapshot)]
        regret, flip = _regret_by_id(snapshot, rows)
        rows = [
            {**r, "regret_bound": regret.get(r["generator_id"]),
             "votes_to_flip": flip.get(r["generator_id"])}
            for r in rows
        ]  # fmt: skip
        if snapshot.plain_id is not None:
            rows = _with_plain_ranks(snapshot.plain_id, rows)
        stored = {**_header(snapshot), "rows": rows}
        cache.set(key, stored, SNAPSHOT_CACHE_SECONDS)
    ids = [row["generator_id"] for row in stored["rows"]]
    generators = Generator.objects.in_bulk(ids)
    rows = [_with_generator(r, generators[r["generator_id"]]) for r in stored["rows"]]
    return {**stored, "rows": rows}


def _with_plain_ranks(plain_id: int, rows: list[dict]) -> list[dict]:
    """Rows of a style-controlled board with the plain board's rank, and how far each moved
    (positive: up, once looks are taken out)."""
    plain = dict(
        SnapshotRow.objects.filter(snapshot_id=plain_id).values_list("generator_id", "rank")
    )
    return [
        {
            **r,
            "rank_plain": plain.get(r["generator_id"]),
            "rank_change": None
            if r["rank"] is None or plain.get(r["generator_id"]) is None
            else plain[r["generator_id"]] - r["rank"],
        }
        for r in rows
    ]


def _regret_by_id(snapshot: Snapshot, rows: list[dict]) -> tuple[dict, dict]:
    """Each established generator's regret bound and each rated one's votes to flip, in rating
    points, at the route's error rate; none for a snapshot stored without a covariance."""
    matrices = snapshot.matrices or {}
    values, ids = matrices.get("covariance"), matrices.get("generators", [])
    stored = {r["generator_id"]: r for r in rows}
    keep = [k for k, g in enumerate(ids) if g in stored and stored[g]["rated"]]
    if values is None or not keep:
        return {}, {}
    points = rating_points(snapshot.parameters)
    cov = np.array([[values[a][b] for b in keep] for a in keep], dtype=float) / points**2
    rated = [stored[ids[k]] for k in keep]
    theta = np.array([r["rating"] for r in rated], dtype=float) / points
    established = np.array([r["votes"] >= settings.RATINGS_MIN_VOTES for r in rated])
    bounds = regret_bounds(theta, cov, established, error_rate=settings.RATINGS_ERROR_RATE)
    pairs = zip(keep, bounds, strict=True)
    flips = zip(keep, rows_votes_to_flip(theta, cov), strict=True)
    return (
        {ids[k]: round(float(b) * points, 1) for k, b in pairs if not math.isnan(b)},
        {ids[k]: n for k, n in flips if n is not None},
    )


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


def boards_latest(*, kind: str, control: str = NO_CONTROL) -> list[Snapshot]:
    """The newest snapshot of every board of one kind that has one: the overall board of that
    kind first, then its categories by name. With ``control="style"``, the style-controlled
    boards, where there were enough votes with measured outputs for one."""
    boards: list[Category | None] = [None, *Category.objects.filter(kind=kind).order_by("name")]
    latest = (snapshot_latest(category=board, kind=kind, control=control) for board in boards)
    return [snapshot for snapshot in latest if snapshot is not None]
