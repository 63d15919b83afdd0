"""Casting a vote: once per voter and battle, idempotent on retry, blind until it lands.

Voting is the arena's hottest path: a team votes in bursts of hundreds a second. So a vote
does not go through querysets, whose compilation costs more CPU than the database spends
running them (building the battle's six-table select_related query took about ten times as
long as executing it). On PostgreSQL a vote is one call of the function ``arena_vote_cast``
(arena/migrations/0006_vote_cast_function.py), one round trip: it reads the battle, what the
reveal needs and the voter's counts for both vote limits, and when the vote may be cast it
writes it with ``ratings_vote_cast`` (ratings/migrations/0003_vote_cast_function.py).
Elsewhere (SQLite) one statement reads and the write runs statement by statement. The tests
run both. PostgreSQL plans each statement once per connection (:mod:`arena.core.db`).

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
from arena.core.db import orm_converter, prepared_cursor
from arena.models import Battle, Prompt, Vote
from arena.services.errors import BattleNotFound, BattleNotOpen, VoteConflict, VoteError
from arena.services.limits import VOTE_RATE_WINDOW, vote_allowance_check, vote_allowed
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


class Written(NamedTuple):
    """What the write added to what the battle gave: the vote's id, time and flag reason."""

    vote_id: int
    time_to_vote_ms: int | None
    flag_reason: str


class Ballot(NamedTuple):
    """What a vote needs to know of its battle, read in one statement."""

    id: int
    status: str
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

_CAST_SQL = "SELECT * FROM arena_vote_cast(" + ", ".join(["%s"] * 16) + ")"

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
    try:
        token = uuid.UUID(str(battle_token))
    except ValueError:
        raise BattleNotFound("No such battle.") from None
    now = timezone.now()
    with prepared_cursor() as cursor:
        cast = _cast_in_one_call if cursor.wrapper.vendor == "postgresql" else _cast_by_statements
        ballot, votes_today, votes_last_minute, written = cast(
            cursor, voter, token, choice, images_loaded, now
        )
    reveal = selectors.reveal_sides(ballot.left, ballot.right)
    if written is not None:
        category_id = ballot.category_id
        transaction.on_commit(lambda: ratings_schedule(category_id=category_id))
        return VoteCast(_vote(ballot, voter, choice, written, now), True, votes_today + 1, reveal)
    if ballot.status == Battle.Status.ASSIGNED:
        # Open but not written: past a limit (this raises), or another request voted first.
        vote_allowance_check(
            voter=voter, votes_today=votes_today, votes_last_minute=votes_last_minute
        )
    # Voted already (or by a request that raced this one), or closed by someone else.
    return VoteCast(_already_cast(ballot, voter, choice), False, votes_today, reveal)


def _since(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Where the voter's votes start to count: today's midnight, and the rate limit's window."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, now - datetime.timedelta(seconds=VOTE_RATE_WINDOW)


def _cast_in_one_call(cursor, voter, token, choice, images_loaded, now):
    """Read the battle and, when the vote may be cast, write it: one PostgreSQL function call."""
    cursor.execute(
        _CAST_SQL,
        [token, voter.id, choice, now, *_since(now), settings.ARENA_DAILY_VOTE_CAP,
         settings.ARENA_VOTE_RATE_PER_MINUTE, images_loaded, settings.ARENA_MIN_VOTE_MS,
         [NOT_LOADED, NEVER_SHOWN, TOO_FAST.format(ms="%s", minimum=settings.ARENA_MIN_VOTE_MS)],
         vote_score(choice), settings.RATINGS_ELO_K, settings.RATINGS_ELO_SCALE,
         settings.RATINGS_ELO_BASE, settings.RATINGS_ELO_INITIAL],
    )  # fmt: skip
    row = cursor.fetchone()
    ballot = _ballot(cursor, voter, row[:14])
    vote_id, time_to_vote_ms, flag_reason = row[16:]
    written = None if vote_id is None else Written(vote_id, time_to_vote_ms, flag_reason)
    return ballot, row[14], row[15], written


def _cast_by_statements(cursor, voter, token, choice, images_loaded, now):
    """What the function does, statement by statement (SQLite)."""
    adapt = cursor.ops.adapt_datetimefield_value
    midnight, window_start = _since(now)
    cursor.execute(
        _BALLOT_SQL,
        [voter.id, adapt(midnight), voter.id, adapt(window_start),
         Battle._meta.get_field("token").get_db_prep_value(token, cursor.wrapper)],
    )  # fmt: skip
    row = cursor.fetchone()
    ballot = _ballot(cursor, voter, row and row[:14])
    votes_today, votes_last_minute = row[14:]
    written = None
    if ballot.status == Battle.Status.ASSIGNED and vote_allowed(
        votes_today=votes_today, votes_last_minute=votes_last_minute
    ):
        written = _write(cursor, ballot, voter, choice, images_loaded, now)
    return ballot, votes_today, votes_last_minute, written


def _ballot(cursor, voter, row) -> Ballot:
    """The voter's battle from its row; BattleNotFound when there is none."""
    if row is None or row[0] is None:
        raise BattleNotFound("No such battle.")
    (id_, status, voter_id, left_is_a, shown_at, category_id, generator_a_id, generator_b_id,
     name_a, name_b, latency_a, latency_b, cost_a, cost_b) = row  # fmt: skip
    # Someone else's battle is answered like a missing one: its existence is not ours to know.
    if voter_id is not None and voter_id != voter.id:
        raise BattleNotFound("No such battle.")
    money = orm_converter(cursor.wrapper, Generation._meta.get_field("cost"))
    a, b = (name_a, latency_a, money(cost_a)), (name_b, latency_b, money(cost_b))
    left_is_a = bool(left_is_a)
    return Ballot(
        id=id_,
        status=status,
        shown_at=orm_converter(cursor.wrapper, Battle._meta.get_field("shown_at"))(shown_at),
        category_id=category_id,
        left_id=generator_a_id if left_is_a else generator_b_id,
        right_id=generator_b_id if left_is_a else generator_a_id,
        left=a if left_is_a else b,
        right=b if left_is_a else a,
    )


def _already_cast(ballot: Ballot, voter, choice: str) -> Vote:
    existing = Vote.objects.filter(battle_id=ballot.id, voter=voter).first()
    if existing is None:
        status = Battle.objects.filter(id=ballot.id).values_list("status", flat=True).first()
        label = Battle.Status(status).label.lower() if status else "gone"
        raise BattleNotOpen(f"This battle is not open for voting (it is {label}).")
    if existing.choice != choice:
        raise VoteConflict("You already voted on this battle with a different choice.")
    return existing


# Why a vote is flagged, in words (also given to arena_vote_cast, which flags on PostgreSQL).
NOT_LOADED = "cast before both outputs had loaded"
NEVER_SHOWN = "cast on a battle that was never marked as shown"
TOO_FAST = "cast {ms} ms after the battle was shown (minimum {minimum} ms)"


def vote_flags(*, time_to_vote_ms: int | None, images_loaded: bool | None) -> list[str]:
    """Why a vote deserves a second look, in words; empty when it does not."""
    reasons = []
    if images_loaded is False:
        reasons.append(NOT_LOADED)
    if time_to_vote_ms is None:
        reasons.append(NEVER_SHOWN)
    elif time_to_vote_ms < settings.ARENA_MIN_VOTE_MS:
        reasons.append(TOO_FAST.format(ms=time_to_vote_ms, minimum=settings.ARENA_MIN_VOTE_MS))
    return reasons


def _write(cursor, ballot: Ballot, voter, choice: str, images_loaded, now) -> Written | None:
    """Close the battle and store the vote, in one transaction; None when it was not open."""
    elapsed_ms = None
    if ballot.shown_at is not None:
        elapsed_ms = max((now - ballot.shown_at) // datetime.timedelta(milliseconds=1), 0)
    reasons = vote_flags(time_to_vote_ms=elapsed_ms, images_loaded=images_loaded)
    flag_reason = "; ".join(reasons)[:200]
    left, right = ballot.left_id, ballot.right_id
    with transaction.atomic():
        # First, so that of two racing requests the second waits here and then finds it voted.
        cursor.execute(_CLOSE_SQL, ["voted", ballot.id, "assigned", voter.id])
        if cursor.rowcount != 1:
            return None
        elo_rows = elo_lock(category_id=ballot.category_id, generator_ids=(left, right))
        cursor.execute(
            _INSERT_SQL,
            [ballot.id, voter.id, ballot.category_id, choice, left, right, elapsed_ms,
             bool(reasons), flag_reason, cursor.ops.adapt_datetimefield_value(now)],
        )  # fmt: skip
        vote_id = cursor.fetchone()[0]
        elo_apply(rows=elo_rows, vote_id=vote_id, choice=choice, sides=(left, right))
    return Written(vote_id, elapsed_ms, flag_reason)


def _vote(ballot: Ballot, voter, choice: str, written: Written, now) -> Vote:
    """The vote just written, as the ORM would load it."""
    vote = Vote(
        id=written.vote_id,
        battle_id=ballot.id,
        voter=voter,
        category_id=ballot.category_id,
        choice=choice,
        shown_left_id=ballot.left_id,
        shown_right_id=ballot.right_id,
        time_to_vote_ms=written.time_to_vote_ms,
        flagged=bool(written.flag_reason),
        flag_reason=written.flag_reason,
        created_at=now,
    )
    vote._state.adding = False
    return vote
