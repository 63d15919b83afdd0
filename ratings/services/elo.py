"""Online Elo, moved inside the transaction of each vote.

The rows of both generators on both boards (overall and the vote's category) are locked
before the vote is inserted. Two votes that share a row are therefore numbered in the order
their updates apply, so replaying votes by id reproduces the online ratings exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction

from arena.core.db import prepared_cursor
from ratings.engine import elo_online, elo_update
from ratings.models import EloRating

SCORES = {"left": 1.0, "right": 0.0, "tie": 0.5, "both_bad": 0.5}


def vote_score(choice: str) -> float | None:
    """Score of the left side, or None when the vote does not count (both bad, if dropped)."""
    if choice == "both_bad" and settings.RATINGS_BOTH_BAD == "drop":
        return None
    return SCORES[choice]


@dataclass
class EloRow:
    """One locked Elo row, as the vote that moves it reads and writes it."""

    id: int
    category_id: int | None
    generator_id: int
    rating: float
    votes: int
    last_vote_id: int | None = None


def _locked_rows(category_id: int | None, generator_ids: tuple[int, int]) -> dict:
    # Plain SQL: this runs inside every vote (see arena.services.votes). A NULL category_id
    # matches no row through "=", so a vote without a category locks the overall rows only.
    with prepared_cursor() as cursor:
        lock = " FOR UPDATE" if cursor.wrapper.features.has_select_for_update else ""
        cursor.execute(
            f"SELECT id, category_id, generator_id, rating, votes FROM {EloRating._meta.db_table} "
            "WHERE generator_id IN (%s, %s) AND (category_id IS NULL OR category_id = %s) "
            f"ORDER BY id{lock}",
            [*generator_ids, category_id],
        )
        rows = [EloRow(*row) for row in cursor.fetchall()]
    return {(row.category_id, row.generator_id): row for row in rows}


def elo_lock(*, category_id: int | None, generator_ids: tuple[int, int]) -> dict:
    """Lock (creating if needed) the Elo rows a vote will move; keyed by (category, generator)."""
    boards = [None] if category_id is None else [None, category_id]
    rows = _locked_rows(category_id, generator_ids)
    if len(rows) == len(boards) * len(generator_ids):
        return rows
    # First votes of a generator on a board: create its rows (a racing vote may win; fine).
    EloRating.objects.bulk_create(
        [
            EloRating(category_id=board, generator_id=gid, rating=settings.RATINGS_ELO_INITIAL)
            for board in boards
            for gid in generator_ids
            if (board, gid) not in rows
        ],
        ignore_conflicts=True,
    )
    return _locked_rows(category_id, generator_ids)


def elo_apply(*, rows: dict, vote_id: int, choice: str, sides: tuple[int, int]) -> None:
    """Move the locked rows by one vote (``sides``: the generators shown left and right)."""
    score = vote_score(choice)
    if score is None:
        return
    boards = {category for category, _ in rows}
    for board in boards:
        left, right = rows[(board, sides[0])], rows[(board, sides[1])]
        new_left, new_right = elo_update(
            left.rating,
            right.rating,
            score,
            k=settings.RATINGS_ELO_K,
            scale=settings.RATINGS_ELO_SCALE,
            base=settings.RATINGS_ELO_BASE,
        )
        left.rating, right.rating = float(new_left), float(new_right)
        for row in (left, right):
            row.votes += 1
            row.last_vote_id = vote_id
    # One statement for all rows, and little work while the vote holds their locks.
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    with prepared_cursor() as cursor:
        cursor.execute(
            f"WITH moved (id, rating, votes, last_vote_id) AS (VALUES {values}) "
            f"UPDATE {EloRating._meta.db_table} SET rating = moved.rating, "
            "votes = moved.votes, last_vote_id = moved.last_vote_id "
            f"FROM moved WHERE {EloRating._meta.db_table}.id = moved.id",
            [x for row in rows.values() for x in (row.id, row.rating, row.votes, row.last_vote_id)],
        )


@transaction.atomic
def elo_rebuild(*, category) -> int:
    """Replay a board's votes in id order and store the resulting online Elo; returns votes used.

    Used after an import, or to check that the online ratings match their votes.
    """
    from ratings.services.recompute import board_votes

    rows = list(
        board_votes(category=category)
        .order_by("id")
        .values_list("id", "shown_left_id", "shown_right_id", "choice")
    )
    generator_ids = sorted({r[1] for r in rows} | {r[2] for r in rows})
    index = {gid: i for i, gid in enumerate(generator_ids)}
    ratings = elo_online(
        len(generator_ids),
        np.array([index[r[1]] for r in rows], dtype=np.int64),
        np.array([index[r[2]] for r in rows], dtype=np.int64),
        np.array([SCORES[r[3]] for r in rows], dtype=float),
        k=settings.RATINGS_ELO_K,
        scale=settings.RATINGS_ELO_SCALE,
        base=settings.RATINGS_ELO_BASE,
        initial=settings.RATINGS_ELO_INITIAL,
    )
    votes = np.bincount(
        [index[r[1]] for r in rows] + [index[r[2]] for r in rows], minlength=len(generator_ids)
    )
    last = {}
    for vote_id, left, right, _ in rows:
        last[left] = last[right] = vote_id
    EloRating.objects.filter(category=category).delete()
    EloRating.objects.bulk_create(
        EloRating(
            category=category,
            generator_id=gid,
            rating=float(ratings[i]),
            votes=int(votes[i]),
            last_vote_id=last.get(gid),
        )
        for i, gid in enumerate(generator_ids)
    )
    return len(rows)
