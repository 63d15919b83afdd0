"""What ratings does when the arena tells it something (connected in RatingsConfig.ready)."""

from __future__ import annotations

from arena.core.queue import enqueue
from ratings.services.schedule import ratings_schedule
from ratings.tasks import ratings_rebuild


def vote_recorded_schedule(sender, *, category_id: int | None, **kwargs) -> None:
    """Queue the recompute of the new vote's board, which moves its online Elo on."""
    ratings_schedule(category_id=category_id)


def vote_voided_rebuild(sender, *, category_id: int | None, **kwargs) -> None:
    """Recompute overall and the voided vote's category, their Elo replayed from the start."""
    for board in [None] if category_id is None else [None, category_id]:
        if not enqueue(ratings_rebuild, category_id=board):
            # No broker: rebuild here, so the void is never left counted until a manual rebuild.
            ratings_rebuild.apply(kwargs={"category_id": board})
