"""Reads of the ratings app: boards, their newest snapshots, their rows."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.cache import cache

from arena.models import Category, Vote
from generation.sources import source_hash
from ratings.battles_io import battle_record
from ratings.models import EloRating, Snapshot, SnapshotRow

OVERALL = "overall"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")
LATEST_SECONDS = 5
CATEGORY_SECONDS = 30


class UnknownBoard(LookupError):
    pass


def board_category(slug: str | None) -> Category | None:
    """The category of a board slug; ``overall`` (or nothing) is the board of all votes."""
    if slug in (None, "", OVERALL):
        return None
    key = f"ratings:category:{slug}"
    category = cache.get(key) if SLUG.fullmatch(slug) else None
    if category is None and SLUG.fullmatch(slug):
        category = Category.objects.filter(slug=slug).first()
        if category is not None:
            cache.set(key, category, CATEGORY_SECONDS)
    if category is None:
        known = ", ".join([OVERALL, *Category.objects.values_list("slug", flat=True)])
        raise UnknownBoard(f"Unknown category {slug!r}; known: {known}.")
    return category


def board_slug(category: Category | None) -> str:
    return OVERALL if category is None else category.slug


def latest_cache_key(category_id: int | None) -> str:
    return f"ratings:latest:{'overall' if category_id is None else category_id}"


def snapshot_latest(*, category: Category | None) -> Snapshot | None:
    """The newest snapshot of a board, without its matrices (loaded when asked for).

    Cached for LATEST_SECONDS: a recompute clears the entry in the cache it can reach, so with
    a shared cache (CACHE_URL) readers see a new snapshot at once, and within LATEST_SECONDS
    with per-process caches.
    """
    key = latest_cache_key(category.id if category else None)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    snapshot = (
        Snapshot.objects.filter(category=category)
        .defer("matrices")
        .order_by("-computed_at", "-id")
        .first()
    )
    cache.set(key, snapshot or False, LATEST_SECONDS)
    return snapshot


def snapshot_rows(snapshot: Snapshot) -> list[SnapshotRow]:
    """Rated rows by rank, then unrated ones by name."""
    rows = list(snapshot.rows.select_related("generator"))
    return sorted(rows, key=lambda r: (not r.rated, r.rank or 0, r.generator.name))


def elo_board(*, category: Category | None) -> list[EloRating]:
    return list(
        EloRating.objects.filter(category=category)
        .select_related("generator")
        .order_by("-rating", "generator__name")
    )


def battle_records(*, category: Category | None) -> Iterator[dict]:
    """Votes in id order as public-format records, streamed in chunks."""
    votes = Vote.objects.order_by("id")
    if category is not None:
        votes = votes.filter(category=category)
    fields = (
        "shown_left__name", "shown_right__name", "choice", "category__slug", "created_at",
        "judge", "voter__username", "question_id", "battle__prompt_id",
        "battle__prompt__source_image",
    )  # fmt: skip
    for row in votes.values_list(*fields).iterator(chunk_size=2000):
        left, right, choice, slug, created, judge, username, question, prompt_id, source = row
        yield battle_record(
            model_a=left,
            model_b=right,
            choice=choice,
            category=slug,
            tstamp=created,
            judge=judge or username or "",
            question_id=question or (str(prompt_id) if prompt_id else ""),
            source_sha256=source_hash(source or ""),
        )


def rating_history(*, category: Category | None, generator_ids: list[int], snapshots: int = 100):
    """(computed_at, generator id, rating) of the newest ``snapshots`` snapshots of a board."""
    ids = list(
        Snapshot.objects.filter(category=category)
        .order_by("-computed_at", "-id")
        .values_list("id", flat=True)[:snapshots]
    )
    return (
        SnapshotRow.objects.filter(
            snapshot_id__in=ids, generator_id__in=generator_ids, rating__isnull=False
        )
        .order_by("snapshot__computed_at")
        .values_list("snapshot__computed_at", "generator_id", "rating")
    )
