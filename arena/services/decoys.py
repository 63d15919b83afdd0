"""Decoy battles: attention checks that look like any other battle (docs/voters.md).

A decoy is a pool battle whose output b was made for another prompt of the same category (for
an edit, another instruction on the same source) by a different generator; everything a voter
is sent before the vote follows the rules of every battle. The refill makes them at
``ARENA_DECOY_RATE``; new voters, voters in doubt and suspected promoters get more
(:func:`decoy_rate`), made at their claim. The rate is decided from the voter's past only,
which keeps the decoy test valid (``ratings.engine.raters``).
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db.models import Count, Q

from arena.models import Battle, DecoyCheck, Prompt, Vote, VoterStanding
from arena.services.errors import BattleNotOpen
from generation.models import Generation

# How many finished outputs of other prompts a decoy draws its off-prompt side from.
_CANDIDATES = 50


def decoy_rate(voter) -> float:
    """The share of this voter's battles that should be decoys now (see the module)."""
    rate = settings.ARENA_DECOY_RATE
    new, new_rate = settings.ARENA_DECOY_NEW_VOTES, settings.ARENA_DECOY_RATE_NEW
    if new_rate > rate and Vote.objects.filter(voter=voter)[:new].count() < new:
        rate = new_rate
    if rate < settings.ARENA_DECOY_RATE_DOUBT:
        checks = DecoyCheck.objects.filter(voter=voter).aggregate(
            n=Count("id"), failed=Count("id", filter=Q(passed=False))
        )
        if checks["failed"] > settings.RATERS_ATTENTIVE_FAILURE * checks["n"]:
            rate = settings.ARENA_DECOY_RATE_DOUBT
    if rate < settings.ARENA_DECOY_RATE_DOUBT and decoy_suspect(voter) is not None:
        rate = settings.ARENA_DECOY_RATE_DOUBT
    return rate


def decoy_suspect(voter) -> int | None:
    """The generator the promoter test suspects this voter of backing, if any."""
    return (
        VoterStanding.objects.filter(voter=voter, suspect__isnull=False)
        .values_list("suspect_id", flat=True)
        .first()
    )


def decoy_extra_chance(voter) -> float:
    """The chance that a claim of this voter's takes a decoy made for them: with the pool's own
    decoys (``ARENA_DECOY_RATE``), their battles are decoys at :func:`decoy_rate`."""
    base = settings.ARENA_DECOY_RATE
    rate = decoy_rate(voter)
    return 0.0 if rate <= base or base >= 1.0 else (rate - base) / (1.0 - base)


def decoy_output(
    *, prompt: Prompt, generator, rng: random.Random, unseen: Q | None = None
) -> Generation | None:
    """A finished output of ``generator`` made for another active prompt of the category (for
    an edit, on the same source), filtered by ``unseen``; None when there is none."""
    if prompt.category_id is None:
        return None
    others = (
        Prompt.objects.filter(category_id=prompt.category_id, active=True)
        .exclude(id=prompt.id)
        .exclude(text=prompt.text)
        .filter(source_image=prompt.source_image)
    )
    outputs = Generation.objects.filter(
        prompt__in=others, generator=generator, status=Generation.Status.SUCCEEDED
    ).exclude(digest="")
    if unseen is not None:
        outputs = outputs.filter(unseen)
    ids = list(outputs.order_by("id").values_list("id", flat=True)[:_CANDIDATES])
    return Generation.objects.get(id=rng.choice(ids)) if ids else None


def decoy_passed(*, choice: str, left_is_a: bool) -> bool:
    """Passed unless the voter preferred the off-prompt side (b) or called a tie."""
    off_prompt = Vote.Choice.RIGHT if left_is_a else Vote.Choice.LEFT
    return choice not in (off_prompt, Vote.Choice.TIE)


def decoy_check_cast(*, ballot, voter, choice: str, elapsed_ms: int | None, now) -> DecoyCheck:
    """Close an open decoy battle with its DecoyCheck; the vote checked everything else under
    the voter's lock (``arena.services.votes``)."""
    closed = Battle.objects.filter(
        id=ballot.id, status=Battle.Status.ASSIGNED, voter_id=voter.pk
    ).update(status=Battle.Status.VOTED)
    if closed != 1:
        raise BattleNotOpen("This battle is no longer open for voting.")
    return DecoyCheck.objects.create(
        battle_id=ballot.id,
        voter=voter,
        choice=choice,
        passed=decoy_passed(choice=choice, left_is_a=ballot.left_is_a),
        time_to_vote_ms=elapsed_ms,
        created_at=now,
    )
