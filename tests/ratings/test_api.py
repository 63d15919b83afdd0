from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from ratings.api_keys import api_key_create, api_key_revoke
from ratings.models import ApiKey

ENDPOINTS = [
    "/api/v1/categories/",
    "/api/v1/generators/",
    "/api/v1/leaderboards/",
    "/api/v1/leaderboards/overall/",
    "/api/v1/matrix/logos/",
    "/api/v1/route/?category=logos",
    "/api/v1/battles/export/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_endpoint_answers_401_without_a_key(client, boards, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_endpoint_answers_a_signed_in_user(client, boards, voter, url):
    client.force_login(voter)
    # Only staff and keys with the export scope may export every vote.
    assert client.get(url).status_code == (403 if "export" in url else 200)


def test_a_revoked_or_unknown_key_answers_401(client, boards):
    row, key = api_key_create(name="old")
    api_key_revoke(api_key=row)
    for bad in (key, "arena_not-a-key"):
        response = client.get("/api/v1/route/", HTTP_AUTHORIZATION=f"Bearer {bad}")
        assert response.status_code == 401
        assert "Unknown or revoked" in response.json()["detail"]


def test_a_key_without_the_read_scope_answers_403(client, boards):
    _, key = api_key_create(name="no-scope", scopes=[])
    response = client.get("/api/v1/route/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert "read" in response.json()["detail"]


def test_keys_are_read_only(api, boards):
    assert api.post("/api/v1/categories/", {"slug": "x", "name": "x"}).status_code == 403
    assert api.delete("/api/v1/leaderboards/overall/").status_code == 403


def test_keys_are_stored_hashed_and_printed_once(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "router-2", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("arena_") and "not shown again" in err.getvalue()
    row = ApiKey.objects.get(name="router-2")
    assert key not in (row.key_hash, row.prefix) and row.scopes == ["read"]


def test_categories_and_generators_show_public_fields_with_pagination(api, boards):
    page = api.get("/api/v1/categories/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert set(page["results"][0]) == {"slug", "name", "description", "kind"}
    generators = api.get("/api/v1/generators/").json()["results"]
    assert {g["slug"] for g in generators} == {
        "gpt-image-2",
        "nano-banana-pro",
        "seedream-4",
        "flux-2",
    }
    assert set(generators[0]) == {"slug", "name", "provider", "model_id", "modality",
                                  "capabilities", "enabled", "price_per_output"}  # fmt: skip


def test_a_leaderboard_has_one_row_per_generator_and_the_snapshot_facts(api, boards):
    board = api.get("/api/v1/leaderboards/logos/").json()
    assert board["board"] == "logos" and board["method"] == "bt"
    assert board["votes_total"] == 600 and board["computed_at"]
    assert board["parameters"]["ties"] == "half"
    rows = board["rows"]
    assert rows[0]["generator"] == "gpt-image-2"
    for field in ("generator", "rating", "ci_lower", "ci_upper", "elo", "rank", "rank_lower",
                  "rank_upper", "votes", "win_rate", "p_best"):  # fmt: skip
        assert field in rows[0]
    assert rows[0]["ci_lower"] < rows[0]["rating"] < rows[0]["ci_upper"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)


def test_the_leaderboard_list_pages_through_boards(api, boards):
    first = api.get("/api/v1/leaderboards/?page_size=2").json()
    assert first["count"] == 4
    assert [b["board"] for b in first["results"]] == ["overall", "logos"]
    second = api.get(first["next"]).json()
    assert [b["board"] for b in second["results"]] == ["people", "thin"]


def test_an_unknown_category_answers_404_naming_the_known_ones(api, boards):
    for url in (
        "/api/v1/leaderboards/nope/",
        "/api/v1/matrix/nope/",
        "/api/v1/route/?category=nope",
    ):
        response = api.get(url)
        assert response.status_code == 404
        assert "Unknown category 'nope'" in response.json()["detail"]
        assert "logos" in response.json()["detail"]


def test_a_conditional_request_answers_304(api, boards):
    first = api.get("/api/v1/leaderboards/logos/")
    assert first["ETag"]
    again = api.get("/api/v1/leaderboards/logos/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    route = api.get("/api/v1/route/?category=logos")
    assert (
        api.get("/api/v1/route/?category=logos", HTTP_IF_NONE_MATCH=route["ETag"]).status_code
        == 304
    )


def test_a_new_snapshot_changes_the_etag(api, boards):
    etag = api.get("/api/v1/leaderboards/logos/")["ETag"]
    call_command("recompute_ratings", "logos", stdout=io.StringIO(), stderr=io.StringIO())
    response = api.get("/api/v1/leaderboards/logos/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_a_price_edit_shows_on_the_next_request_of_board_and_route(api, boards):
    from generation.models import Generator

    board = api.get("/api/v1/leaderboards/logos/")
    route = api.get("/api/v1/route/?category=logos")
    Generator.objects.filter(slug="gpt-image-2").update(price_per_output="0.77")
    fresh = api.get("/api/v1/leaderboards/logos/", HTTP_IF_NONE_MATCH=board["ETag"])
    assert fresh.status_code == 200
    prices = {row["generator"]: row["price_per_output"] for row in fresh.json()["rows"]}
    assert prices["gpt-image-2"] == 0.77
    assert (
        api.get("/api/v1/route/?category=logos", HTTP_IF_NONE_MATCH=route["ETag"]).status_code
        == 200
    )


def test_a_new_snapshot_shows_on_the_next_request(api, boards):
    before = api.get("/api/v1/leaderboards/logos/").json()["snapshot"]
    call_command("recompute_ratings", "logos", stdout=io.StringIO(), stderr=io.StringIO())
    assert api.get("/api/v1/leaderboards/logos/").json()["snapshot"] != before


def test_route_recommends_the_category_leader_when_confident(api, boards):
    body = api.get("/api/v1/route/?category=people").json()
    assert body["decision"] == "confident" and body["board_used"] == "people"
    assert body["recommended"]["generator"] == "nano-banana-pro"
    assert body["recommended"]["model_id"] == "nano-banana-pro"
    assert {"rating", "ci_lower", "ci_upper", "p_best", "cost", "median_latency_ms"} <= set(
        body["recommended"]
    )
    assert [a["generator"] for a in body["alternatives"]][:1] != ["nano-banana-pro"]
    assert len(body["alternatives"]) == 3


def test_route_falls_back_to_the_overall_leader_when_a_category_is_thin(api, boards):
    body = api.get("/api/v1/route/?category=thin").json()
    assert body["decision"] == "insufficient_data"
    assert "votes" in body["reason"]
    overall = api.get("/api/v1/leaderboards/overall/").json()["rows"][0]["generator"]
    assert body["board_used"] == "overall" and body["recommended"]["generator"] == overall


def test_route_picks_the_best_within_a_budget(api, boards):
    from generation.models import Generator

    Generator.objects.filter(slug="gpt-image-2").update(price_per_output="0.20")
    Generator.objects.exclude(slug="gpt-image-2").update(price_per_output="0.01")
    body = api.get("/api/v1/route/?category=logos&max_cost=0.05").json()
    assert body["recommended"]["generator"] == "nano-banana-pro"
    assert all(a["cost"] <= 0.05 for a in body["alternatives"])


@pytest.mark.parametrize("bad", ["cheap", "-1", "nan", "inf"])
def test_route_rejects_a_bad_budget_with_400(api, boards, bad):
    response = api.get(f"/api/v1/route/?max_cost={bad}")
    assert response.status_code == 400
    assert "max_cost" in response.json()


def test_the_matrix_has_rates_counts_and_predictions_per_pair(api, boards):
    body = api.get("/api/v1/matrix/logos/").json()
    n = len(body["generators"])
    assert n == 4
    for name in ("win_rate", "counts", "predicted"):
        assert len(body[name]) == n and all(len(row) == n for row in body[name])
    i, j = body["generators"].index("gpt-image-2"), body["generators"].index("flux-2")
    assert body["win_rate"][i][j] > 0.5 and body["predicted"][i][j] > 0.5
    assert body["counts"][i][j] == body["counts"][j][i] > 0


def test_the_battles_export_streams_the_public_format(client, boards):
    _, key = api_key_create(name="exporter", scopes=["export"])
    response = client.get(
        "/api/v1/battles/export/?category=people", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 600
    record = json.loads(lines[0])
    assert {"model_a", "model_b", "winner", "category", "tstamp"} <= set(record)
    assert record["winner"] in ("model_a", "model_b", "tie", "tie (bothbad)")


def test_the_schema_validates_and_the_docs_page_serves_local_assets(api, voter, client, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert api.get("/api/v1/schema/").status_code == 200
    client.force_login(voter)
    page = client.get("/api/v1/docs/").content.decode()
    assert 'src="/api/v1/docs/redoc.js"' in page and "cdn" not in page.lower()
    script = client.get("/api/v1/docs/redoc.js")
    assert script["Content-Type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in b"".join(script)


def test_the_schema_names_its_operations_for_a_router_route_first(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    assert schema["info"]["title"] == "Arena API"
    operations = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert operations[0] == "route"
    assert set(operations) == {
        "route", "route_prompt", "leaderboards", "leaderboard", "matrix", "categories",
        "generators", "battles_export",
    }  # fmt: skip
    route = schema["paths"]["/api/v1/route/"]["get"]
    assert route["summary"] and route["tags"] == ["Routing"]


def test_the_api_index_links_every_endpoint_the_schema_and_the_docs(api):
    assert Client().get("/api/v1/").status_code == 401  # like every address of the API
    index = api.get("/api/v1/").json()
    assert index["schema"] == "http://testserver/api/v1/schema/"
    assert index["docs"] == "http://testserver/api/v1/docs/"
    links = [endpoint["url"] for endpoint in index["endpoints"].values()]
    assert links[0] == "http://testserver/api/v1/route/"
    assert "http://testserver/api/v1/leaderboards/overall/" in links
    for url in links:  # each link answers a key holder (the export wants the export scope)
        assert api.get(url.removeprefix("http://testserver")).status_code in (200, 403, 404)


def test_the_docs_send_a_signed_out_browser_to_the_sign_in_page(client):
    response = client.get("/api/v1/docs/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/v1/docs/"
    assert client.get("/api/v1/docs/", HTTP_ACCEPT="application/json").status_code == 401


def test_route_lists_as_many_alternatives_as_asked(api, boards):
    assert len(api.get("/api/v1/route/?category=logos&alternatives=1").json()["alternatives"]) == 1
    assert api.get("/api/v1/route/?alternatives=lots").status_code == 400


def test_a_key_records_when_it_was_last_used(client, boards):
    row, key = api_key_create(name="tracked")
    assert row.last_used_at is None
    client.get("/api/v1/route/", HTTP_AUTHORIZATION=f"Bearer {key}")
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize("accept", ["v/@", "text/html", "application/xml;q=1", ""])
def test_any_accept_header_gets_json(api, boards, accept):
    response = api.get("/api/v1/categories/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"]


def test_an_unknown_format_still_answers_404(api, boards):
    assert api.get("/api/v1/categories/", {"format": "xml"}).status_code == 404


@pytest.mark.parametrize("url", [*ENDPOINTS, "/api/v1/"])
def test_every_endpoint_answers_400_naming_a_query_parameter_it_does_not_take(
    client, boards, admin_user, url
):
    client.force_login(admin_user)  # staff may export too
    joined = f"{url}{'&' if '?' in url else '?'}categroy=people&judge=1"
    response = client.get(joined)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"categroy", "judge"}
    assert body["categroy"][0].startswith("Unknown query parameter: this endpoint takes")


def test_a_misspelt_category_no_longer_answers_for_the_overall_board(api, boards):
    response = api.get("/api/v1/route/?categroy=people")
    assert response.status_code == 400
    message = response.json()["categroy"][0]
    assert "alternatives, category, control, kind, max_cost, objective, tolerance" in message
    assert api.get("/api/v1/route/?category=people&format=json").status_code == 200


def test_the_route_says_why_it_recommends_nothing_before_any_vote(api, db):
    for url in ("/api/v1/route/", "/api/v1/route/?kind=edit"):
        body = api.get(url).json()
        assert body["recommended"] is None
        assert body["reason"].startswith("no votes yet")
        assert "overall" in body["reason"]


def test_the_route_says_why_it_recommends_no_editor_on_a_board_without_edit_votes(api, boards):
    body = api.get("/api/v1/route/?kind=edit").json()
    assert body["recommended"] is None
    assert (
        body["reason"] == "no votes yet: no generator is rated on the overall board of edit votes"
    )


@pytest.mark.parametrize("category", ["", "&category=logos", "&category=thin"])
def test_the_route_says_when_no_generator_fits_the_budget(api, boards, category):
    from generation.models import Generator

    Generator.objects.update(price_per_output="0.04")
    body = api.get(f"/api/v1/route/?max_cost=0.01{category}").json()
    assert body["recommended"] is None and body["alternatives"] == []
    assert body["reason"] == (
        "no rated generator costs at most 0.01 per output (the cheapest rated one costs 0.04); "
        "raise max_cost"
    )
