"""Casting a vote: once per voter and battle, idempotent on retry, within the voter's limits.

A vote is one transaction, the same code on SQLite and PostgreSQL:

1. the voter's row is locked, so one voter's votes are cast one at a time (the battle on
   screen and the preloaded one sent at the same moment cannot both pass the last free slot
   of a limit);
2. the battle is read with what the reveal needs, and the voter's votes today and in the last
   minute are counted;
3. the battle is closed with a compare-and-set from assigned to voted, the vote effects that
   other rooms registered (the online Elo, see :mod:`arena.hooks`) take their locks, the vote
   is inserted under the unique (battle, voter) constraint, and the effects are applied.
"""

from __future__ import annotations

import datetime
import uuid
from contextlib import ExitStack
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from arena import hooks, selectors
from arena.models import Battle, Vote
from arena.services.errors import BattleNotFound, BattleNotOpen, VoteConflict, VoteError
from arena.services.limits import VOTE_RATE_WINDOW, vote_allowance_check

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
    battle = _ballot(voter=voter, token=token)
    now = timezone.now()
    votes_today, votes_last_minute = _voter_counts(voter=voter, now=now)
    reveal = selectors.battle_reveal(battle)
    if battle.status == Battle.Status.VOTED:
        return VoteCast(_already_cast(battle, voter, choice), False, votes_today, reveal)
    if battle.status != Battle.Status.ASSIGNED:
        raise BattleNotOpen("This battle is no longer open for voting.")
    vote_allowance_check(voter=voter, votes_today=votes_today, votes_last_minute=votes_last_minute)
    vote = _write(battle=battle, voter=voter, choice=choice, images_loaded=images_loaded, now=now)
    return VoteCast(vote, True, votes_today + 1, reveal)


def _voter_lock(voter) -> None:
    # Every vote of this voter takes this row lock first, so their limits are counted exactly.
    # (SQLite takes its one write lock when the transaction begins, which serialises as well.)
    list(get_user_model().objects.select_for_update().filter(pk=voter.pk).values_list("pk"))


def _ballot(*, voter, token: uuid.UUID) -> Battle:
    """The voter's battle with what the reveal needs; BattleNotFound for anyone else's."""
    try:
        battle = Battle.objects.select_related(
            "prompt", "generation_a__generator", "generation_b__generator"
        ).get(token=token)
    except Battle.DoesNotExist:
        battle = None
    # Someone else's battle, or one in the pool, is answered like a missing one: its existence
    # and state are not this voter's to know.
    if battle is None or battle.voter_id != voter.pk:
        raise BattleNotFound("No such battle.")
    return battle


def _voter_counts(*, voter, now: datetime.datetime) -> tuple[int, int]:
    """The voter's votes since midnight and within the rate limit's window."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    window_start = now - datetime.timedelta(seconds=VOTE_RATE_WINDOW)
    counts = Vote.objects.filter(voter=voter, created_at__gte=min(midnight, window_start))
    counts = counts.aggregate(
        today=Count("id", filter=Q(created_at__gte=midnight)),
        last_minute=Count("id", filter=Q(created_at__gte=window_start)),
    )
    return counts["today"], counts["last_minute"]


def _already_cast(battle: Battle, voter, choice: str) -> Vote:
    existing = Vote.objects.filter(battle=battle, voter=voter).first()
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


def _write(*, battle: Battle, voter, choice: str, images_loaded, now) -> Vote:
    elapsed_ms = None
    if battle.shown_at is not None:
        elapsed_ms = max((now - battle.shown_at) // datetime.timedelta(milliseconds=1), 0)
    reasons = vote_flags(time_to_vote_ms=elapsed_ms, images_loaded=images_loaded)
    left, right = battle.as_shown(battle.generator_a_id, battle.generator_b_id)
    closed = Battle.objects.filter(
        id=battle.id, status=Battle.Status.ASSIGNED, voter_id=voter.pk
    ).update(status=Battle.Status.VOTED)
    if closed != 1:  # cannot happen under the voter's lock; kept as the constraint's guard
        raise BattleNotOpen("This battle is no longer open for voting.")
    with ExitStack() as effects:
        # Each effect takes its locks before the insert, so votes that share a lock are
        # numbered in the order their effects apply (replaying by id gives the same Elo).
        category_id = battle.prompt.category_id
        apply = [
            effects.enter_context(effect(category_id=category_id, sides=(left, right)))
            for effect in hooks.vote_effects()
        ]
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
            created_at=now,
        )
        for effect_apply in apply:
            effect_apply(vote)
    return vote
