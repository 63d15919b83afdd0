"""Casting a vote: once per voter and battle, idempotent on retry, within the voter's limits.

A vote is one transaction, the same code on SQLite and PostgreSQL:

1. the voter's row is locked, so one voter's votes are cast one at a time (the battle on
   screen and the preloaded one sent at the same moment cannot both pass the last free slot
   of a limit);
2. one statement reads the battle and the voter's votes today and in the last minute, one
   more what the reveal needs;
3. the battle is closed with a compare-and-set from assigned to voted, the vote effects that
   other rooms registered (the online Elo, see :mod:`arena.hooks`) take their locks, the vote
   is inserted under the unique (battle, voter) constraint, and the effects are applied.

These statements are written out (:mod:`arena.core.sql`) rather than built by the ORM: on this
path the ORM's cost in the web process was four times what the database spent on them
(``tests/benchmarks/bench_votes.py``). The rare branches (a retry, a limit reached) use the ORM.
"""

from __future__ import annotations

import datetime
import uuid
from contextlib import ExitStack
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from arena import hooks, selectors
from arena.core import sql
from arena.models import Battle, Prompt, Vote
from arena.services.errors import BattleNotFound, BattleNotOpen, VoteConflict, VoteError
from arena.services.limits import VOTE_RATE_WINDOW, vote_allowance_check
from generation.models import Generation, Generator

__all__ = ["BattleNotFound", "BattleNotOpen", "VoteCast", "VoteConflict", "VoteError", "vote_cast"]


class VoteCast(NamedTuple):
    vote: Vote
    # False when the same vote was posted again (a retry): it was counted the first time.
    created: bool
    # The voter's votes today, this one included.
    votes_today: int
    # Who was on which side (see arena.selectors.battle_reveal).
    reveal: dict


@transaction.atomic
def vote_cast(*, voter, battle_token, choice: str, images_loaded: bool | None = None) -> VoteCast:
    """Record a vote and close the battle.

    Posting the same choice again (double click, retry) returns the stored vote with
    ``created=False``; a different choice on a voted battle is a conflict. A battle that is
    not this voter's is answered like a missing one (404), whatever its state.

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
    _voter_lock(voter)
    now = timezone.now()
    ballot = _ballot(voter=voter, token=token, now=now)
    if ballot.status == Battle.Status.VOTED:
        vote = _already_cast(ballot, voter, choice)
        return VoteCast(vote, False, ballot.votes_today, ballot.reveal)
    if ballot.status != Battle.Status.ASSIGNED:
        raise BattleNotOpen("This battle is no longer open for voting.")
    vote_allowance_check(
        voter=voter, votes_today=ballot.votes_today, votes_last_minute=ballot.votes_last_minute
    )
    vote = _write(ballot=ballot, voter=voter, choice=choice, images_loaded=images_loaded, now=now)
    return VoteCast(vote, True, ballot.votes_today + 1, ballot.reveal)


def _voter_lock(voter) -> None:
    # Every vote of this voter takes this row lock first, so their limits are counted exactly.
    # (SQLite takes its one write lock when the transaction begins, which serialises as well.)
    users = sql.table(get_user_model())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {users} WHERE id = %s{sql.for_update()}", [voter.pk])


class Ballot(NamedTuple):
    """What a vote needs of its battle, read with the voter's counts (see ``_ballot``)."""

    id: int
    status: str
    left_is_a: bool
    shown_at: datetime.datetime | None
    generator_a_id: int
    generator_b_id: int
    category_id: int | None
    votes_today: int
    votes_last_minute: int
    reveal: dict

    def as_shown(self, a, b) -> tuple:
        return (a, b) if self.left_is_a else (b, a)


@cache
def _ballot_sql(vendor: str) -> tuple[str, str]:
    battle, vote, prompt = sql.table(Battle), sql.table(Vote), sql.table(Prompt)
    generation, generator = sql.table(Generation), sql.table(Generator)
    # Both counts are subqueries of the first statement, which runs after the voter's lock:
    # every vote of theirs committed before the lock was granted is counted. The reveal is a
    # second statement: one join of six tables cost PostgreSQL more to plan than two small
    # statements cost to plan and run.
    read = f"""
        SELECT b.id, b.status, b.left_is_a, b.shown_at, b.generator_a_id, b.generator_b_id,
               b.generation_a_id, b.generation_b_id,
               (SELECT p.category_id FROM {prompt} p WHERE p.id = b.prompt_id),
               (SELECT COUNT(*) FROM {vote} v WHERE v.voter_id = %(voter)s
                    AND v.created_at >= %(midnight)s),
               (SELECT COUNT(*) FROM {vote} v WHERE v.voter_id = %(voter)s
                    AND v.created_at >= %(window)s)
        FROM {battle} b
        WHERE b.token = %(token)s AND b.voter_id = %(voter)s
    """
    reveal = f"""
        SELECT g.id, x.name, g.latency_ms, g.cost
        FROM {generation} g JOIN {generator} x ON x.id = g.generator_id
        WHERE g.id IN (%s, %s)
    """
    return read, reveal


def _ballot_fields() -> tuple[list, list]:
    field = Battle._meta.get_field
    latency, cost = Generation._meta.get_field("latency_ms"), Generation._meta.get_field("cost")
    read = [None, None, field("left_is_a"), field("shown_at")] + [None] * 7
    return read, [None, None, latency, cost]


def _ballot(*, voter, token: uuid.UUID, now: datetime.datetime) -> Ballot:
    """The voter's battle with the reveal and their vote counts; BattleNotFound for others'.

    Someone else's battle, or one in the pool, is answered like a missing one: its existence
    and state are not this voter's to know.
    """
    params = {
        "voter": voter.pk,
        "token": sql.db_value(Battle, "token", token),
        "midnight": sql.db_datetime(selectors.day_start(now)),
        "window": sql.db_datetime(now - datetime.timedelta(seconds=VOTE_RATE_WINDOW)),
    }
    read, reveal = _ballot_sql(connection.vendor)
    read_fields, reveal_fields = _ballot_fields()
    with connection.cursor() as cursor:
        cursor.execute(read, params)
        row = cursor.fetchone()
        if row is None:
            raise BattleNotFound("No such battle.")
        battle = sql.converted(row, read_fields)
        (id_, status, left_is_a, shown_at, generator_a_id, generator_b_id, generation_a_id,
         generation_b_id, category_id, today, last_minute) = battle  # fmt: skip
        cursor.execute(reveal, [generation_a_id, generation_b_id])
        sides = {r[0]: r[1:] for r in (sql.converted(r, reveal_fields) for r in cursor.fetchall())}
    left, right = sides[generation_a_id], sides[generation_b_id]
    if not left_is_a:
        left, right = right, left
    return Ballot(id_, status, left_is_a, shown_at, generator_a_id, generator_b_id, category_id,
                  today, last_minute, selectors.reveal_sides(left, right))  # fmt: skip


def _already_cast(ballot: Ballot, voter, choice: str) -> Vote:
    existing = Vote.objects.filter(battle_id=ballot.id, voter=voter).first()
    if existing is None:
        raise BattleNotOpen("This battle is no longer open for voting.")
    if existing.choice != choice:
        raise VoteConflict("You already voted on this battle with a different choice.")
    return existing


# Why a vote is flagged, in words.
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


def _write(*, ballot: Ballot, voter, choice: str, images_loaded, now) -> Vote:
    elapsed_ms = None
    if ballot.shown_at is not None:
        elapsed_ms = max((now - ballot.shown_at) // datetime.timedelta(milliseconds=1), 0)
    reasons = vote_flags(time_to_vote_ms=elapsed_ms, images_loaded=images_loaded)
    left, right = ballot.as_shown(ballot.generator_a_id, ballot.generator_b_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {sql.table(Battle)} SET status = %s "
            "WHERE id = %s AND status = %s AND voter_id = %s",
            [Battle.Status.VOTED, ballot.id, Battle.Status.ASSIGNED, voter.pk],
        )
        if cursor.rowcount != 1:  # cannot happen under the voter's lock; the constraint's guard
            raise BattleNotOpen("This battle is no longer open for voting.")
    vote = Vote(
        battle_id=ballot.id,
        voter=voter,
        category_id=ballot.category_id,
        choice=choice,
        shown_left_id=left,
        shown_right_id=right,
        time_to_vote_ms=elapsed_ms,
        flagged=bool(reasons),
        flag_reason="; ".join(reasons)[:200],
        created_at=now,
    )
    with ExitStack() as effects:
        # Each effect takes its locks before the insert, so votes that share a lock are
        # numbered in the order their effects apply (replaying by id gives the same Elo).
        apply = [
            effects.enter_context(effect(category_id=ballot.category_id, sides=(left, right)))
            for effect in hooks.vote_effects()
        ]
        sql.insert(vote)
        for effect_apply in apply:
            effect_apply(vote)
    return vote
