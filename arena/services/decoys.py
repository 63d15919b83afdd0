"""Decoy battles: attention checks that look like any other battle.

A decoy is a pool battle whose output b was made for another prompt of the same category (for
an edit, another instruction on the same source picture) by a different generator, as in any
battle. Output a answers the prompt on the page. The refill makes one at ``ARENA_DECOY_RATE``
(see :func:`arena.services.battles.battles_refill`); everything a voter is sent before the vote
follows the rules of every battle (addresses, served bytes, sides, the seen-output rule).

Some voters get more: a voter's first ``ARENA_DECOY_NEW_VOTES`` votes come with decoys at
``ARENA_DECOY_RATE_NEW``, and a voter who has failed more of their decoys than an attentive voter
would (``RATERS_ATTENTIVE_FAILURE``) gets them at ``ARENA_DECOY_RATE_DOUBT`` until the share
falls back (:func:`decoy_rate`). So does a voter the promoter test suspects of backing one
generator (``VoterStanding.suspect``): their decoys put that generator's output on the
off-prompt side, which an attentive voter turns down whatever its model. The extra decoys are
made when the voter claims a battle, from finished outputs they have not seen
(:func:`arena.services.battles.decoy_battle_for`), as pool battles like any other. The rate is
decided from the voter's past only, which keeps the decoy test valid
(``ratings.engine.raters``).
"""

from __future__ import annotations

import datetime
import random

from django.conf import settings
from django.db.models import Count, Q

from arena.models import Battle, DecoyCheck, Prompt, Vote, VoterStanding
from arena.services.errors import BattleNotOpen, VoteConflict
from arena.services.limits import vote_allowance_check
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
    """A finished output of ``generator`` made for another active prompt of the category.

    For an edit: another instruction on the same source picture. None when there is none
    (a category with one prompt, a source with one instruction, nothing finished yet).
    ``unseen``: a filter on the outputs (those a voter has not seen).
    """
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


def decoy_check_cast(*, ballot, voter, choice: str, now: datetime.datetime):
    """Answer a decoy battle: (its DecoyCheck, whether it was created now).

    ``ballot`` is the battle as the vote read it (``arena.services.votes.Ballot``); the vote
    has already taken the voter's lock. The same rules as a vote: a retry with the same choice
    returns the stored answer, another choice is a conflict, the voter's limits apply.
    """
    if ballot.status == Battle.Status.VOTED:
        existing = DecoyCheck.objects.filter(battle_id=ballot.id, voter=voter).first()
        if existing is None:
            raise BattleNotOpen("This battle is no longer open for voting.")
        if existing.choice != choice:
            raise VoteConflict("You already voted on this battle with a different choice.")
        return existing, False
    if ballot.status != Battle.Status.ASSIGNED:
        raise BattleNotOpen("This battle is no longer open for voting.")
    vote_allowance_check(
        voter=voter, votes_today=ballot.votes_today, votes_last_minute=ballot.votes_last_minute
    )
    closed = Battle.objects.filter(
        id=ballot.id, status=Battle.Status.ASSIGNED, voter_id=voter.pk
    ).update(status=Battle.Status.VOTED)
    if closed != 1:
        raise BattleNotOpen("This battle is no longer open for voting.")
    elapsed_ms = None
    if ballot.shown_at is not None:
        elapsed_ms = max((now - ballot.shown_at) // datetime.timedelta(milliseconds=1), 0)
    check = DecoyCheck.objects.create(
        battle_id=ballot.id,
        voter=voter,
        choice=choice,
        passed=decoy_passed(choice=choice, left_is_a=ballot.left_is_a),
        time_to_vote_ms=elapsed_ms,
        created_at=now,
    )
    return check, True
