"""Who may use what: every URL pattern is walked as a stranger, a voter, staff and an API key."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from arena.addresses import output_address
from arena.services import battle_assign_next
from ratings.api_keys import api_key_create

# Patterns anonymous users may reach (besides static files, served outside the URLconf).
PUBLIC = {"accounts/login/"}
# Patterns that answer a signed-in voter (GET), and those only staff may use.
API = "api/v1/"
ADMIN = "admin/"
# API patterns that list every vote: staff and keys with the export scope only.
EXPORTS = {"api/v1/battles/export/"}


def _routes(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(ADMIN):
                routes.append(ADMIN)  # the admin site guards all its pages itself
                continue
            routes += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return sorted(set(routes))


def _url(route: str, samples: dict) -> str:
    def fill(match: re.Match) -> str:
        return str(samples[match.group(2)])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


@pytest.fixture
def samples(shown_battle, other_voter):
    return {
        "token": shown_battle.token,
        "slug": "overall",
        "category": "overall",
        "username": other_voter.get_username(),  # a voter's own board: theirs and staff's
        "name": shown_battle.generation_a.file.name.split("/")[-1],
        "signed": output_address(shown_battle, "left").rsplit("/", 1)[-1],
    }


def test_every_url_pattern_is_classified():
    routes = _routes(get_resolver().url_patterns)
    assert routes, "no routes found"
    assert ADMIN in routes and any(r.startswith(API) for r in routes)


def test_strangers_reach_only_the_login_page(client, samples):
    for route in _routes(get_resolver().url_patterns):
        response = client.get(_url(route, samples))
        if route in PUBLIC:
            assert response.status_code == 200, route
        elif route.startswith(API):
            assert response.status_code == 401, route
        else:
            assert response.status_code in (302, 405), (route, response.status_code)
            if response.status_code == 302:
                final = client.get(response["Location"], follow=True)
                assert final.request["PATH_INFO"].endswith("/login/"), route


def test_voters_are_kept_out_of_the_admin(client, voter):
    client.force_login(voter)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get("/admin/arena/vote/").status_code == 302


def test_staff_reach_the_admin(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="x-pass-1234", is_staff=True,
                                                  is_superuser=True)  # fmt: skip
    client.force_login(staff)
    for url in ("/admin/", "/admin/arena/vote/", "/admin/generation/generator/",
                "/admin/ratings/apikey/", "/admin/ratings/snapshot/"):  # fmt: skip
        assert client.get(url).status_code == 200, url


def test_a_voter_cannot_open_another_voters_battle(client, other_voter, shown_battle):
    client.force_login(other_voter)
    url = f"/vote/{shown_battle.token}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"choice": "left"}).status_code == 404


def test_a_voter_cannot_read_another_voters_votes(client, voter, other_voter, shown_battle):
    from arena.services import vote_cast

    vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    client.force_login(other_voter)
    page = client.get(f"/vote/{shown_battle.token}/")
    assert page.status_code == 404
    assert shown_battle.generator_a.name not in client.get("/vote/", follow=True).content.decode()


POST_READS = {f"{API}route/"}


def test_api_keys_read_but_never_write_or_reach_pages(client, samples):
    _, key = api_key_create(name="walker")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for route in _routes(get_resolver().url_patterns):
        url = _url(route, samples)
        response = client.get(url, **headers)
        if route in EXPORTS:
            # Reading boards is not reading every voter's votes.
            assert response.status_code == 403, (route, response.status_code)
        elif route.startswith(API):
            assert response.status_code in (200, 404), (route, response.status_code)
            posted = client.post(url, {}, **headers).status_code
            if route in POST_READS:
                # It reads with POST (a prompt may be too long for a query) and takes JSON only.
                assert posted == 415, route
            else:
                assert posted in (403, 404), route
        elif route not in PUBLIC:
            # A key is no session: pages still ask for a login.
            assert response.status_code in (302, 405), (route, response.status_code)


def test_identities_stay_hidden_from_a_voter_until_the_vote(client, voter, ready_battle):
    client.force_login(voter)
    battle = battle_assign_next(voter=voter)
    html = client.get(f"/vote/{battle.token}/").content.decode().lower()
    for generator in (battle.generator_a, battle.generator_b):
        assert generator.name.lower() not in html and generator.slug not in html


def _api_routes() -> list[str]:
    return [r for r in _routes(get_resolver().url_patterns) if r.startswith(API)]


def test_voters_reach_the_api_but_not_the_export(client, voter, samples):
    client.force_login(voter)
    for route in _api_routes():
        status = client.get(_url(route, samples)).status_code
        assert status in ((403,) if route in EXPORTS else (200, 404)), (route, status)


def test_staff_and_export_keys_reach_the_export_and_nothing_more(
    client, samples, django_user_model
):
    _, export_key = api_key_create(name="exporter", scopes=["export"])
    for route in _api_routes():
        status = client.get(_url(route, samples), HTTP_AUTHORIZATION=f"Bearer {export_key}")
        assert status.status_code == (200 if route in EXPORTS else 403), route
    staff = django_user_model.objects.create_user("desk", password="x-pass-1234", is_staff=True)
    client.force_login(staff)
    for route in EXPORTS:
        assert client.get(_url(route, samples)).status_code == 200, route


def test_a_key_deleted_revoked_or_descoped_reaches_nothing_on_the_next_request(client, samples):
    from ratings.api_keys import api_key_revoke

    cases = {}
    for name in ("deleted", "revoked", "descoped", "empty"):
        cases[name] = api_key_create(name=name, scopes=[] if name == "empty" else None)
    for name, (row, _key) in cases.items():
        if name == "deleted":
            row.delete()
        elif name == "revoked":
            api_key_revoke(api_key=row)
        elif name == "descoped":
            row.scopes = []
            row.save()
    for name, (_, key) in cases.items():
        for route in _api_routes():
            status = client.get(_url(route, samples), HTTP_AUTHORIZATION=f"Bearer {key}")
            assert status.status_code in (401, 403), (name, route, status.status_code)
