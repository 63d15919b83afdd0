"""Casting a vote: once per voter and battle, idempotent on retry, blind until it lands."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from arena.models import Battle, Vote
from arena.services.errors import BattleNotFound, BattleNotOpen, VoteConflict, VoteError
from arena.services.limits import vote_allowance_check
from ratings.services import elo_apply, elo_lock, ratings_schedule

__all__ = ["BattleNotFound", "BattleNotOpen", "VoteConflict", "VoteError", "vote_cast"]


def _battle_for(voter, token) -> Battle:
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise BattleNotFound("No such battle.") from None
    # The outputs and their generators come along: the reveal that follows a vote needs them.
    battle = (
        Battle.objects.select_related(
            "prompt", "generation_a__generator", "generation_b__generator"
        )
        .filter(token=token)
        .first()
    )
    # Someone else's battle is answered like a missing one: its existence is not ours to know.
    if battle is None or (battle.voter_id is not None and battle.voter_id != voter.id):
        raise BattleNotFound("No such battle.")
    return battle


def vote_cast(
    *, voter, battle_token, choice: str, images_loaded: bool | None = None
) -> tuple[Vote, bool]:
    """Record a vote and close the battle; returns ``(vote, created)``.

    Posting the same choice again (double click, retry) returns the stored vote with
    ``created=False``; a different choice on a voted battle is a conflict. The unique
    constraint on (battle, voter) is what keeps a vote from being counted twice when two
    requests race; the status compare-and-set keeps a battle from being voted twice.

    ``images_loaded`` is the browser's word on whether both outputs had loaded (None: it
    could not say, e.g. without JavaScript). A vote cast before they had, or sooner than
    ``ARENA_MIN_VOTE_MS`` after the battle was shown, is kept and flagged. Raises
    ``RateLimited`` (429) past the voter's rate limit or daily cap; a retry of a vote already
    counted is never limited.
    """
    if choice not in Vote.Choice.values:
        raise VoteError(f"Unknown choice {choice!r}; use one of: {', '.join(Vote.Choice.values)}.")
    battle = _battle_for(voter, battle_token)
    # An open battle has no vote yet (a racing one is caught by the unique constraint below).
    if battle.status != Battle.Status.ASSIGNED:
        existing = Vote.objects.filter(battle=battle, voter=voter).first()
        if existing is not None:
            return _repeat(existing, choice)
        raise BattleNotOpen(
            f"This battle is not open for voting (it is {battle.get_status_display().lower()})."
        )
    vote_allowance_check(voter=voter)
    try:
        return _insert(battle, voter, choice, images_loaded), True
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


@transaction.atomic
def _insert(battle: Battle, voter, choice: str, images_loaded: bool | None) -> Vote:
    left, right = battle.as_shown(battle.generator_a_id, battle.generator_b_id)
    category_id = battle.prompt.category_id
    elo_rows = elo_lock(category_id=category_id, generator_ids=(left, right))
    elapsed_ms = None
    if battle.shown_at is not None:
        elapsed_ms = max(int((timezone.now() - battle.shown_at).total_seconds() * 1000), 0)
    reasons = vote_flags(time_to_vote_ms=elapsed_ms, images_loaded=images_loaded)
    vote = Vote.objects.create(
        battle=battle,
        voter=voter,
        category_id=category_id,
        choice=choice,
        shown_left_id=left,
        shown_right_id=right,
        time_to_vote_ms=elapsed_ms,
        flagged=bool(reasons),
        flag_reason="; ".join(reasons)[:200],
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
