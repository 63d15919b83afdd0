"""Celery tasks of the ratings app."""

from __future__ import annotations

from contextlib import contextmanager

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from arena.core.lease import lease
from arena.core.queue import enqueue
from arena.models import Category, Kind

# Tasks import services inside their bodies; services import tasks at module level.

VOTERS_QUEUED = "ratings:voters:queued"
VOTERS_EVERY = 60  # seconds


@contextmanager
def _board_held(task, category_id: int | None, kind: str):
    """``(category, kind)`` of the board, held for this run (None: the category is gone).

    While another run holds it, the task retries: never given up, since the run holding the
    board renews its lease while it works and the lease of a worker that died lapses within
    RATINGS_RECOMPUTE_LEASE_SECONDS, so waiting ends.
    """
    from ratings.services import board_key

    category = None
    if category_id is not None:
        category = Category.objects.filter(id=category_id).first()
        if category is None:
            yield None
            return
        kind = category.kind
    key = f"{board_key(category_id, kind)}:running"
    with lease(key, seconds=settings.RATINGS_RECOMPUTE_LEASE_SECONDS) as held:
        if not held:
            raise task.retry(countdown=max(settings.RATINGS_RECOMPUTE_INTERVAL, 1))
        yield category, kind


# No retry limit: a retry here only ever waits for another run of the same board (see above).
@shared_task(bind=True, max_retries=None)
def ratings_recompute(self, category_id: int | None = None, kind: str = Kind.GENERATE) -> str:
    """Recompute one board unless its snapshot is current; one run per board at a time. A category
    with new votes then asks for its kind's overall board (votes ask for their category's only)."""
    from ratings.services import board_is_current, leaderboard_recompute, ratings_schedule

    with _board_held(self, category_id, kind) as board:
        if board is None:
            return "missing"
        category, kind = board
        if board_is_current(category=category, kind=kind):
            return "current"
        snapshot = leaderboard_recompute(category=category, kind=kind)
    if category is not None:
        ratings_schedule(category_id=None, kind=kind)
    elif voters_refresh.app.conf.task_always_eager or cache.add(VOTERS_QUEUED, 1, VOTERS_EVERY):
        # The overall board follows every category's: the voters' tests read the new boards.
        # They read every vote, so they run at most once a minute however busy the arena is.
        enqueue(voters_refresh)
    return f"snapshot {snapshot.id}"


@shared_task
def voters_refresh() -> int:
    """Run the voters' tests; when a voter came into or out of exclusion, recompute the boards
    that now count other votes. Returns how many voters did."""
    from ratings.services.raters import standings_refresh

    changed = standings_refresh()
    if changed:
        ratings_recompute_stale()
    return changed


@shared_task(bind=True, max_retries=None)
def ratings_rebuild(self, category_id: int | None = None, kind: str = Kind.GENERATE) -> str:
    """Recompute a board with its online Elo replayed from the first vote (after a void)."""
    from ratings.services import leaderboard_recompute

    with _board_held(self, category_id, kind) as board:
        if board is None:
            return "missing"
        category, kind = board
        snapshot = leaderboard_recompute(category=category, kind=kind, elo_from_start=True)
        return f"snapshot {snapshot.id}"


@shared_task
def ratings_recompute_stale() -> int:
    """Queue a recompute of every board whose newest snapshot misses votes."""
    from ratings.services import boards_behind

    behind = boards_behind()
    for category_id, kind in behind:
        enqueue(ratings_recompute, category_id=category_id, kind=kind)
    return len(behind)
