"""Casting a vote: once per voter and battle, idempotent on retry, blind until it lands."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from arena.models import Battle, Vote
from ratings.services import elo_apply, elo_lock, ratings_schedule


class VoteError(Exception):
    """A vote that cannot be taken; ``status`` is the HTTP status to answer with."""

    status = 400


class BattleNotFound(VoteError):
    status = 404


class BattleNotOpen(VoteError):
    status = 409


class VoteConflict(VoteError):
    status = 409


def _battle_for(voter, token) -> Battle:
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise BattleNotFound("No such battle.") from None
    battle = Battle.objects.select_related("prompt").filter(token=token).first()
    # Someone else's battle is answered like a missing one: its existence is not ours to know.
    if battle is None or (battle.voter_id is not None and battle.voter_id != voter.id):
        raise BattleNotFound("No such battle.")
    return battle


def vote_cast(*, voter, battle_token, choice: str) -> tuple[Vote, bool]:
    """Record a vote and close the battle; returns ``(vote, created)``.

    Posting the same choice again (double click, retry) returns the stored vote with
    ``created=False``; a different choice on a voted battle is a conflict. The unique
    constraint on (battle, voter) is what keeps a vote from being counted twice when two
    requests race; the status compare-and-set keeps a battle from being voted twice.
    """
    if choice not in Vote.Choice.values:
        raise VoteError(f"Unknown choice {choice!r}; use one of: {', '.join(Vote.Choice.values)}.")
    battle = _battle_for(voter, battle_token)
    existing = Vote.objects.filter(battle=battle, voter=voter).first()
    if existing is not None:
        return _repeat(existing, choice)
    if battle.status != Battle.Status.ASSIGNED:
        raise BattleNotOpen(
            f"This battle is not open for voting (it is {battle.get_status_display().lower()})."
        )
    try:
        return _insert(battle, voter, choice), True
    except IntegrityError:
        # A concurrent request by the same voter won the race; answer as a retry would.
        existing = Vote.objects.filter(battle=battle, voter=voter).first()
        if existing is None:
            raise
        return _repeat(existing, choice)


def _repeat(existing: Vote, choice: str) -> tuple[Vote, bool]:
    if existing.choice != choice:
        raise VoteConflict("You already voted on this battle with a different choice.")
    return existing, False


@transaction.atomic
def _insert(battle: Battle, voter, choice: str) -> Vote:
    left, right = (battle.generator_a_id, battle.generator_b_id)
    if not battle.left_is_a:
        left, right = right, left
    category_id = battle.prompt.category_id
    elo_rows = elo_lock(category_id=category_id, generator_ids=(left, right))
    elapsed = timezone.now() - battle.shown_at
    vote = Vote.objects.create(
        battle=battle,
        voter=voter,
        category_id=category_id,
        choice=choice,
        shown_left_id=left,
        shown_right_id=right,
        time_to_vote_ms=max(int(elapsed.total_seconds() * 1000), 0),
    )
    closed = Battle.objects.filter(id=battle.id, status=Battle.Status.ASSIGNED, voter=voter).update(
        status=Battle.Status.VOTED
    )
    if closed != 1:
        # Status moved under us (e.g. an admin discarded it): roll the vote back.
        raise BattleNotOpen("This battle closed before the vote landed.")
    elo_apply(rows=elo_rows, vote=vote)
    transaction.on_commit(lambda: ratings_schedule(category_id=category_id))
    return vote
