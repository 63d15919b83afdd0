"""Django starts without the numeric and HTTP libraries: a `./dev manage` command loads them
only when it computes with them (a model's fit, a provider's call), not to start. A server
loads them once at its start instead (arena/project/warm.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from arena.project.warm import LIBRARIES

ROOT = Path(__file__).resolve().parent.parent

# Each costs a noticeable share of a command's start; none is needed to load the apps, their
# admin, checks and URLs.
NOT_AT_START = (*LIBRARIES, "generation.providers.builtin", "generation.providers.http")

SERVICES = ("CACHE_URL", "CELERY_BROKER_URL", "DATABASE_URL")

# Runs a management command as manage.py does (or loads the WSGI application as a server
# does), then lists which of the modules were loaded.
PROBE = """
import json, sys
if sys.argv[2] == "wsgi":
    import arena.project.wsgi
else:
    from django.core.management import execute_from_command_line
    execute_from_command_line(["manage.py", *sys.argv[2:]])
print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))
"""


def _loaded(*command: str) -> list[str]:
    # The environment of `./dev manage` on the embedded default: the project's settings, debug
    # on, no service named (a Redis cache would load redis for the checks, as it should).
    env = {k: v for k, v in os.environ.items() if k not in SERVICES}
    env |= {"DJANGO_SETTINGS_MODULE": "arena.project.settings", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(NOT_AT_START), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("command", [["check"], ["help"]])
def test_a_command_starts_without_the_heavy_libraries(command):
    loaded = _loaded(*command)
    # `python -X importtime manage.py check` shows which import brought one in.
    assert loaded == [], f"loaded at start: {loaded}"


def test_a_server_loads_them_before_its_first_request():
    assert _loaded("wsgi") == sorted(NOT_AT_START)
