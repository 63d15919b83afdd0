"""What ratings does when the arena tells it something (connected in RatingsConfig.ready)."""

from __future__ import annotations

from arena.core.queue import enqueue
from arena.models import Kind
from ratings.services.schedule import ratings_schedule
from ratings.tasks import ratings_rebuild


def vote_recorded_schedule(sender, *, category_id: int | None, **kwargs) -> None:
    """Queue the recompute of the new vote's board, which moves its online Elo on."""
    ratings_schedule(category_id=category_id)


def vote_voided_rebuild(sender, *, category_id: int | None, **kwargs) -> None:
    """Recompute the voided vote's boards, their Elo replayed from the start: its category's
    and both overall boards (one holds it; which one is not worth a query here)."""
    boards = [{"category_id": None, "kind": kind} for kind in Kind.values]
    if category_id is not None:
        boards.append({"category_id": category_id})
    for board in boards:
        if not enqueue(ratings_rebuild, **board):
            # No broker: rebuild here, so the void is never left counted until a manual rebuild.
            ratings_rebuild.apply(kwargs=board)
