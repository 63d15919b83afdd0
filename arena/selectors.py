"""Reads of the arena app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import timezone

from arena.models import Battle, Vote
from generation.models import Generation


@dataclass(frozen=True)
class Side:
    """What a voter sees of one output: never the generator."""

    url: str
    text: str
    is_image: bool


def battle_of_voter(*, voter, token) -> Battle | None:
    """The voter's own battle with this token, or None; other voters' battles stay hidden."""
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return (
        Battle.objects.select_related(
            "prompt__category", "generation_a__generator", "generation_b__generator"
        )
        .filter(token=token, voter=voter)
        .first()
    )


def _side(generation: Generation) -> Side:
    is_image = bool(generation.file)
    return Side(
        url=generation.file.url if is_image else "", text=generation.text, is_image=is_image
    )


def battle_sides(battle: Battle) -> tuple[Side, Side]:
    """(left, right) as drawn for this battle."""
    left, right = battle.generation_a, battle.generation_b
    if not battle.left_is_a:
        left, right = right, left
    return _side(left), _side(right)


def battle_reveal(battle: Battle) -> dict:
    """Who was on which side, for the page shown after the vote."""
    left, right = battle.generation_a, battle.generation_b
    if not battle.left_is_a:
        left, right = right, left
    return {
        "left": left.generator.name,
        "right": right.generator.name,
        "left_latency_ms": left.latency_ms,
        "right_latency_ms": right.latency_ms,
    }


def votes_today(*, voter) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Vote.objects.filter(voter=voter, created_at__gte=start).count()


def vote_of(*, battle: Battle, voter) -> Vote | None:
    return Vote.objects.filter(battle=battle, voter=voter).first()
