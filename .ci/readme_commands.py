#!/usr/bin/env python3
"""Run every `./dev` command the README shows, as written, in a fresh copy of the repository.

The copy has no `.venv` and no `var/`, and the environment names no database, broker or cache:
the embedded default a newcomer gets. Commands run in the README's order. `./dev up` is started,
checked to serve the sign-in page with a Celery worker beside it, then stopped with SIGTERM (as
Ctrl+C would), and no process may be left running in the copy. Plain `./dev test` is what CI's
test step runs already, so it is not run twice.

    python3 .ci/readme_commands.py [--addr 127.0.0.1:8016]

``--addr`` serves `./dev up` elsewhere than the README's 127.0.0.1:8000 (a machine where that
port is taken); CI runs it as written.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADDR = "127.0.0.1:8000"
# What a newcomer's shell does not have: the services CI exports for the test step.
DROP = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DEBUG", "SECRET_KEY", "CI", "VENV")


def readme_commands() -> list[str]:
    """Each `./dev ...` line of the README's ```sh blocks, without its comment."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "./dev":
                commands.append(shlex.join(words))
    return commands


def fresh_copy() -> Path:
    """The repository's files (tracked and new, not ignored) in a new folder."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    target = Path(tempfile.mkdtemp(prefix="arena-readme-"))
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def processes_in(folder: Path) -> list[str]:
    """Processes whose working directory is inside the copy (what `./dev up` started)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(f"{proc.name}: {(proc / 'cmdline').read_bytes()!r}")
        except OSError:
            continue
    return found


def serve(command: str, copy: Path, env: dict[str, str], addr: str) -> None:
    log = copy / "dev-up.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            shlex.split(command), cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_page(f"http://{addr}/accounts/login/", process, log)
        workers = [p for p in processes_in(copy) if "celery" in p and "worker" in p]
        if not workers:
            raise SystemExit(f"{command}: no Celery worker beside the web server\n{tail(log)}")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    time.sleep(1)
    left = processes_in(copy)
    if left:
        raise SystemExit(f"{command} left processes running after it stopped: {left}")
    print(f"ok: {command} served http://{addr}/ with a worker, and stopped both")


def wait_for_page(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 900  # a fresh virtual environment is installed first
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"./dev up exited with {process.returncode}\n{tail(log)}")
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer\n{tail(log)}")


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default=DEFAULT_ADDR, help="where ./dev up serves")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    copy = fresh_copy()
    print(f"fresh copy in {copy}")
    try:
        for command in readme_commands():
            if command == "./dev test":
                print("skipped: ./dev test (CI's test step runs it as written)")
                continue
            if command.startswith("./dev up"):
                if args.addr != DEFAULT_ADDR and command == "./dev up":
                    command = f"./dev up {args.addr}"
                addr = command.split()[2] if len(command.split()) > 2 else DEFAULT_ADDR
                serve(command, copy, env, addr.replace("0.0.0.0", "127.0.0.1"))
                continue
            done = subprocess.run(command, shell=True, cwd=copy, env=env, timeout=1800)
            if done.returncode != 0:
                raise SystemExit(f"failed ({done.returncode}): {command}")
            print(f"ok: {command}")
    except BaseException:
        print(f"the copy is kept in {copy}", file=sys.stderr)
        raise
    shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    main()
