"""A category that has votes cannot be deleted: its votes are the record its board rests on."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from arena.models import Category, Vote
from arena.services import vote_cast
from ratings.models import Snapshot


@pytest.fixture
def vote(voter, shown_battle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    return Vote.objects.get(battle=shown_battle)


def test_deleting_a_category_with_votes_is_refused_and_changes_nothing(vote, category):
    snapshots = Snapshot.objects.filter(category=category).count()
    with pytest.raises(ProtectedError):
        category.delete()
    with pytest.raises(ProtectedError):
        Category.objects.filter(id=category.id).delete()
    vote.refresh_from_db()
    assert vote.category_id == category.id
    assert Snapshot.objects.filter(category=category).count() == snapshots


def test_the_admin_says_why_a_category_with_votes_stays(admin_client, vote, category):
    url = reverse("admin:arena_category_delete", args=[category.id])
    page = admin_client.post(url, {"post": "yes"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Product shots: 1 vote." in text
    assert "make its prompts inactive instead" in text
    assert Category.objects.filter(id=category.id).exists()


def test_the_admin_bulk_delete_refuses_too(admin_client, vote, category):
    empty = Category.objects.create(slug="empty", name="Empty")
    page = admin_client.post(
        reverse("admin:arena_category_changelist"),
        {"action": "delete_selected", "_selected_action": [category.id, empty.id], "post": "yes"},
    )
    assert page.status_code == 200
    assert "Product shots: 1 vote." in page.content.decode()
    assert Category.objects.filter(id__in=[category.id, empty.id]).count() == 2


def test_a_category_without_votes_is_deleted_as_before(admin_client, category):
    url = reverse("admin:arena_category_delete", args=[category.id])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Category.objects.filter(id=category.id).exists()
