"""Celery tasks of the ratings app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from arena.core.queue import enqueue
from arena.models import Category

RUNNING_LOCK_SECONDS = 600


@shared_task(bind=True, max_retries=20)
def ratings_recompute(self, category_id: int | None = None) -> str:
    """Recompute one board unless its snapshot is current; one run per board at a time."""
    from ratings.services import board_is_current, board_key, leaderboard_recompute

    category = None
    if category_id is not None:
        category = Category.objects.filter(id=category_id).first()
        if category is None:
            return "missing"
    lock = f"{board_key(category_id)}:running"
    if not cache.add(lock, 1, timeout=RUNNING_LOCK_SECONDS):
        raise self.retry(countdown=max(settings.RATINGS_RECOMPUTE_INTERVAL, 1))
    try:
        if board_is_current(category=category):
            return "current"
        snapshot = leaderboard_recompute(category=category)
        return f"snapshot {snapshot.id}"
    finally:
        cache.delete(lock)


@shared_task
def ratings_recompute_stale() -> int:
    """Queue a recompute of every board whose newest snapshot misses votes."""
    from ratings.services import boards_behind

    behind = boards_behind()
    for category_id in behind:
        enqueue(ratings_recompute, category_id=category_id)
    return len(behind)
