"""Django starts without the numeric and HTTP libraries: a `./dev manage` command loads them
only when it computes with them (a model's fit, a provider's call), not to start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each costs a noticeable share of a command's start; none is needed to load the apps, their
# admin, checks and URLs.
NOT_AT_START = ("scipy", "httpx", "generation.providers.builtin", "generation.providers.http")

# Runs a management command as manage.py does, then lists which of the modules were loaded.
PROBE = """
import json, sys
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[2:]])
print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))
"""


@pytest.mark.parametrize("command", [["check"], ["help"]])
def test_a_command_starts_without_the_heavy_libraries(command):
    # The environment of `./dev manage`: the project's settings, debug on.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "arena.project.settings", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(NOT_AT_START), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    # `python -X importtime manage.py check` shows which import brought one in.
    assert loaded == [], f"loaded at start: {loaded}"
