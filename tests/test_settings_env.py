from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from arena.core.env import envbool, envchoice, envfloat, envhostmap, envint, envlist, envsize


def test_envbool_reads_the_usual_spellings_and_rejects_others(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert envbool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        envbool("FLAG", False)


def test_envint_rejects_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be an integer"):
        envint("COUNT", 1)
    monkeypatch.setenv("COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match=">= 0"):
        envint("COUNT", 1, minimum=0)


def test_envlist_and_envchoice(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert envlist("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("FORMAT", "gif")
    with pytest.raises(ImproperlyConfigured, match="one of png"):
        envchoice("FORMAT", "png", ("png", "webp"))


def test_envsize_reads_a_box_or_native_and_rejects_the_rest(monkeypatch):
    assert envsize("BOX", (1024, 1024)) == (1024, 1024)
    monkeypatch.setenv("BOX", "768x512")
    assert envsize("BOX", None) == (768, 512)
    monkeypatch.setenv("BOX", "Native")
    assert envsize("BOX", (1024, 1024)) is None
    for bad in ("1024", "0x0", "big", "1024x99999"):
        monkeypatch.setenv("BOX", bad)
        with pytest.raises(ImproperlyConfigured, match="BOX must be WIDTHxHEIGHT"):
            envsize("BOX", None)


def _load_settings(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import arena.project.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = _load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_the_default_database_is_a_sqlite_file_and_database_url_overrides_it():
    assert "sqlite3" in _load_settings(DEBUG="true").stdout
    result = _load_settings(SECRET_KEY="x", DATABASE_URL="postgres://u:p@db.invalid:5432/arena")
    assert "postgresql" in result.stdout


def test_a_bad_value_stops_the_settings_loudly():
    result = _load_settings(DEBUG="true", ARENA_BATTLE_BUFFER="lots")
    assert result.returncode != 0
    assert "ARENA_BATTLE_BUFFER must be an integer" in result.stderr


def test_envfloat_rejects_values_outside_its_bounds_and_non_finite_ones(monkeypatch):
    monkeypatch.setenv("RATE", "0.7")
    with pytest.raises(ImproperlyConfigured, match=r"RATE must be <= 0\.5"):
        envfloat("RATE", 0.05, maximum=0.5)
    monkeypatch.setenv("RATE", "nan")
    with pytest.raises(ImproperlyConfigured, match="finite"):
        envfloat("RATE", 0.05)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RATINGS_ERROR_RATE": "0.9"}, "RATINGS_ERROR_RATE must be <= 0.5"),
        ({"RATINGS_PRIOR": "-1"}, "RATINGS_PRIOR must be >= 0"),
        (
            {"RATINGS_PRIOR": "0", "RATINGS_INTERVAL": "bootstrap"},
            "RATINGS_PRIOR=0 cannot go with RATINGS_INTERVAL=bootstrap",
        ),
    ],
)
def test_rating_settings_that_cannot_work_stop_the_settings(env, message):
    result = _load_settings(DEBUG="true", **env)
    assert result.returncode != 0 and message in result.stderr


def test_envhostmap_binds_variables_to_hosts_over_the_defaults(monkeypatch):
    defaults = {"KEY_OPENAI": ("api.openai.com",), "KEY_FAL": ("queue.fal.run",)}
    assert envhostmap("BINDINGS", defaults, prefix="KEY_") == {
        "KEY_OPENAI": frozenset({"api.openai.com"}),
        "KEY_FAL": frozenset({"queue.fal.run"}),
    }
    monkeypatch.setenv(
        "BINDINGS", " KEY_OPENAI = Azure.Example|[2001:db8::1] , KEY_INHOUSE=10.0.0.5,"
    )
    assert envhostmap("BINDINGS", defaults, prefix="KEY_") == {
        "KEY_OPENAI": frozenset({"azure.example", "2001:db8::1"}),  # its default replaced
        "KEY_FAL": frozenset({"queue.fal.run"}),
        "KEY_INHOUSE": frozenset({"10.0.0.5"}),
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("KEY_A", "VARIABLE=host"),
        ("KEY_A=", "empty host"),
        ("KEY_A=a.example||b.example", "empty host"),
        ("=a.example", "VARIABLE=host"),
        ("KEY_A=https://a.example", "'https://a.example' is not a host"),
        ("KEY_A=a.example/v1", "'a.example/v1' is not a host"),
        ("KEY_A=a.example:8443", "'a.example:8443' is not a host"),
        ("KEY_A=*.example", "'*.example' is not a host"),
        ("KEY_A=a.example=b", "'a.example=b' is not a host"),
        ("DATABASE_URL=a.example", "starting with KEY_"),
        ("KEY_=a.example", "starting with KEY_"),
        ("KEY A=a.example", "starting with KEY_"),
        ("KEY_A=a.example,KEY_A=b.example", "KEY_A is named twice"),
    ],
)
def test_envhostmap_refuses_a_malformed_value(monkeypatch, value, message):
    monkeypatch.setenv("BINDINGS", value)
    with pytest.raises(ImproperlyConfigured, match="BINDINGS") as caught:
        envhostmap("BINDINGS", {}, prefix="KEY_")
    assert message in str(caught.value)


def test_a_malformed_key_binding_stops_the_settings():
    result = _load_settings(DEBUG="true", GENERATION_KEY_HOSTS="ARENA_KEY_MINE=https://x.example")
    assert result.returncode != 0
    assert "GENERATION_KEY_HOSTS" in result.stderr and "is not a host" in result.stderr


def test_key_bindings_follow_the_key_prefix():
    result = _load_settings(
        DEBUG="true", GENERATION_KEY_PREFIX="MODELS_", GENERATION_KEY_HOSTS="ARENA_KEY_X=x.example"
    )
    assert result.returncode != 0 and "starting with MODELS_" in result.stderr
