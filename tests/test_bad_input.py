"""Inputs that used to raise a server error answer a clear 4xx (or work) instead."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from arena.models import Category

PAGED = ["/api/v1/categories/", "/api/v1/generators/", "/api/v1/leaderboards/"]
# Unicode digits that str.isdigit() accepts: superscript, Arabic-Indic, mathematical, fractions.
DIGITS = ["\u00b2", "\u0661", "\u0663", "\U0001d7dd", "\u216b", "\u00bd", "\u0660"]


@pytest.fixture
def signed_in(voter) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(voter)
    return client


@pytest.mark.parametrize("url", PAGED)
@pytest.mark.parametrize("param", ["page", "page_size"])
@pytest.mark.parametrize("value", DIGITS)
def test_unicode_digits_in_page_parameters_answer_400(signed_in, url, param, value):
    response = signed_in.get(url, {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_retrying_a_battle_with_a_token_that_is_no_uuid_answers_404(signed_in):
    response = signed_in.post("/prompt/zzz/retry/")

    assert response.status_code == 404


# Where a form (or anything at all) can be posted: before sign-in, as a voter, as staff, the API.
FORM_URLS = ["/admin/login/", "/accounts/login/", "/prompt/", "/prompt/edit/",
             "/vote/00000000-0000-0000-0000-000000000000/", "/admin/arena/category/add/",
             "/api/v1/route/"]  # fmt: skip
CHARSETS = ["utf-16", "latin-1", "no-such-charset"]
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz"]


def _csrf_client(user=None) -> tuple[Client, str]:
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get("/accounts/login/")
    return client, client.cookies["csrftoken"].value


def _post_form(client: Client, token: str, url: str, content_type: str):
    body = "username=admin&password=x&name=Logos&slug=logos".encode("utf-16")
    return client.generic("POST", url, body, content_type=content_type, HTTP_X_CSRFTOKEN=token)


@pytest.mark.parametrize("url", FORM_URLS)
@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_a_form_posted_in_another_charset_answers_400_and_changes_nothing(
    admin_user, url, charset, form_type
):
    client, token = _csrf_client(admin_user)

    response = _post_form(client, token, url, f"{form_type}; charset={charset}")

    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert not Category.objects.exists() and not AccessAttempt.objects.exists()


@pytest.mark.parametrize("url", ["/admin/login/", "/accounts/login/"])
@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "ISO-8859-1", "utf-32", "cp1252", "utf8"])
def test_a_stranger_signing_in_in_another_charset_gets_400(admin_user, url, charset):
    client, token = _csrf_client()

    response = _post_form(
        client, token, url, f"application/x-www-form-urlencoded; charset={charset}"
    )

    assert response.status_code == 400 and "UTF-8" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_the_api_says_so_in_json(db):
    client, token = _csrf_client()

    response = client.generic(
        "POST", "/api/v1/route/", b"a=1", content_type="application/x-www-form-urlencoded; "
        "charset=latin-1", HTTP_X_CSRFTOKEN=token
    )  # fmt: skip

    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"'])
def test_a_form_declared_utf8_is_read_as_usual(voter, charset):
    client, token = _csrf_client()

    response = client.generic(
        "POST",
        "/accounts/login/",
        b"username=voter&password=voter-pass-123",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 302
