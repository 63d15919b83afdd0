"""Casting a vote: once per voter and battle, idempotent on retry, blind until it lands.

Voting is the arena's hottest path: a team votes in bursts of hundreds a second. So a vote
does not go through querysets, whose compilation costs more CPU than the database spends
running them (building the battle's six-table select_related query took about ten times as
long as executing it). One statement reads the battle, what the reveal needs and the voter's
counts for both vote limits; one more writes the vote: on PostgreSQL a call of the function
``ratings_vote_cast`` (ratings/migrations/0003_vote_cast_function.py), one round trip;
elsewhere (SQLite) the same steps statement by statement. The tests run both. PostgreSQL plans
each statement once per connection (:mod:`arena.db`).

A vote is, in one transaction: the battle's compare-and-set from assigned to voted (which also
serialises two requests racing on one battle), the lock of the Elo rows it moves, the vote's
insert, and the Elo update. The unique constraint on (battle, voter) backs the compare-and-set.
"""

from __future__ import annotations

import datetime
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from arena import selectors
from arena.db import orm_converter, prepared_cursor
from arena.models import Battle, Prompt, Vote
from arena.services.errors import BattleNotFound, BattleNotOpen, VoteConflict, VoteError
from arena.services.limits import VOTE_RATE_WINDOW, vote_allowance_check
from generation.models import Generation, Generator
from ratings.services import elo_apply, elo_lock, ratings_schedule, vote_score

__all__ = ["BattleNotFound", "BattleNotOpen", "VoteCast", "VoteConflict", "VoteError", "vote_cast"]


class VoteCast(NamedTuple):
    vote: Vote
    # False when the same vote was posted again (a retry): it was counted the first time.
    created: bool
    # The voter's votes today, this one included.
    votes_today: int
    # Who was on which side (see arena.selectors.reveal_sides).
    reveal: dict


class Ballot(NamedTuple):
    """What a vote needs to know of its battle, read in one statement."""

    id: int
    status: str
    voter_id: int | None
    left_is_a: bool | None
    shown_at: datetime.datetime | None
    category_id: int | None
    left_id: int
    right_id: int
    # (generator name, latency in ms, cost) of the left and the right output.
    left: tuple
    right: tuple


_BALLOT_SQL = f"""
SELECT b.id, b.status, b.voter_id, b.left_is_a, b.shown_at, p.category_id,
       b.generator_a_id, b.generator_b_id,
       ga.name, gb.name, na.latency_ms, nb.latency_ms, na.cost, nb.cost,
       (SELECT COUNT(*) FROM {Vote._meta.db_table} v
        WHERE v.voter_id = %s AND v.created_at >= %s),
       (SELECT COUNT(*) FROM {Vote._meta.db_table} v
        WHERE v.voter_id = %s AND v.created_at >= %s)
FROM {Battle._meta.db_table} b
JOIN {Prompt._meta.db_table} p ON p.id = b.prompt_id
JOIN {Generator._meta.db_table} ga ON ga.id = b.generator_a_id
JOIN {Generator._meta.db_table} gb ON gb.id = b.generator_b_id
JOIN {Generation._meta.db_table} na ON na.id = b.generation_a_id
JOIN {Generation._meta.db_table} nb ON nb.id = b.generation_b_id
WHERE b.token = %s
"""

_CLOSE_SQL = (
    f"UPDATE {Battle._meta.db_table} SET status = %s "
    "WHERE id = %s AND status = %s AND voter_id = %s"
)

_INSERT_SQL = f"""
INSERT INTO {Vote._meta.db_table} (battle_id, voter_id, category_id, choice, shown_left_id,
    shown_right_id, time_to_vote_ms, flagged, flag_reason, created_at, judge, question_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '')
RETURNING id
"""


def vote_cast(*, voter, battle_token, choice: str, images_loaded: bool | None = None) -> VoteCast:
    """Record a vote and close the battle.

    Posting the same choice again (double click, retry) returns the stored vote with
    ``created=False``; a different choice on a voted battle is a conflict.

    ``images_loaded`` is the browser's word on whether both outputs had loaded (None: it
    could not say, e.g. without JavaScript). A vote cast before they had, or sooner than
    ``ARENA_MIN_VOTE_MS`` after the battle was shown, is kept and flagged. Raises
    ``RateLimited`` (429) past the voter's rate limit or daily cap; a retry of a vote already
    counted is never limited.
    """
    if choice not in Vote.Choice.values:
        raise VoteError(f"Unknown choice {choice!r}; use one of: {', '.join(Vote.Choice.values)}.")
    ballot, votes_today, votes_last_minute = _ballot_for(voter, battle_token)
    reveal = selectors.reveal_sides(ballot.left, ballot.right)
    if ballot.status == Battle.Status.ASSIGNED:
        vote_allowance_check(
            voter=voter, votes_today=votes_today, votes_last_minute=votes_last_minute
        )
        vote = _insert(ballot, voter, choice, images_loaded)
        if vote is not None:
            return VoteCast(vote, True, votes_today + 1, reveal)
    # Voted already (or by a request that raced this one), or closed by someone else.
    return VoteCast(_already_cast(ballot, voter, choice), False, votes_today, reveal)


def _ballot_for(voter, token) -> tuple[Ballot, int, int]:
    """The voter's battle, and the voter's votes today and in the last minute."""
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise BattleNotFound("No such battle.") from None
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with prepared_cursor() as cursor:
        adapt = cursor.ops.adapt_datetimefield_value
        cursor.execute(
            _BALLOT_SQL,
            [
                voter.id,
                adapt(midnight),
                voter.id,
                adapt(now - datetime.timedelta(seconds=VOTE_RATE_WINDOW)),
                Battle._meta.get_field("token").get_db_prep_value(token, cursor.wrapper),
            ],
        )
        row = cursor.fetchone()
    # Someone else's battle is answered like a missing one: its existence is not ours to know.
    if row is None or (row[2] is not None and row[2] != voter.id):
        raise BattleNotFound("No such battle.")
    (id_, status, voter_id, left_is_a, shown_at, category_id, generator_a_id, generator_b_id,
     name_a, name_b, latency_a, latency_b, cost_a, cost_b, votes_today,
     votes_last_minute) = row  # fmt: skip
    money = orm_converter(cursor.wrapper, Generation._meta.get_field("cost"))
    a, b = (name_a, latency_a, money(cost_a)), (name_b, latency_b, money(cost_b))
    left_is_a = bool(left_is_a)
    ballot = Ballot(
        id=id_,
        status=status,
        voter_id=voter_id,
        left_is_a=left_is_a,
        shown_at=orm_converter(cursor.wrapper, Battle._meta.get_field("shown_at"))(shown_at),
        category_id=category_id,
        left_id=generator_a_id if left_is_a else generator_b_id,
        right_id=generator_b_id if left_is_a else generator_a_id,
        left=a if left_is_a else b,
        right=b if left_is_a else a,
    )
    return ballot, votes_today, votes_last_minute


def _already_cast(ballot: Ballot, voter, choice: str) -> Vote:
    existing = Vote.objects.filter(battle_id=ballot.id, voter=voter).first()
    if existing is None:
        status = Battle.objects.filter(id=ballot.id).values_list("status", flat=True).first()
        label = Battle.Status(status).label.lower() if status else "gone"
        raise BattleNotOpen(f"This battle is not open for voting (it is {label}).")
    if existing.choice != choice:
        raise VoteConflict("You already voted on this battle with a different choice.")
    return existing


def vote_flags(*, time_to_vote_ms: int | None, images_loaded: bool | None) -> list[str]:
    """Why a vote deserves a second look, in words; empty when it does not."""
    reasons = []
    if images_loaded is False:
        reasons.append("cast before both outputs had loaded")
    if time_to_vote_ms is None:
        reasons.append("cast on a battle that was never marked as shown")
    elif time_to_vote_ms < settings.ARENA_MIN_VOTE_MS:
        reasons.append(
            f"cast {time_to_vote_ms} ms after the battle was shown "
            f"(minimum {settings.ARENA_MIN_VOTE_MS} ms)"
        )
    return reasons


def _insert(ballot: Ballot, voter, choice: str, images_loaded: bool | None) -> Vote | None:
    """Close the battle and store the vote; None when the battle was no longer open."""
    now = timezone.now()
    elapsed_ms = None
    if ballot.shown_at is not None:
        elapsed_ms = max(int((now - ballot.shown_at).total_seconds() * 1000), 0)
    reasons = vote_flags(time_to_vote_ms=elapsed_ms, images_loaded=images_loaded)
    flag_reason = "; ".join(reasons)[:200]
    category_id = ballot.category_id
    row = [ballot.id, voter.id, category_id, choice, ballot.left_id, ballot.right_id, elapsed_ms,
           bool(reasons), flag_reason]  # fmt: skip
    with prepared_cursor() as cursor:
        if cursor.wrapper.vendor == "postgresql":
            vote_id = _write_in_one_call(cursor, row, now)
        else:
            vote_id = _write(cursor, row, now)
    if vote_id is None:
        return None
    transaction.on_commit(lambda: ratings_schedule(category_id=category_id))
    vote = Vote(
        id=vote_id,
        battle_id=ballot.id,
        voter=voter,
        category_id=category_id,
        choice=choice,
        shown_left_id=ballot.left_id,
        shown_right_id=ballot.right_id,
        time_to_vote_ms=elapsed_ms,
        flagged=bool(reasons),
        flag_reason=flag_reason,
        created_at=now,
    )
    vote._state.adding = False
    return vote


def _write(cursor, row: list, now: datetime.datetime) -> int | None:
    """The vote's write, statement by statement, in one transaction; the vote's id."""
    battle_id, voter_id, category_id, choice, left, right = row[:6]
    with transaction.atomic():
        # First, so that of two racing requests the second waits here and then finds it voted.
        cursor.execute(_CLOSE_SQL, ["voted", battle_id, "assigned", voter_id])
        if cursor.rowcount != 1:
            return None
        elo_rows = elo_lock(category_id=category_id, generator_ids=(left, right))
        cursor.execute(_INSERT_SQL, [*row, cursor.ops.adapt_datetimefield_value(now)])
        vote_id = cursor.fetchone()[0]
        elo_apply(rows=elo_rows, vote_id=vote_id, choice=choice, sides=(left, right))
    return vote_id


def _write_in_one_call(cursor, row: list, now: datetime.datetime) -> int | None:
    """The same write as :func:`_write` in one call of a PostgreSQL function (one round trip).

    See ratings/migrations/0003_vote_cast_function.py; a single statement is its own
    transaction.
    """
    cursor.execute(
        "SELECT ratings_vote_cast(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [*row, now, vote_score(row[3]), settings.RATINGS_ELO_K, settings.RATINGS_ELO_SCALE,
         settings.RATINGS_ELO_BASE, settings.RATINGS_ELO_INITIAL],
    )  # fmt: skip
    return cursor.fetchone()[0]
