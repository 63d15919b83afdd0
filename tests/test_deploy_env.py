"""The deployment's settings: the example env file, the docs and docker compose agree."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / ".env.example"

# A name read from the environment: env helpers (envint("NAME", ...)) and os.environ itself.
READ = re.compile(r'(?:\benv[a-z]*\(|os\.environ\.get\(|os\.environ\[)\s*"([A-Z][A-Z0-9_]+)"')


def _settings_read_from_env() -> set[str]:
    names = set(READ.findall((ROOT / "arena/project/settings.py").read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def _example_lines() -> dict[str, str]:
    """Every NAME=value of the example, commented out or not."""
    found = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", EXAMPLE.read_text(), re.M)
    return dict(found)


def _example_values() -> dict[str, str]:
    """The lines the example sets (not commented out): what a copy of it gives compose."""
    return dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", EXAMPLE.read_text(), re.M))


def test_the_settings_module_reads_the_settings_this_test_looks_for():
    names = _settings_read_from_env()
    assert {"SECRET_KEY", "PROXY_COUNT", "ARENA_PAIRING", "AWS_S3_ADDRESSING_STYLE"} <= names
    assert "CELERY_BEAT_SCHEDULE_FILE" in names and len(names) > 60


def test_every_setting_read_from_the_environment_is_in_the_example_file():
    missing = _settings_read_from_env() - set(_example_lines())
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_every_setting_read_from_the_environment_is_documented():
    docs = (ROOT / "docs/settings.md").read_text()
    missing = {name for name in _settings_read_from_env() if f"`{name}`" not in docs}
    assert not missing, f"not in docs/settings.md: {sorted(missing)}"


def test_every_line_of_the_example_says_what_it_is_for():
    lines = EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#? ?[A-Z][A-Z0-9_]+=", line):
            above = lines[i - 1]
            assert above.startswith("#"), f"no comment above {line!r}"


def test_compose_passes_the_env_file_to_web_worker_and_beat():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        assert compose["services"][name]["env_file"] == ".env", name
    assert compose["services"]["postgres"].get("env_file") is None


def test_the_env_file_is_kept_out_of_git_and_of_the_image():
    for ignore in (".gitignore", ".dockerignore"):
        assert ".env" in (ROOT / ignore).read_text().splitlines(), ignore


def test_check_deploy_is_clean_with_the_example_values():
    values = _example_values()
    assert values["SECRET_KEY"] == ""  # each deployment makes its own
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    skip = ("DEBUG", "HTTPS", "SECURE_", "DJANGO_", "ALLOWED_HOSTS", "CSRF_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env={**env, **values}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
