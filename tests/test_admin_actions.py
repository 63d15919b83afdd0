"""Every admin action checks its own permission: a view-only account can read, never act.

The walk covers every action of every registered model admin, read from the admin site
itself, so an action added later is held to the same rule without a new test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from arena.models import Battle, Vote
from arena.services import vote_cast
from generation.models import Generation
from ratings.api_keys import api_key_create
from ratings.models import ApiKey

PASSWORD = "view-only-pass-123"


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _actions(model_admin) -> list[str]:
    return [name for _, name, _ in model_admin._get_base_actions()]


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def every_model_has_a_row(voter, shown_battle, django_capture_on_commit_callbacks):
    # Shown a while ago, so the vote is not flagged and its recompute gives its board Elo rows.
    Battle.objects.filter(id=shown_battle.id).update(shown_at=timezone.now() - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    api_key_create(name="router")
    Group.objects.create(name="analysts")
    # The login limit's records: a success, a failure, and a failure's log line.
    login = reverse("login")
    Client().post(login, {"username": "voter", "password": "voter-pass-123"})
    Client().post(login, {"username": "nobody", "password": "wrong-password"})
    AccessFailureLog.objects.create(username="nobody", ip_address="203.0.113.7", user_agent="")
    empty = [m._meta.label for m, _ in _registered() if not m._default_manager.exists()]
    assert not empty, f"give these models a row in this fixture: {empty}"


@pytest.fixture
def viewer(db, django_user_model):
    user = django_user_model.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def _everything() -> dict:
    """Every row of every model the admin shows, and the admin's log."""
    state = {}
    for model in [m for m, _ in _registered()] + [LogEntry]:
        rows = model._default_manager.order_by("pk")
        state[model._meta.label] = [model_to_dict(row) | {"pk": row.pk} for row in rows]
    return state


def test_every_admin_action_declares_the_permissions_it_needs():
    for model, model_admin in _registered():
        for function, name, _ in model_admin._get_base_actions():
            permissions = getattr(function, "allowed_permissions", ())
            assert permissions, f"{model._meta.label} action {name!r} checks no permission"


def test_a_view_only_account_reads_every_list_but_is_offered_no_action(
    client, viewer, every_model_has_a_row
):
    client.force_login(viewer)
    for model, _ in _registered():
        response = client.get(_changelist(model))

        assert response.status_code == 200, model._meta.label
        form = response.context.get("action_form")
        offered = [value for value, _ in form.fields["action"].choices if value] if form else []
        assert offered == [], f"{model._meta.label} offers {offered} to a view-only account"


def test_a_view_only_account_cannot_run_any_action_by_posting_it(
    client, viewer, every_model_has_a_row, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    before = _everything()
    walked = 0
    for model, model_admin in _registered():
        selected = [row.pk for row in model._default_manager.all()]
        for name in _actions(model_admin):
            data = {"action": name, "_selected_action": selected, "index": 0, "post": "yes",
                    "reason": "A reason, so that only the permission can stop it"}  # fmt: skip
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(_changelist(model), data)
            assert response.status_code in (200, 302, 403), (model._meta.label, name)
            walked += 1

    assert walked >= 4  # void, test, revoke, and Django's own delete
    assert _everything() == before


def _with_permission(django_user_model, codename: str):
    user = django_user_model.objects.create_user(codename, password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
        | Permission.objects.filter(codename=codename)
    )
    return user


def test_the_void_permission_lets_staff_void_votes(
    client, django_user_model, every_model_has_a_row, django_capture_on_commit_callbacks
):
    client.force_login(_with_permission(django_user_model, "void_vote"))
    vote = Vote.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _changelist(Vote),
            {"action": "void_votes", "_selected_action": [vote.pk], "reason": "duplicate"},
        )

    vote.refresh_from_db()
    assert vote.voided_at is not None


def test_the_test_permission_lets_staff_test_a_generator(client, django_user_model, generators):
    client.force_login(_with_permission(django_user_model, "test_generator"))
    generator = generators[0]

    client.post(
        _changelist(type(generator)),
        {"action": "test_generator", "_selected_action": [generator.pk]},
    )

    assert Generation.objects.filter(generator=generator).exists()


def test_the_change_permission_on_keys_lets_staff_revoke_one(client, django_user_model, db):
    client.force_login(_with_permission(django_user_model, "change_apikey"))
    row, _ = api_key_create(name="router")

    client.post(_changelist(ApiKey), {"action": "revoke", "_selected_action": [row.pk]})

    row.refresh_from_db()
    assert row.revoked_at is not None


def test_the_vote_plan_page_needs_the_view_permission_on_snapshots(client, django_user_model, db):
    staff = django_user_model.objects.create_user("desk", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:ratings_vote_plan")).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_snapshot"))
    assert client.get(reverse("admin:ratings_vote_plan")).status_code == 200


def test_cleaning_up_expired_login_attempts_works_for_staff_allowed_to_delete(
    admin_client, settings
):
    old = AccessAttempt.objects.create(
        username="nobody", ip_address="203.0.113.7", user_agent="", failures_since_start=1
    )
    AccessAttempt.objects.filter(pk=old.pk).update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2
    )

    response = admin_client.post(
        _changelist(AccessAttempt),
        {"action": "cleanup_expired_attempts", "_selected_action": [old.pk]},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=old.pk).exists()
