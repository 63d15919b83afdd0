"""Who may export votes, and what an export says about who cast them; API key lifecycle."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from arena.services import vote_cast
from ratings.api_keys import api_key_create, api_key_revoke
from ratings.models import ApiKey

EXPORT = "/api/v1/battles/export/"
ROUTE = "/api/v1/route/"


def _lines(response) -> list[dict]:
    return [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]


@pytest.fixture
def voted(voter, shown_battle):
    vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    return shown_battle


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("boss", password="boss-pass-123", is_staff=True)


def test_a_voter_cannot_export_votes(client, other_voter, voted):
    client.force_login(other_voter)

    response = client.get(EXPORT)

    assert response.status_code == 403
    assert "voter" not in response.content.decode()


def test_a_read_key_cannot_export_votes(client, voted):
    _, key = api_key_create(name="router", scopes=["read"])

    assert client.get(EXPORT, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403


def test_an_export_key_exports_votes_with_pseudonymous_judges(client, voted):
    _, key = api_key_create(name="analyst", scopes=["export"])

    first = _lines(client.get(EXPORT, HTTP_AUTHORIZATION=f"Bearer {key}"))
    again = _lines(client.get(EXPORT, HTTP_AUTHORIZATION=f"Bearer {key}"))

    assert len(first) == 1
    assert first[0]["judge"] != "voter" and first[0]["judge"].startswith("judge-")
    assert first == again  # stable: the same voter has the same pseudonym in every export


def test_a_key_cannot_ask_for_names(client, voted):
    _, key = api_key_create(name="analyst", scopes=["export"])

    response = client.get(EXPORT + "?judges=names", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 403


def test_staff_export_pseudonyms_by_default_and_names_on_request(client, staff, voted):
    client.force_login(staff)

    hidden = _lines(client.get(EXPORT))
    named = _lines(client.get(EXPORT + "?judges=names"))

    assert hidden[0]["judge"].startswith("judge-")
    assert named[0]["judge"] == "voter"


def test_pseudonyms_are_keyed_by_the_secret(client, staff, voted, settings):
    client.force_login(staff)
    before = _lines(client.get(EXPORT))[0]["judge"]
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    client.force_login(staff)

    assert _lines(client.get(EXPORT))[0]["judge"] != before


def test_a_deleted_key_stops_working_on_the_next_request(client, boards):
    row, key = api_key_create(name="gone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 200

    ApiKey.objects.filter(pk=row.pk).delete()

    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 401


def test_a_descoped_key_stops_working_on_the_next_request(client, boards):
    row, key = api_key_create(name="narrowed")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 200

    row.scopes = []
    row.save()

    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 403


def test_a_revoked_key_stops_working_on_the_next_request(client, boards):
    row, key = api_key_create(name="revoked")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 200

    api_key_revoke(api_key=row)

    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 401


def test_a_key_made_in_the_admin_with_no_scope_reaches_nothing(admin_client, client, boards):
    response = admin_client.post(reverse("admin:ratings_apikey_add"), {"name": "blank"})
    assert response.status_code == 302
    row = ApiKey.objects.get(name="blank")
    assert row.scopes == []
    message = next(iter(response.wsgi_request._messages)).message
    key = message.split(" is ")[1].split(" ")[0]

    answer = client.get(ROUTE, {"category": "logos"}, HTTP_AUTHORIZATION=f"Bearer {key}")

    assert answer.status_code == 403


def test_the_admin_gives_keys_the_scopes_ticked(admin_client, db):
    response = admin_client.post(
        reverse("admin:ratings_apikey_add"), {"name": "both", "scopes": ["read", "export"]}
    )

    assert response.status_code == 302
    assert sorted(ApiKey.objects.get(name="both").scopes) == ["export", "read"]


def test_keys_deleted_in_the_admin_stop_working(admin_client, client, boards):
    row, key = api_key_create(name="bulk")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 200

    admin_client.post(
        reverse("admin:ratings_apikey_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )

    assert not ApiKey.objects.filter(pk=row.pk).exists()
    assert client.get(ROUTE, {"category": "logos"}, **auth).status_code == 401


def test_export_battles_pseudonymises_unless_asked_for_names(voted, tmp_path):
    from django.core.management import call_command

    hidden, named = tmp_path / "hidden.jsonl", tmp_path / "named.jsonl"
    call_command("export_battles", "-o", str(hidden))
    call_command("export_battles", "-o", str(named), "--judge-names")

    assert json.loads(hidden.read_text())["judge"].startswith("judge-")
    assert json.loads(named.read_text())["judge"] == "voter"
