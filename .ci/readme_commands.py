#!/usr/bin/env python3
"""Run every `./dev` command the README and docs/ show, as written, in a fresh copy of the repo.

The copy has no `.venv` and no `var/`, and the environment names no database, broker or cache:
the embedded default a newcomer gets. The commands of the README's ```sh blocks run first, in
its order, then those of each docs/ page, pages in the order the README links them (pages it
does not link after, by name); ```text or ```console blocks are shown, not run. `./dev up` is
started, checked to serve the sign-in page with a Celery worker beside it, then stopped with
SIGTERM (as Ctrl+C would), and no process may be left running in the copy. Plain `./dev test`
is what CI's test step runs already, so it is not run twice.

    python3 .ci/readme_commands.py [--addr 127.0.0.1:8016]

``--addr`` serves `./dev up` elsewhere than the README's 127.0.0.1:8000 (a machine where that
port is taken); CI runs it as written. The README is a front door: more than
``README_MAX_LINES`` lines fail before anything runs.
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
README_MAX_LINES = 300


def documented_pages() -> list[Path]:
    """The README, then the docs/ pages in the order it links them, then any others."""
    readme = (ROOT / "README.md").read_text()
    docs = sorted((ROOT / "docs").glob("*.md"))
    linked = list(dict.fromkeys(re.findall(r"\]\(docs/([^)#\s]+\.md)", readme)))
    order = {name: i for i, name in enumerate(linked)}
    docs.sort(key=lambda page: (order.get(page.name, len(order)), page.name))
    return [ROOT / "README.md", *docs]


def readme_size() -> None:
    lines = len((ROOT / "README.md").read_text().splitlines())
    if lines > README_MAX_LINES:
        raise SystemExit(
            f"README.md has {lines} lines, more than {README_MAX_LINES}: it is the front door; "
            "move the detail to a page of docs/ and link it"
        )


def page_commands(page: Path) -> list[str]:
    """Each `./dev ...` line of a page's ```sh blocks, without its comment."""
    blocks = re.findall(r"```sh\n(.*?)```", page.read_text(), re.S)
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
    readme_size()
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    copy = fresh_copy()
    print(f"fresh copy in {copy}")
    try:
        for page in documented_pages():
            run_page(page, copy, env, args.addr)
    except BaseException:
        print(f"the copy is kept in {copy}", file=sys.stderr)
        raise
    shutil.rmtree(copy, ignore_errors=True)


def run_page(page: Path, copy: Path, env: dict[str, str], addr_option: str) -> None:
    for command in page_commands(page):
        where = f"{page.relative_to(ROOT)}: {command}"
        if command == "./dev test":
            print(f"skipped: {where} (CI's test step runs it as written)")
            continue
        if command.startswith("./dev up"):
            if addr_option != DEFAULT_ADDR and command == "./dev up":
                command = f"./dev up {addr_option}"
            addr = command.split()[2] if len(command.split()) > 2 else DEFAULT_ADDR
            serve(command, copy, env, addr.replace("0.0.0.0", "127.0.0.1"))
            continue
        print(f"running: {where}", flush=True)
        done = subprocess.run(command, shell=True, cwd=copy, env=env, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(f"failed ({done.returncode}): {where}")
        print(f"ok: {where}", flush=True)


if __name__ == "__main__":
    main()
