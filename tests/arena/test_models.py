from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from arena.models import Battle, Vote


def _vote(battle, voter, choice="left"):
    return Vote.objects.create(
        battle=battle,
        voter=voter,
        choice=choice,
        shown_left=battle.generator_a,
        shown_right=battle.generator_b,
        time_to_vote_ms=1000,
    )


def test_the_database_rejects_a_second_vote_by_the_same_voter(shown_battle, voter):
    _vote(shown_battle, voter)
    with pytest.raises(IntegrityError), transaction.atomic():
        _vote(shown_battle, voter, choice="right")
    assert Vote.objects.count() == 1


def test_the_database_rejects_a_battle_of_a_generator_against_itself(ready_battle):
    with pytest.raises(IntegrityError), transaction.atomic():
        Battle.objects.create(
            prompt=ready_battle.prompt,
            generator_a=ready_battle.generator_a,
            generator_b=ready_battle.generator_a,
            generation_a=ready_battle.generation_a,
            generation_b=ready_battle.generation_b,
        )


def test_the_database_rejects_a_vote_with_the_same_generator_on_both_sides(shown_battle, voter):
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            battle=shown_battle,
            voter=voter,
            choice="tie",
            shown_left=shown_battle.generator_a,
            shown_right=shown_battle.generator_a,
            time_to_vote_ms=5,
        )


def test_the_database_rejects_an_unknown_choice(shown_battle, voter):
    with pytest.raises(IntegrityError), transaction.atomic():
        _vote(shown_battle, voter, choice="maybe")


def test_the_database_rejects_a_shown_battle_without_a_voter(ready_battle):
    with pytest.raises(IntegrityError), transaction.atomic():
        Battle.objects.filter(pk=ready_battle.pk).update(status=Battle.Status.ASSIGNED)
