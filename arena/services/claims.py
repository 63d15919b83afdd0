"""Handing battles to voters: the one on screen, and one held as the next to preload.

A voter holds at most the battle on their screen plus one held for them: claimed, sides
drawn, not shown yet (``shown_at`` is empty), so its images can load while they judge the
current one. Every claim is a compare-and-set on the status, so no two voters get the same
battle. A held battle that is not shown within ``HOLD_SECONDS`` (the voter closed the tab)
goes back to the pool: the next voter's claim takes it over, so nothing is stranded.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from arena.models import Battle
from arena.services.battles import ahead_later, decoy_battle_for, refill_later
from arena.services.pairing import categories_order
from arena.services.unseen import (
    battle_create_unseen,
    battles_repeating,
    outputs_mark_seen,
    outputs_unmark_seen,
    unseen_by,
)

HOLD_SECONDS = 15 * 60
_CANDIDATES = 5
_rng = random.SystemRandom()


def battle_assign_next(*, voter, category_id: int | None = None) -> Battle | None:
    """The battle on this voter's screen, else the one held as their next, else a fresh one.

    Sides are drawn once, at the claim: reloading the page does not swap them.
    """
    mine = Battle.objects.filter(voter=voter, status=Battle.Status.ASSIGNED)
    shown = mine.filter(shown_at__isnull=False).order_by("shown_at", "id").first()
    if shown is not None:
        return shown
    held = mine.order_by("assigned_at", "id").first()
    if held is not None and battle_mark_shown(voter=voter, battle=held):
        held.refresh_from_db()
        return held
    return _claim(voter=voter, category_id=category_id, show=True)


def battle_hold_next(*, voter, category_id: int | None = None) -> Battle | None:
    """The battle held for this voter as their next one (claimed now if need be), not shown;
    the same one until it is shown, so a reload never claims more."""
    held = (
        Battle.objects.filter(voter=voter, status=Battle.Status.ASSIGNED, shown_at__isnull=True)
        .order_by("assigned_at", "id")
        .first()
    )
    if held is not None:
        return held
    return _claim(voter=voter, category_id=category_id, show=False)


def battle_mark_shown(*, voter, battle: Battle) -> bool:
    """Record that a battle held for this voter is on their screen now; idempotent.
    False when it is no longer theirs (taken over after HOLD_SECONDS)."""
    Battle.objects.filter(
        id=battle.id, voter=voter, status=Battle.Status.ASSIGNED, shown_at__isnull=True
    ).update(shown_at=timezone.now())
    return Battle.objects.filter(id=battle.id, voter=voter, shown_at__isnull=False).exists()


def battle_open_requested(*, voter, battle: Battle) -> bool:
    """Show the voter the battle they asked for with their own prompt, once it is ready."""
    if battle.requested_by_id != voter.id:
        return False
    claimed = Battle.objects.filter(
        id=battle.id, status=Battle.Status.READY, requested_by=voter
    ).update(**_assignment(voter, show=True))
    if claimed:
        outputs_mark_seen(voter=voter, battle_id=battle.id)
        _take_away_repeats(voter=voter, battle_id=battle.id)
    return bool(claimed) or (
        battle.voter_id == voter.id
        and battle.status in (Battle.Status.ASSIGNED, Battle.Status.VOTED)
    )


def _take_away_repeats(*, voter, battle_id: int) -> None:
    """Take from the voter their unvoted battles holding an output (by content) of this one:
    its reveal would name their sides. Pool battles go back to the pool (their outputs stay
    seen by this voter); the voter's own fail with the reason."""
    repeated = Battle.objects.filter(
        id__in=battles_repeating(voter=voter, battle_id=battle_id),
        voter=voter,
        status=Battle.Status.ASSIGNED,
    )
    repeated.filter(requested_by__isnull=True).update(status=Battle.Status.READY, **_UNCLAIMED)
    repeated.filter(requested_by=voter).update(
        status=Battle.Status.FAILED,
        failure="Its outputs came back in another battle of yours, whose result named them.",
    )


def _claimable(voter) -> Q:
    stale = timezone.now() - timedelta(seconds=HOLD_SECONDS)
    free = Q(status=Battle.Status.READY) | Q(
        status=Battle.Status.ASSIGNED, shown_at__isnull=True, assigned_at__lt=stale
    )
    # A battle someone asked for with their own prompt is theirs alone.
    return free & (Q(requested_by__isnull=True) | Q(requested_by=voter))


def _assignment(voter, *, show: bool) -> dict:
    now = timezone.now()
    return {
        "status": Battle.Status.ASSIGNED,
        "voter": voter,
        "left_is_a": _rng.random() < 0.5,
        "assigned_at": now,
        "shown_at": now if show else None,
    }


def _claim(*, voter, category_id: int | None, show: bool) -> Battle | None:
    pool = Battle.objects.filter(_claimable(voter))
    if category_id is not None:
        pool = pool.filter(prompt__category_id=category_id)
    unseen = pool.filter(unseen_by(voter))
    # A decoy made for this voter, at their rate (more for new voters and voters in doubt).
    made = decoy_battle_for(
        voter=voter,
        categories=lambda: (
            [category_id] if category_id is not None else _categories_for(voter, unseen)
        ),
    )
    if made is not None:
        battle = _claim_from(Battle.objects.filter(id=made.id), voter=voter, show=show)
        if battle is not None:
            return battle
    # A prompt this voter was given within the repeat window only when no other is left.
    for candidates in (unseen.filter(_prompt_not_recent(voter)), unseen):
        battle = _claim_best(candidates, voter=voter, category_id=category_id, show=show)
        if battle is not None:
            return battle
    if not pool.exists():
        # The refill is on its way; battles are made ahead of this voter beside it.
        ahead_later(voter)
        return None
    # Every open battle holds an output this voter has seen: make one they have not.
    if battle_create_unseen(voter=voter, category_id=category_id) is None:
        return None
    return _claim_best(
        pool.filter(unseen_by(voter)), voter=voter, category_id=category_id, show=show
    )


def _claim_best(pool, *, voter, category_id: int | None, show: bool) -> Battle | None:
    """The voter's own requests first, then the category where a vote is worth most."""
    if category_id is not None:
        return _claim_from(pool, voter=voter, show=show)
    mine = _claim_from(pool.filter(requested_by=voter), voter=voter, show=show)
    if mine is not None:
        return mine
    for category in _categories_for(voter, pool):
        battle = _claim_from(pool.filter(prompt__category_id=category), voter=voter, show=show)
        if battle is not None:
            return battle
    return None


def _claim_from(pool, *, voter, show: bool) -> Battle | None:
    # The voter's own requests first, then the oldest, so the buffer turns over in order.
    order = (F("requested_by").desc(nulls_last=True), "created_at")
    for candidate in pool.order_by(*order).values_list("id", flat=True)[:_CANDIDATES]:
        claimed = Battle.objects.filter(_claimable(voter), id=candidate).update(
            **_assignment(voter, show=show)
        )
        if not claimed:
            continue
        if not outputs_mark_seen(voter=voter, battle_id=candidate):
            _give_back(voter=voter, battle_id=candidate)
            continue
        battle = Battle.objects.select_related("prompt").get(id=candidate)
        refill_later(battle.prompt.category_id, voter=voter)
        return battle
    return None


def _categories_for(voter, pool) -> list[int | None]:
    """Categories with a battle for this voter, drawn by worth; the previous battle's goes
    last, so a voter does not get a run of one category while another has a battle waiting."""
    open_in = set(pool.values_list("prompt__category_id", flat=True).distinct())
    previous = (
        Battle.objects.filter(voter=voter, assigned_at__isnull=False)
        .order_by("-assigned_at", "-id")
        .values_list("prompt__category_id", flat=True)
        .first()
    )
    order = categories_order(sorted(open_in - {previous}, key=lambda c: (c is None, c)))
    return order + ([previous] if previous in open_in else [])


def _prompt_not_recent(voter) -> Q:
    """Not a prompt this voter was given within ARENA_PROMPT_REPEAT_HOURS (their own aside)."""
    hours = settings.ARENA_PROMPT_REPEAT_HOURS
    if hours <= 0:
        return Q()
    since = timezone.now() - timedelta(hours=hours)
    recent = Battle.objects.filter(voter=voter, assigned_at__gte=since).values("prompt_id")
    return ~Q(prompt_id__in=recent) | Q(requested_by=voter)


_UNCLAIMED = {"voter": None, "left_is_a": None, "assigned_at": None, "shown_at": None}


def _give_back(*, voter, battle_id: int) -> None:
    """Return a battle just claimed to the pool, before anything of it reached the voter."""
    Battle.objects.filter(id=battle_id, voter=voter, status=Battle.Status.ASSIGNED).update(
        status=Battle.Status.READY, **_UNCLAIMED
    )
    outputs_unmark_seen(voter=voter, battle_id=battle_id)


def battles_release_account(*, user_id: int) -> None:
    """Before an account is deleted: its held pool battles go back, its unvoted own-prompt
    battles are retired (never handed to anyone else). Votes keep the account (``Vote.voter``)."""
    typed = Battle.objects.filter(requested_by_id=user_id).exclude(status=Battle.Status.VOTED)
    typed.update(
        status=Battle.Status.FAILED,
        failure="The account that asked for it was deleted.",
        **_UNCLAIMED,
    )
    Battle.objects.filter(voter_id=user_id, status=Battle.Status.ASSIGNED).update(
        status=Battle.Status.READY, **_UNCLAIMED
    )
