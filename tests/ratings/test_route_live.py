"""End to end: a real HTTP server, an imported battles file, and a router reading /route/."""

from __future__ import annotations

import httpx
import pytest

from tests.ratings.conftest import battle_lines, import_lines

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_router_reads_the_route_with_its_key_and_gets_the_favoured_generator(
    live_server, tmp_path, api_key
):
    import_lines(tmp_path, battle_lines())
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as client:
        logos = client.get("/api/v1/route/", params={"category": "logos"})
        people = client.get("/api/v1/route/", params={"category": "people"})
        cached = client.get(
            "/api/v1/route/",
            params={"category": "logos"},
            headers={"If-None-Match": logos.headers["ETag"]},
        )
        anonymous = httpx.get(f"{live_server.url}/api/v1/route/", timeout=10)
    assert logos.status_code == 200 and logos.json()["decision"] == "confident"
    assert logos.json()["recommended"]["generator"] == "gpt-image-2"
    assert people.json()["recommended"]["generator"] == "nano-banana-pro"
    assert cached.status_code == 304
    assert anonymous.status_code == 401
