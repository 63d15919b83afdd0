"""Inputs that used to raise a server error answer a clear 4xx (or work) instead."""

from __future__ import annotations

import pytest
from django.test import Client

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
