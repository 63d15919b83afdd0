"""The online Elo of a board, moved on by each recompute from the votes it has not replayed.

The board's EloRating rows are its whole state. When the counted votes up to the last replayed
id are no longer the number the rows hold (a vote voided, flagged, a setting changed, or a
lower id committed late), the board is replayed from its first vote: the Elo always equals a
replay of the votes the board counts, in id order.
"""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from ratings.engine import elo_online
from ratings.models import EloRating

# Score of the left side; "both bad" counts as a tie unless the board leaves it out.
SCORES = {"left": 1.0, "right": 0.0, "tie": 0.5, "both_bad": 0.5}


@transaction.atomic
def elo_replay(*, category, votes: QuerySet, from_start: bool = False) -> dict[int, float]:
    """Move the board's online Elo on by the ``votes`` it has not replayed (all with
    ``from_start``); {generator: Elo}. The rows are locked so two replays cannot interleave."""
    rows = {
        row.generator_id: row
        for row in EloRating.objects.select_for_update().filter(category=category).order_by("id")
    }
    last = max((row.last_vote_id or 0 for row in rows.values()), default=0)
    held = sum(row.votes for row in rows.values()) // 2
    if not from_start and votes.filter(id__lte=last).count() == held:
        new = votes.filter(id__gt=last)
    else:
        for row in rows.values():
            row.rating, row.votes, row.last_vote_id = settings.RATINGS_ELO_INITIAL, 0, None
        new = votes
    _apply(category, rows, list(new.order_by("id").values_list(*VOTE_FIELDS)))
    EloRating.objects.bulk_update(
        [row for row in rows.values() if row.pk], ["rating", "votes", "last_vote_id"]
    )
    EloRating.objects.bulk_create([row for row in rows.values() if not row.pk])
    return {gid: row.rating for gid, row in rows.items()}


VOTE_FIELDS = ("id", "shown_left_id", "shown_right_id", "choice")


def _apply(category, rows: dict[int, EloRating], votes: list[tuple]) -> None:
    """Replay ``votes`` (id order) onto ``rows``, adding the rows of generators new to the board."""
    if not votes:
        return
    for _, *sides, _ in votes:
        for gid in sides:
            if gid not in rows:
                rows[gid] = EloRating(
                    category=category, generator_id=gid, rating=settings.RATINGS_ELO_INITIAL
                )
    generator_ids = list(rows)
    index = {gid: i for i, gid in enumerate(generator_ids)}
    left = np.array([index[v[1]] for v in votes], dtype=np.int64)
    right = np.array([index[v[2]] for v in votes], dtype=np.int64)
    ratings = elo_online(
        len(generator_ids),
        left,
        right,
        np.array([SCORES[v[3]] for v in votes], dtype=float),
        k=settings.RATINGS_ELO_K,
        scale=settings.RATINGS_ELO_SCALE,
        base=settings.RATINGS_ELO_BASE,
        initial=[rows[gid].rating for gid in generator_ids],
    )
    played = np.bincount(np.concatenate([left, right]), minlength=len(generator_ids))
    last = {}
    for vote_id, shown_left, shown_right, _ in votes:
        last[shown_left] = last[shown_right] = vote_id
    for gid, i in index.items():
        row = rows[gid]
        row.rating, row.votes = float(ratings[i]), row.votes + int(played[i])
        row.last_vote_id = last.get(gid, row.last_vote_id)


def elo_of(votes: QuerySet) -> dict[int, EloRating]:
    """The online Elo of ``votes`` replayed in memory, by generator id: for the overall boards,
    which keep no rows of their own."""
    rows: dict[int, EloRating] = {}
    _apply(None, rows, list(votes.order_by("id").values_list(*VOTE_FIELDS)))
    return rows
