"""Production settings, login rate limit, CSP, and a database outage answered with 503."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path

ROOT = Path(__file__).resolve().parents[1]


def test_check_deploy_passes_with_only_secret_key_and_allowed_hosts():
    skip = ("DEBUG", "HTTPS", "SECURE_", "DJANGO_ALLOW_ASYNC_UNSAFE")  # as a deployment would
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="arena.example.com")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _fail_login(client: Client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": "wrong-password"})


def test_repeated_failed_logins_are_locked_out_with_429_and_a_message(client, voter, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _fail_login(client, "voter").status_code == 200
    locked = _fail_login(client, "voter")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    right = client.post("/accounts/login/", {"username": "voter", "password": "voter-pass-123"})
    assert right.status_code == 429


def test_a_successful_login_resets_the_failure_count(client, voter, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail_login(client, "voter")
    assert (
        client.post(
            "/accounts/login/", {"username": "voter", "password": "voter-pass-123"}
        ).status_code
        == 302
    )
    client.logout()
    assert _fail_login(client, "voter").status_code == 200


def test_pages_carry_a_strict_content_security_policy(client, voter):
    client.force_login(voter)
    policy = client.get("/leaderboard/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_header_built_once_is_the_one_django_csp_builds(client, voter):
    from csp.middleware import CSPMiddleware

    client.force_login(voter)
    response = client.get("/leaderboard/")
    built = CSPMiddleware(lambda request: None).process_response(
        response.wsgi_request, type(response)()
    )
    assert response["Content-Security-Policy"] == built["Content-Security-Policy"]


def test_a_page_that_changes_the_policy_gets_its_own(client, voter):
    client.force_login(voter)
    policy = client.get("/api/v1/docs/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "worker-src blob:" in policy
    assert "unsafe-inline" not in client.get("/leaderboard/")["Content-Security-Policy"]


def test_the_api_docs_load_redoc_from_this_site_without_inline_script(client, voter):
    client.force_login(voter)
    html = client.get("/api/v1/docs/").content.decode()
    assert "<redoc spec-url=" in html
    assert "<script>" not in html and '<script src="/api/v1/docs/redoc.js">' in html


def _database_down(request):
    raise OperationalError("connection refused")


urlpatterns = [path("down/", _database_down), path("api/v1/down/", _database_down)]
handler500 = "arena.core.errors.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize("url", ["/down/", "/api/v1/down/"])
def test_a_database_outage_answers_503_with_retry_after(db, url):
    client = Client(raise_request_exception=False)
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database is unavailable" in response.content.decode()
