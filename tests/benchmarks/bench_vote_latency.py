"""How fast voting feels: from pressing a vote key to the next battle's images painted.

Not a test: it prints figures. It starts its own server (``runserver`` on a free loopback port,
DEBUG off, a fresh SQLite database, tasks in-process, the built-in provider at 512 px), seeds
the demo, signs in with Debian's chromium (headless, via Playwright) and votes ``--votes`` times:

    .venv/bin/python tests/benchmarks/bench_vote_latency.py [--votes 20]

Each round waits, as a voter would, until the battle is on screen, the next one is preloaded
and ``ARENA_MIN_VOTE_MS`` has passed; then it presses a vote key, waits for the reveal to be
painted, presses Enter at once and waits for the next pair to be painted. Times come from the
page's own ``performance`` marks (key press, reveal painted, Enter, pair painted), so the
robot's own round trips between the two presses are left out. The goal is under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
KEYS = ["1", "2", "3", "4", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]
MIN_VOTE_MS = 800
MARKS = """() => Object.fromEntries(['arena:key', 'arena:revealed', 'arena:painted']
    .map(name => [name, performance.getEntriesByName(name).map(mark => mark.startTime)]))"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(workdir: Path, battles: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        DEBUG="false",
        HTTPS="false",
        SECRET_KEY="benchmark-only-secret-key",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{workdir / 'arena.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        ARENA_BATTLE_BUFFER=str(battles),
        ARENA_VOTE_RATE_PER_MINUTE="0",
        ARENA_MIN_VOTE_MS=str(MIN_VOTE_MS),
        LOG_LEVEL="WARNING",
    )
    return env


def prepare(env: dict[str, str], battles: int) -> None:
    manage = [PYTHON, "manage.py"]
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["collectstatic", "--noinput", "-v", "0"],
        ["demo", "--battles", str(battles)],
    ):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True)


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def vote_once(page, key: str) -> tuple[float, float]:
    """One round; returns (key → reveal painted, Enter → next pair painted) in ms."""
    page.wait_for_selector("#battle[data-state=voting][data-ready]")
    page.wait_for_selector("#battle[data-next=ready], #battle[data-next=none]")
    page.wait_for_timeout(MIN_VOTE_MS)
    page.evaluate("() => performance.clearMarks()")
    page.keyboard.press(key)
    page.wait_for_function("() => performance.getEntriesByName('arena:revealed').length > 0")
    page.keyboard.press("Enter")
    page.wait_for_function("() => performance.getEntriesByName('arena:painted').length > 0")
    marks = page.evaluate(MARKS)
    vote_key, enter_key = marks["arena:key"][:2]
    return marks["arena:revealed"][0] - vote_key, marks["arena:painted"][0] - enter_key


def measure(url: str, votes: int) -> list[tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/vote/")
        page.fill("#id_username", "demo")
        page.fill("#id_password", "demo-arena")
        page.click("button[type=submit]")
        try:
            rounds = [vote_once(page, KEYS[i % len(KEYS)]) for i in range(votes)]
        except Exception:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "arena-bench-failure.png"))
            raise
        finally:
            browser.close()
    return rounds


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "unknown CPU",
    )  # fmt: skip
    return f"{os.cpu_count()} x {cpu}, load average {os.getloadavg()[0]:.2f}"


def report(rounds: list[tuple[float, float]]) -> None:
    columns = {
        "vote key -> reveal painted": [r[0] for r in rounds],
        "Enter -> next pair painted": [r[1] for r in rounds],
        "vote key -> next pair painted": [r[0] + r[1] for r in rounds],
    }
    print(f"machine: {machine()}")
    print(f"{len(rounds)} votes, headless chromium, runserver on loopback, in-process tasks")
    print(f"{'':32} {'median':>8} {'p90':>8} {'max':>8}")
    for name, values in columns.items():
        median, p90 = statistics.median(values), statistics.quantiles(values, n=10)[-1]
        print(f"{name:32} {median:8.1f} {p90:8.1f} {max(values):8.1f}  ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    battles = args.votes // 4 + 2  # per category (four in the demo), with a spare
    env = server_env(workdir, battles)
    server = None
    try:
        prepare(env, battles)
        port = free_port()
        server = start_server(env, port, workdir / "server.log")
        report(measure(f"http://127.0.0.1:{port}", args.votes))
    except BaseException:
        print(f"failed; the server's log and the database are kept in {workdir}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
