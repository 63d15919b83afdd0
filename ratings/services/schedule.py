"""Coalescing recomputes: at most one queued and one running per board, at most one every N s.
Votes never wait on this; when the queue is down the periodic sweep catches up."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db.models import Count, Max

from arena.core.cache import add_flag
from arena.models import Category, Kind
from ratings.selectors import board_snapshots
from ratings.services.recompute import rated_votes
from ratings.tasks import ratings_recompute

logger = logging.getLogger(__name__)

# Until when (time.monotonic()) each board's flag is known to be set, so that the votes of a
# burst ask the cache once an interval rather than once each: nothing removes a flag early.
_queued_until: dict[str, float] = {}
_QUEUED_MARGIN_SECONDS = 1.0


def board_key(category_id: int | None, kind: str = Kind.GENERATE) -> str:
    if category_id is not None:
        return f"ratings:board:{category_id}"
    return "ratings:board:overall" + ("" if kind == Kind.GENERATE else f"-{kind}")


def ratings_schedule(*, category_id: int | None, kind: str = Kind.GENERATE) -> None:
    """Queue a recompute of this board (a category's, or the overall board of ``kind``).

    A flag in the cache lives as long as the recompute's countdown, so a burst's votes are
    counted together and at most one recompute per board is queued. The overall board is asked
    for by each category recompute that found new votes, so it follows within two intervals.
    """
    interval = settings.RATINGS_RECOMPUTE_INTERVAL
    queued = f"{board_key(category_id, kind)}:queued"
    now = time.monotonic()
    if _queued_until.get(queued, 0.0) > now:  # set only when not eager, below
        return
    # In-process mode has no later worker to run a delayed recompute: run it now. (Read after
    # the check above: Celery's configuration costs a vote more than the rest of this.)
    eager = ratings_recompute.app.conf.task_always_eager
    if not eager:
        added, ttl = add_flag(queued, timeout=max(interval, 1))
        _queued_until[queued] = now + ttl - _QUEUED_MARGIN_SECONDS
        if not added:
            return
    try:
        ratings_recompute.apply_async(
            kwargs={"category_id": category_id, "kind": kind}, countdown=0 if eager else interval
        )
    except Exception:
        logger.warning("could not queue a recompute; the sweep will do it", exc_info=True)


def board_is_current(*, category: Category | None, kind: str = Kind.GENERATE) -> bool:
    """True when the newest snapshot of the board counts exactly the votes it should now.

    The count matters besides the newest id: a voided vote leaves the newest id as it was.
    """
    kind = category.kind if category is not None else kind
    latest = board_snapshots(category=category, kind=kind).order_by("-computed_at", "-id").first()
    now = rated_votes(category=category, kind=kind).aggregate(last=Max("id"), count=Count("id"))
    return (
        latest is not None
        and latest.last_vote_id == now["last"]
        and latest.vote_count == now["count"]
    )


def boards_behind() -> list[tuple[int | None, str]]:
    """(category id, kind) of the boards whose newest snapshot misses votes; None for the
    overall board of that kind."""
    boards = [(None, kind) for kind in Kind.values]
    boards += [(category, category.kind) for category in Category.objects.all()]
    return [
        (None if category is None else category.id, kind)
        for category, kind in boards
        if not board_is_current(category=category, kind=kind)
    ]
