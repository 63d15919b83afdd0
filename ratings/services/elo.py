"""Online Elo, moved inside the transaction of each vote.

The rows of both generators on both boards (overall and the vote's category) are locked
before the vote is inserted. Two votes that share a row are therefore numbered in the order
their updates apply, so replaying votes by id reproduces the online ratings exactly.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from arena.core import sql
from ratings.engine import elo_update
from ratings.models import EloRating
from ratings.services.recompute import ELO_SCORES, board_votes, elo_replay
from ratings.services.schedule import ratings_schedule

SCORES = ELO_SCORES


def vote_score(choice: str) -> float | None:
    """Score of the left side, or None when the vote does not count (both bad, if dropped)."""
    if choice == "both_bad" and settings.RATINGS_BOTH_BAD == "drop":
        return None
    return SCORES[choice]


@dataclass
class EloRow:
    """One locked Elo row, as the vote moves it."""

    id: int
    rating: float
    votes: int
    last_vote_id: int | None = None


def _locked_rows(category_id: int | None, generator_ids: tuple[int, int]) -> dict:
    # A vote without a category moves the overall rows only. One statement, the rows taken in
    # id order so that two votes sharing rows cannot lock them in opposite orders.
    boards = "category_id IS NULL" + ("" if category_id is None else " OR category_id = %s")
    params = [*([] if category_id is None else [category_id]), *generator_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, category_id, generator_id, rating, votes FROM {sql.table(EloRating)} "
            f"WHERE ({boards}) AND generator_id IN (%s, %s) ORDER BY id{sql.for_update()}",
            params,
        )
        return {(board, gid): EloRow(pk, rating, votes) for pk, board, gid, rating, votes in cursor}


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
    for board in {category for category, _ in rows}:
        left, right = rows[(board, sides[0])], rows[(board, sides[1])]
        left.rating, right.rating = elo_update(
            left.rating,
            right.rating,
            score,
            k=settings.RATINGS_ELO_K,
            scale=settings.RATINGS_ELO_SCALE,
            base=settings.RATINGS_ELO_BASE,
        )
        for row in (left, right):
            row.votes += 1
            row.last_vote_id = vote_id
    # All rows (two or four) in one statement.
    moved = list(rows.values())
    cases = " ".join("WHEN %s THEN %s" for _ in moved)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {sql.table(EloRating)} SET rating = CASE id {cases} END, "
            f"votes = votes + 1, last_vote_id = %s WHERE id IN ({', '.join(['%s'] * len(moved))})",
            [*(v for row in moved for v in (row.id, row.rating)), vote_id, *(r.id for r in moved)],
        )


@contextmanager
def elo_vote_effect(*, category_id: int | None, sides: tuple[int, int]):
    """The online Elo as a vote effect (see :mod:`arena.hooks`): lock, then move by the vote.

    Registered by :class:`ratings.apps.RatingsConfig`. The rows are locked before the vote is
    inserted, so two votes that share a row are numbered in the order their updates apply.
    """
    rows = elo_lock(category_id=category_id, generator_ids=sides)

    def apply(vote) -> None:
        elo_apply(rows=rows, vote_id=vote.id, choice=vote.choice, sides=sides)
        transaction.on_commit(lambda: ratings_schedule(category_id=category_id))

    yield apply


@transaction.atomic
def elo_rebuild(*, category) -> int:
    """Replay a board's votes in id order and store the resulting online Elo; returns votes used.

    Used after an import, or to check that the online ratings match their votes. The board's
    rows are locked before its votes are read and are updated in place, never deleted: a vote
    that moves them meanwhile waits for the rebuilt values and then moves them on, and one that
    committed before the lock is part of the replay.
    """
    existing = {
        row.generator_id: row
        for row in EloRating.objects.select_for_update().filter(category=category).order_by("id")
    }
    replayed = elo_replay(board_votes(category=category))
    for gid, replay in replayed.items():
        row = existing.get(gid) or EloRating(category=category, generator_id=gid)
        row.rating, row.votes, row.last_vote_id = replay.rating, replay.votes, replay.last_vote_id
        existing[gid] = row
    for gid in set(existing) - set(replayed):  # no vote left on this board: back to the start
        row = existing[gid]
        row.rating, row.votes, row.last_vote_id = settings.RATINGS_ELO_INITIAL, 0, None
    EloRating.objects.bulk_update(
        [r for r in existing.values() if r.pk], ["rating", "votes", "last_vote_id"]
    )
    EloRating.objects.bulk_create([r for r in existing.values() if not r.pk], ignore_conflicts=True)
    return sum(replay.votes for replay in replayed.values()) // 2
