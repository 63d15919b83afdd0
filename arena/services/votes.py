"""Casting a vote: once per voter and battle, idempotent on retry, within the voter's limits.

One transaction, the same code on SQLite and PostgreSQL, and nothing but the vote: the voter's
row is locked (the battle on screen and the preloaded one voted at once cannot both pass the
last free slot of a limit); one statement (``_ballot_sql``) reads the battle, the reveal and
the voter's counts after the lock; the battle closes by compare-and-set and the vote is
inserted under the unique (battle, voter) constraint. What votes move (Elo, boards) is computed
afterwards: once committed, :data:`arena.signals.vote_recorded` tells whoever listens.
"""

from __future__ import annotations

import datetime
import uuid
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from arena import selectors
from arena.models import Battle, DecoyCheck, Prompt, Vote
from arena.services.decoys import decoy_check_cast
from arena.services.errors import BattleNotFound, BattleNotOpen, VoteConflict, VoteError
from arena.services.limits import VOTE_RATE_WINDOW, vote_allowance_check
from arena.signals import vote_recorded
from generation.models import Generation, Generator

_CHOICES = frozenset(Vote.Choice.values)

__all__ = ["BattleNotFound", "BattleNotOpen", "VoteCast", "VoteConflict", "VoteError", "vote_cast"]


class VoteCast(NamedTuple):
    # A decoy battle's answer is a DecoyCheck (see arena.services.decoys), never a Vote.
    vote: Vote | DecoyCheck
    # False when the same vote was posted again (a retry): it was counted the first time.
    created: bool
    # The voter's votes today, this one included.
    votes_today: int
    # Who was on which side (see arena.selectors.battle_reveal).
    reveal: dict


def vote_cast(*, voter, battle_token, choice: str, images_loaded: bool | None = None) -> VoteCast:
    """Record a vote and close the battle.

    The same choice again (a retry) returns the stored vote with ``created=False`` and is never
    limited; another choice is a conflict. ``images_loaded`` is the browser's word (None: it
    could not say); a vote before they loaded, or within ``ARENA_MIN_VOTE_MS``, is flagged.
    """
    if choice not in _CHOICES:
        raise VoteError(f"Unknown choice {choice!r}; use one of: {', '.join(Vote.Choice.values)}.")
    try:
        token = uuid.UUID(str(battle_token))
    except ValueError:
        raise BattleNotFound("No such battle.") from None
    with transaction.atomic(), connection.cursor() as cursor:
        # Every vote of this voter takes this row lock first, so their limits are counted
        # exactly (SQLite's one write lock, taken at BEGIN, serialises as well).
        cursor.execute(_lock_sql(cursor.db.vendor), [voter.pk])
        now = timezone.now()
        battle = _ballot(cursor, voter=voter, token=token, now=now)
        return _cast(
            cursor, battle, voter=voter, choice=choice, images_loaded=images_loaded, now=now
        )


def _cast(cursor, battle: Ballot, *, voter, choice: str, images_loaded, now) -> VoteCast:
    """The rest of :func:`vote_cast`, once the battle is read under the voter's lock."""
    # A decoy battle (an attention check) takes the same checks, and a DecoyCheck, never a Vote.
    if battle.status == Battle.Status.VOTED:
        answer = _already_cast(DecoyCheck if battle.decoy else Vote, battle, voter, choice)
        return VoteCast(answer, False, battle.votes_today, _reveal(battle, answer))
    if battle.status != Battle.Status.ASSIGNED:
        raise BattleNotOpen("This battle is no longer open for voting.")
    vote_allowance_check(
        voter=voter, votes_today=battle.votes_today, votes_last_minute=battle.votes_last_minute
    )
    elapsed_ms = None
    if battle.shown_at is not None:
        elapsed_ms = max((now - battle.shown_at) // datetime.timedelta(milliseconds=1), 0)
    if battle.decoy:
        check = decoy_check_cast(
            ballot=battle, voter=voter, choice=choice, elapsed_ms=elapsed_ms, now=now
        )
        return VoteCast(check, True, battle.votes_today, _reveal(battle, check))
    reasons = vote_flags(time_to_vote_ms=elapsed_ms, images_loaded=images_loaded)
    vote = _write(
        cursor, battle, voter=voter, choice=choice, reasons=reasons, ms=elapsed_ms, now=now
    )
    # Sent after commit, once per vote stored: a retry or a rolled-back vote sends nothing.
    transaction.on_commit(
        lambda: vote_recorded.send(sender=Vote, vote_id=vote.id, category_id=vote.category_id)
    )
    return VoteCast(vote, True, battle.votes_today + 1, battle.reveal)


class Ballot(NamedTuple):
    """What a vote needs of its battle, read with the voter's counts (see ``_ballot``)."""

    id: int
    status: str
    left_is_a: bool
    shown_at: datetime.datetime | None
    generator_a_id: int
    generator_b_id: int
    category_id: int | None
    decoy: bool
    votes_today: int
    votes_last_minute: int
    reveal: dict

    def as_shown(self, a, b) -> tuple:
        return (a, b) if self.left_is_a else (b, a)


# The one statement written out: built by the ORM, this read (six tables, two counts) cost the
# web process about 5 ms of CPU a vote, more than the rest of the vote together, and written
# out it casts half as many votes again a second (tests/benchmarks/bench_votes.py, run both
# ways). The same text runs on SQLite and PostgreSQL; the vote tests run it on both.
@cache
def _ballot_sql(vendor: str) -> str:
    battle, vote, prompt = _table(Battle), _table(Vote), _table(Prompt)
    generation, generator = _table(Generation), _table(Generator)
    # The counts come from a statement that runs after the voter's lock: every vote of theirs
    # committed before the lock was granted is counted. Both come from one pass over the
    # voter's votes since the earlier of midnight and the rate window's start.
    return f"""
        SELECT b.id, b.status, b.left_is_a, b.shown_at, b.generator_a_id, b.generator_b_id,
               p.category_id, b.decoy,
               xa.name, na.latency_ms, na.cost, xb.name, nb.latency_ms, nb.cost,
               c.today, c.last_minute
        FROM {battle} b
        JOIN {prompt} p ON p.id = b.prompt_id
        JOIN {generation} na ON na.id = b.generation_a_id
        JOIN {generator} xa ON xa.id = na.generator_id
        JOIN {generation} nb ON nb.id = b.generation_b_id
        JOIN {generator} xb ON xb.id = nb.generator_id
        CROSS JOIN (
            SELECT COUNT(*) FILTER (WHERE v.created_at >= %(midnight)s) AS today,
                   COUNT(*) FILTER (WHERE v.created_at >= %(window)s) AS last_minute
            FROM {vote} v
            WHERE v.voter_id = %(voter)s AND v.created_at >= %(since)s
        ) c
        WHERE b.token = %(token)s AND b.voter_id = %(voter)s
    """


# The lock and the close are the ORM's own statements, compiled once: building them anew for
# every vote cost the web process more CPU than PostgreSQL spent running them.
@cache
def _lock_sql(vendor: str) -> str:
    voters = get_user_model().objects.select_for_update().filter(pk=0).values_list("pk")
    with transaction.atomic():  # select_for_update compiles only inside a transaction
        return _compiled(voters.query, expected=(0,))


@cache
def _close_sql(vendor: str) -> str:
    assigned = Battle.objects.filter(id=0, status=Battle.Status.ASSIGNED, voter_id=0)
    query = assigned.query.chain(UpdateQuery)
    query.add_update_values({"status": Battle.Status.VOTED})
    return _compiled(query, expected=(Battle.Status.VOTED, 0, Battle.Status.ASSIGNED, 0))


def _compiled(query, *, expected: tuple) -> str:
    """``query``'s SQL, checked to take its parameters in the order the caller passes them."""
    sql, params = query.get_compiler(connection=connection).as_sql()
    if tuple(params) != expected:
        raise AssertionError(f"unexpected parameters {params!r}")
    return sql


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _from_db(db, field, value):
    """``value`` as the ORM would give it for ``field`` (an aware datetime, a decimal, a bool)."""
    column, converters = _converters(db.vendor, field)
    for convert in converters:
        value = convert(value, column, db)
    return value


@cache
def _converters(vendor: str, field) -> tuple:
    column = field.get_col(field.model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)


def _ballot(cursor, *, voter, token: uuid.UUID, now: datetime.datetime) -> Ballot:
    """The voter's battle with the reveal, its category and the voter's counts, in one read.
    Anyone else's battle is answered like a missing one: its state is not theirs to know."""
    db = cursor.db
    adapt = db.ops.adapt_datetimefield_value
    midnight = selectors.day_start(now)
    window = now - datetime.timedelta(seconds=VOTE_RATE_WINDOW)
    params = {
        "voter": voter.pk,
        "token": Battle._meta.get_field("token").get_db_prep_value(token, db),
        "midnight": adapt(midnight),
        "window": adapt(window),
        "since": adapt(min(midnight, window)),
    }
    cursor.execute(_ballot_sql(db.vendor), params)
    row = cursor.fetchone()
    if row is None:
        raise BattleNotFound("No such battle.")
    (id_, status, left_is_a, shown_at, generator_a_id, generator_b_id, category_id, decoy,
     *sides, votes_today, votes_last_minute) = row  # fmt: skip
    field, cost = Battle._meta.get_field, Generation._meta.get_field("cost")
    a, b = (
        (name, latency_ms, _from_db(db, cost, amount))
        for name, latency_ms, amount in (sides[:3], sides[3:])
    )
    left_is_a = _from_db(db, field("left_is_a"), left_is_a)
    left, right = (a, b) if left_is_a else (b, a)
    return Ballot(
        id_, status, left_is_a, _from_db(db, field("shown_at"), shown_at), generator_a_id,
        generator_b_id, category_id, bool(decoy), votes_today, votes_last_minute,
        selectors.reveal_sides(left, right),
    )  # fmt: skip


def _reveal(battle: Ballot, answer: Vote | DecoyCheck) -> dict:
    if not battle.decoy:
        return battle.reveal
    return selectors.decoy_reveal(battle.reveal, passed=answer.passed, left_is_a=battle.left_is_a)


def _already_cast(model, battle: Ballot, voter, choice: str) -> Vote | DecoyCheck:
    existing = model.objects.filter(battle_id=battle.id, voter=voter).first()
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


def _write(cursor, battle: Ballot, *, voter, choice: str, reasons: list, ms, now) -> Vote:
    params = [Battle.Status.VOTED, battle.id, Battle.Status.ASSIGNED, voter.pk]
    cursor.execute(_close_sql(cursor.db.vendor), params)
    if cursor.rowcount != 1:  # cannot happen under the voter's lock; the constraint's guard
        raise BattleNotOpen("This battle is no longer open for voting.")
    left, right = battle.as_shown(battle.generator_a_id, battle.generator_b_id)
    return Vote.objects.create(
        battle_id=battle.id,
        voter=voter,
        category_id=battle.category_id,
        choice=choice,
        shown_left_id=left,
        shown_right_id=right,
        time_to_vote_ms=ms,
        flagged=bool(reasons),
        flag_reason="; ".join(reasons)[:200],
        created_at=now,
    )
