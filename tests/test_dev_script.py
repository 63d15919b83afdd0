"""The `./dev` wrapper: help without arguments, and no install step when nothing changed."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A stand-in interpreter: it records each call, answers the one question `./dev` asks it
# (where site-packages is), and does nothing else.
STUB = """#!/bin/sh
echo "$*" >> "$STUB_LOG"
echo "${PYTHONDONTWRITEBYTECODE-unset}" >> "$STUB_LOG.env"
case "$1" in -c) echo "$STUB_LOG.purelib" ;; esac
"""


def _stub_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "uv"):
        exe = venv / "bin" / name
        exe.write_text(STUB)
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return venv


def _dev(*args: str, venv: Path, log: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "VENV": str(venv), "STUB_LOG": str(log)}
    return subprocess.run(
        [str(ROOT / "dev"), *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_dev_alone_prints_the_commands_and_succeeds():
    result = subprocess.run([str(ROOT / "dev")], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "manage ARGS" in result.stdout


def test_manage_installs_once_with_bytecode_then_only_runs_the_command(tmp_path):
    venv, log = _stub_venv(tmp_path), tmp_path / "calls.log"
    first = _dev("manage", "check", venv=venv, log=log)
    assert first.returncode == 0, first.stderr
    calls = log.read_text().splitlines()
    assert any(call.startswith("pip install") for call in calls)
    assert any(call.startswith("-m compileall") for call in calls)
    assert calls[-1] == "manage.py check"

    log.unlink()
    second = _dev("manage", "check", venv=venv, log=log)
    assert second.returncode == 0, second.stderr
    assert "Installing" not in second.stdout
    assert log.read_text().splitlines() == ["manage.py check"]


def test_manage_lets_python_keep_the_projects_bytecode(tmp_path, monkeypatch):
    venv, log = _stub_venv(tmp_path), tmp_path / "calls.log"
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    result = _dev("manage", "check", venv=venv, log=log)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "calls.log.env").read_text().splitlines()[-1] == "unset"
