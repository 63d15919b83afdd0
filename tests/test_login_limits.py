"""Login limits key on the client's address, also behind proxies; odd usernames are no 500."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.core.proxies import client_address

LOGIN = "/accounts/login/"
PROXY = "10.0.0.2"


@pytest.fixture
def behind_one_proxy(settings):
    settings.PROXY_COUNT = 1


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


def test_a_client_behind_its_own_proxy_is_not_locked_out_by_forgers(
    client, voter, settings, behind_one_proxy
):
    # Forgers from many addresses, each header with an entry of their own making.
    for i in range(settings.AXES_FAILURE_LIMIT):
        _attempt(Client(), forwarded=f"6.6.6.{i}, 198.51.100.{i}")

    # A client whose own office proxy wrote an entry before ours appended its address.
    office = _attempt(client, forwarded="10.1.1.1, 203.0.113.7", password="voter-pass-123")

    assert office.status_code == 302


def test_forgers_cannot_escape_their_own_bucket_by_changing_what_they_write(
    client, voter, settings, behind_one_proxy
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, forwarded=f"6.6.6.{i}, 10.0.{i}.1, 198.51.100.9")

    assert _attempt(client, forwarded="198.51.100.9", password="voter-pass-123").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "6.6.6.6,  198.51.100.9 ", "198.51.100.9"),
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.9", "198.51.100.9"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "", "10.0.0.2"),  # no header behind a proxy that always sets one: its address
        (2, "198.51.100.9", "10.0.0.2"),  # fewer entries than proxies: not trusted
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address_is_the_entry_the_outermost_proxy_wrote(
    rf, settings, proxies, forwarded, expected
):
    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected
