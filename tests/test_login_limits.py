"""Login limits key on the client's address, also behind proxies; odd usernames are no 500."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.core.proxies import axes_client_address_settings

LOGIN = "/accounts/login/"
PROXY = "10.0.0.2"


@pytest.fixture
def behind_one_proxy(settings):
    for name, value in axes_client_address_settings(1).items():
        setattr(settings, name, value)


def _attempt(client: Client, *, forwarded: str, password: str = "wrong-password"):
    return client.post(
        LOGIN,
        {"username": "voter", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_failures_from_one_client_do_not_lock_out_another(
    client, voter, settings, behind_one_proxy
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, forwarded="203.0.113.7")
    assert _attempt(client, forwarded="203.0.113.7").status_code == 429

    other = _attempt(Client(), forwarded="198.51.100.9", password="voter-pass-123")

    assert other.status_code == 302


def test_behind_a_proxy_a_client_is_still_locked_out_by_its_own_failures(
    client, voter, settings, behind_one_proxy
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, forwarded="203.0.113.7")

    assert _attempt(client, forwarded="203.0.113.7", password="voter-pass-123").status_code == 429


def test_a_forged_forwarded_entry_does_not_move_the_client_to_someone_elses_address(
    client, voter, settings, behind_one_proxy
):
    # The proxy appends the real client's address; a client's own entry comes before it.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, forwarded="198.51.100.9, 203.0.113.7")

    victim = _attempt(Client(), forwarded="198.51.100.9", password="voter-pass-123")

    assert victim.status_code == 302


def test_without_a_proxy_forwarded_headers_are_ignored(client, voter, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "voter", "password": "nope"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    locked = client.post(
        LOGIN, {"username": "voter", "password": "voter-pass-123"}, REMOTE_ADDR="203.0.113.7"
    )
    assert locked.status_code == 429


@pytest.mark.parametrize("username", ["x" * 256, "y" * 5000, "nul\x00name"])
def test_a_login_with_an_impossible_username_is_an_error_not_a_500(db, username):
    client = Client(raise_request_exception=False)

    response = client.post(LOGIN, {"username": username, "password": "whatever-1"})

    assert response.status_code in (200, 400)
