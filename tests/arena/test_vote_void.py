"""Votes are never deleted from the admin: staff void them, audited, and no board counts them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from arena.models import Battle, Vote
from arena.services import vote_cast
from ratings.models import EloRating, Snapshot

CHANGELIST = "admin:arena_vote_changelist"


@pytest.fixture
def vote(voter, shown_battle, django_capture_on_commit_callbacks):
    # Shown a while ago, so the vote is not flagged: it counts on the boards and in the Elo.
    Battle.objects.filter(id=shown_battle.id).update(shown_at=timezone.now() - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    return Vote.objects.get(battle=shown_battle)


def _void(client, votes, reason="Voter clicked at random", capture=None):
    data = {"action": "void_votes", "_selected_action": [v.pk for v in votes], "reason": reason}
    if capture is None:
        return client.post(reverse(CHANGELIST), data, follow=True)
    with capture(execute=True):
        return client.post(reverse(CHANGELIST), data, follow=True)


def test_votes_cannot_be_deleted_from_the_admin(admin_client, vote):
    assert admin_client.get(reverse("admin:arena_vote_delete", args=[vote.pk])).status_code == 403
    actions = admin_client.get(reverse(CHANGELIST)).context["action_form"].fields["action"]
    assert "delete_selected" not in dict(actions.choices)
    admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [vote.pk], "post": "yes"},
    )
    assert Vote.objects.filter(pk=vote.pk).exists()


def test_voiding_keeps_the_vote_and_records_who_when_and_why(
    admin_client, admin_user, vote, django_capture_on_commit_callbacks
):
    _void(admin_client, [vote], capture=django_capture_on_commit_callbacks)

    vote.refresh_from_db()
    assert vote.voided_at is not None and vote.voided_by == admin_user
    assert vote.void_reason == "Voter clicked at random"
    entry = LogEntry.objects.get(object_id=str(vote.pk))
    assert entry.user == admin_user and "Voter clicked at random" in entry.get_change_message()


def test_a_void_needs_a_reason(admin_client, vote):
    response = _void(admin_client, [vote], reason="  ")

    vote.refresh_from_db()
    assert vote.voided_at is None
    assert any("reason" in str(m) for m in response.context["messages"])


def test_a_voided_vote_leaves_the_online_elo_and_every_board(
    admin_client, vote, django_capture_on_commit_callbacks
):
    moved = EloRating.objects.filter(votes__gt=0)
    assert moved.count() == 2  # two generators on the category board (overall keeps no rows)

    _void(admin_client, [vote], capture=django_capture_on_commit_callbacks)

    assert not EloRating.objects.filter(votes__gt=0).exists()
    for category in (None, vote.category):
        latest = Snapshot.objects.filter(category=category, kind="generate").latest()
        assert latest.vote_count == 0
        assert latest.parameters["excluded"]["void"] == 1


def test_voiding_twice_changes_and_audits_once(
    admin_client, vote, django_capture_on_commit_callbacks
):
    _void(admin_client, [vote], capture=django_capture_on_commit_callbacks)
    first = Vote.objects.get(pk=vote.pk).voided_at
    _void(admin_client, [vote], reason="again", capture=django_capture_on_commit_callbacks)

    vote.refresh_from_db()
    assert vote.voided_at == first and vote.void_reason == "Voter clicked at random"
    assert LogEntry.objects.filter(object_id=str(vote.pk)).count() == 1


@pytest.fixture
def desk(django_user_model):
    """A staff account allowed to void votes, and nothing more."""
    user = django_user_model.objects.create_user("desk", password="desk-pass-123", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_vote", "void_vote"], content_type__app_label="arena"
        )
    )
    return user


def _void_as(user, vote, capture) -> None:
    client = Client()
    client.force_login(user)
    _void(client, [vote], capture=capture)


def test_deleting_the_account_that_voided_keeps_who_voided_and_the_log(
    admin_client, desk, vote, django_capture_on_commit_callbacks
):
    _void_as(desk, vote, django_capture_on_commit_callbacks)

    response = admin_client.post(reverse("admin:auth_user_delete", args=[desk.pk]), {"post": "yes"})
    with pytest.raises(ProtectedError):
        desk.delete()

    assert response.status_code == 200 and "Cannot delete user" in response.content.decode()
    vote.refresh_from_db()
    assert vote.voided_by_id == desk.pk and vote.voided_by_name == "desk"
    entry = LogEntry.objects.get(object_id=str(vote.pk))
    assert entry.user_id == desk.pk and "Voter clicked at random" in entry.get_change_message()
    assert "by desk" in admin_client.get(reverse(CHANGELIST)).content.decode()


def test_renaming_the_account_that_voided_keeps_the_name_it_voided_under(
    admin_client, desk, vote, django_capture_on_commit_callbacks
):
    _void_as(desk, vote, django_capture_on_commit_callbacks)
    desk.username = "someone-else"
    desk.save()

    vote.refresh_from_db()
    assert vote.voided_by_name == "desk"
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "by desk" in page and "by someone-else" not in page
