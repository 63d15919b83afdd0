"""Simulated votes for the demo, from voters who follow the demo generators' hidden quality."""

from __future__ import annotations

import math
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from arena.demo_data import GENERATORS
from arena.models import Category, Kind, Vote
from generation.models import Generator

KEY_PREFIX = "demo:"
VOTERS = 5
# Log-odds between quality 0 and quality 1: the best demo generator beats the worst ~95%.
STRENGTH_SCALE = 4.0
TIE_SHARE = 0.12  # of close pairs; fewer when one side is clearly better
BOTH_BAD_BELOW = 0.5  # both sides under this quality: sometimes judged both bad
SPREAD_DAYS = 14


def demo_votes_cast(*, count: int, seed: int = 0) -> int:
    """Make sure ``count`` simulated demo votes exist; returns how many were added.

    The same seed gives the same votes, and running it again adds only the missing ones, so
    ``manage.py demo`` can run on every start. Votes are written in bulk, with no battle of
    their own (as imported votes are), spread over the last two weeks.
    """
    existing = Vote.objects.filter(import_key__startswith=KEY_PREFIX).count()
    quality = {spec["slug"]: spec["quality"] for spec in GENERATORS}
    generators = list(Generator.objects.filter(slug__in=quality).order_by("slug"))
    # Generation categories only: a simulated edit vote would have no source image to name,
    # and an export of it could not be imported back into its edit category.
    categories = list(Category.objects.filter(kind=Kind.GENERATE).order_by("slug"))
    if count <= existing or len(generators) < 2 or not categories:
        return 0
    voters = _voters()
    rng = random.Random(seed)
    now = timezone.now()
    votes = []
    for i in range(count):
        left, right = rng.sample(generators, 2)
        choice = _judge(rng, quality[left.slug], quality[right.slug])
        voter = rng.choice(voters)
        category = rng.choice(categories)
        age = timedelta(seconds=rng.uniform(0, SPREAD_DAYS * 86400))
        if i < existing:
            continue  # drawn anyway, so that vote i is the same whatever ran before
        votes.append(
            Vote(
                voter=voter,
                category=category,
                choice=choice,
                shown_left=left,
                shown_right=right,
                time_to_vote_ms=rng.randint(1500, 12000),
                created_at=now - age,
                judge=voter.username,
                import_key=f"{KEY_PREFIX}{seed}:{i}",
            )
        )
    with transaction.atomic():
        Vote.objects.bulk_create(votes, batch_size=1000, ignore_conflicts=True)
    return len(votes)


def _judge(rng: random.Random, left: float, right: float) -> str:
    """One voter's verdict on a pair of the given qualities (Bradley-Terry, with ties)."""
    p_left = 1 / (1 + math.exp(-STRENGTH_SCALE * (left - right)))
    draw = rng.random()
    if max(left, right) < BOTH_BAD_BELOW and draw < 0.3:
        return Vote.Choice.BOTH_BAD
    if rng.random() < TIE_SHARE * (1 - abs(2 * p_left - 1)):
        return Vote.Choice.TIE
    return Vote.Choice.LEFT if rng.random() < p_left else Vote.Choice.RIGHT


def _voters() -> list:
    users = get_user_model()
    voters = []
    for n in range(1, VOTERS + 1):
        voter, created = users.objects.get_or_create(username=f"demo-voter-{n}")
        if created:
            voter.set_unusable_password()
            voter.save(update_fields=["password"])
        voters.append(voter)
    return voters
