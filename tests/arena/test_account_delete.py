"""Deleting an account never fails on the battles it holds, and never hands its own to others."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from arena.models import Battle, Prompt
from arena.services import battle_assign_next, battle_create, battle_hold_next, vote_cast


def _delete(admin_client, user):
    return admin_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})


def _released(battle: Battle) -> bool:
    battle.refresh_from_db()
    held = (battle.voter_id, battle.left_is_a, battle.assigned_at, battle.shown_at)
    return battle.status == Battle.Status.READY and held == (None, None, None, None)


def test_deleting_a_voter_who_holds_a_battle_puts_it_back_in_the_pool(
    admin_client, voter, other_voter, shown_battle
):
    response = _delete(admin_client, voter)

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=voter.pk).exists()
    assert _released(shown_battle)
    assert battle_assign_next(voter=other_voter) == shown_battle


def test_a_battle_held_as_the_next_one_goes_back_too(
    admin_client, voter, ready_battle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        held = battle_hold_next(voter=voter)
    assert held == ready_battle

    assert _delete(admin_client, voter).status_code == 302
    assert _released(ready_battle)


def test_deleting_several_accounts_at_once_from_the_list_releases_theirs(
    admin_client, voter, shown_battle
):
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [voter.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert _released(shown_battle)


def test_the_battles_a_deleted_account_typed_are_never_handed_to_anyone(
    admin_client, voter, other_voter, category, generators, django_capture_on_commit_callbacks
):
    prompt = Prompt.objects.create(text="My own secret product", category=category)
    with django_capture_on_commit_callbacks(execute=True):
        typed = battle_create(
            prompt=prompt, generator_a=generators[0], generator_b=generators[1], requested_by=voter
        )
    with django_capture_on_commit_callbacks(execute=False):
        assert battle_assign_next(voter=voter) == typed

    assert _delete(admin_client, voter).status_code == 302

    typed.refresh_from_db()
    assert typed.status == Battle.Status.FAILED and typed.voter_id is None
    assert battle_assign_next(voter=other_voter) is None


def test_a_voter_who_voted_is_kept_and_the_admin_says_why(admin_client, voter, shown_battle):
    vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")

    response = _delete(admin_client, voter)

    assert response.status_code == 200 and "Cannot delete user" in response.content.decode()
    shown_battle.refresh_from_db()
    assert shown_battle.status == Battle.Status.VOTED and shown_battle.voter_id == voter.pk


@pytest.mark.parametrize("status", [Battle.Status.PENDING, Battle.Status.FAILED])
def test_deleting_an_account_leaves_other_battles_alone(admin_client, voter, ready_battle, status):
    Battle.objects.filter(pk=ready_battle.pk).update(status=status)

    assert _delete(admin_client, voter).status_code == 302

    ready_battle.refresh_from_db()
    assert ready_battle.status == status
