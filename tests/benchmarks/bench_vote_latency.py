"""How fast voting feels: from a key press to what the voter sees, in chromium.

Not a test: it prints figures. It sets up what ``./dev up`` runs, in a temporary folder:
``runserver`` on a free loopback port (DEBUG off), a Celery worker on the SQLite-file broker,
a fresh SQLite database, the demo with its simulated votes and the built-in provider at 512
px. Then it signs in with Debian's chromium (headless, via Playwright) and votes ``--votes``
times:

    .venv/bin/python tests/benchmarks/bench_vote_latency.py [--votes 30]

Each round waits, as a voter would, until the battle is on screen, the next one is preloaded
and ``ARENA_MIN_VOTE_MS`` has passed; then it presses a vote key, waits for the reveal to be
painted, presses Enter at once and waits until both next images are painted. The key presses
are the page's own ``performance`` marks; the reveal is the frame after its text changed; the
next pair is the browser's own paint time of each new image (the Element Timing API, an
``elementtiming`` attribute on each output), the later of the two: the moment a person sees
both. Goal: median under 100 ms, 90th percentile under 150 ms, none over 1 s. The page's own
"pair ready" mark (a frame after the swap) is printed beside it: it comes before the images
are on screen, which is why it is not the figure.
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
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARKS = """() => Object.fromEntries(['arena:key', 'arena:revealed', 'arena:painted']
    .map(name => [name, performance.getEntriesByName(name).map(mark => mark.startTime)]))"""
# Paint times of every output image, from the browser (Element Timing), by element.
PAINTS = """window.__paints = new Map();
new PerformanceObserver((list) => list.getEntries().forEach((entry) => {
  if (entry.element) window.__paints.set(entry.element, entry.renderTime || entry.loadTime);
})).observe({ type: "element", buffered: true });"""
# When both images of the pair on screen were painted (the later one), or null until then.
PAIR_PAINTED = """() => {
  const paints = [...document.querySelectorAll('#pair img')].map((img) => window.__paints.get(img));
  return paints.length === 2 && paints.every((time) => time !== undefined)
    ? Math.max(...paints) : null;
}"""
NEVER_MS = 15000  # a pair not painted by then counts as this (and is reported)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(workdir: Path, battles: int) -> dict[str, str]:
    drop = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DEBUG="false",
        HTTPS="false",
        SECRET_KEY="benchmark-only-secret-key",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{workdir / 'arena.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        CELERY_BROKER_FILE=str(workdir / "broker.sqlite3"),
        CELERY_BEAT_SCHEDULE_FILE=str(workdir / "celerybeat-schedule"),
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


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "arena", "worker", "--beat", "--concurrency", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def wait_for_battles(env: dict[str, str], battles: int) -> None:
    """Until the worker has made the demo's battles (each category's buffer) ready."""
    check = (
        "from arena.models import Battle; "
        "print(Battle.objects.filter(status=Battle.Status.PENDING).count())"
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", check],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        if out.stdout.strip().splitlines()[-1] == "0":
            return
        time.sleep(2)
    raise SystemExit("the worker did not make the demo's battles in 5 minutes")


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.monotonic() + 180  # a loaded machine starts Django slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def vote_once(page, key: str) -> tuple[float, float, float]:
    """One round, in ms: key -> reveal painted, Enter -> both next images painted, and
    Enter -> the page's own "pair ready" mark (the frame after it swapped the pair in)."""
    page.wait_for_selector("#battle[data-state=voting][data-ready]")
    page.wait_for_selector("#battle[data-next=ready], #battle[data-next=none]")
    page.wait_for_function(PAIR_PAINTED)
    page.wait_for_timeout(MIN_VOTE_MS)
    page.evaluate("() => performance.clearMarks()")
    page.keyboard.press(key)
    page.wait_for_function("() => performance.getEntriesByName('arena:revealed').length > 0")
    page.keyboard.press("Enter")
    try:
        painted = page.wait_for_function(PAIR_PAINTED, timeout=NEVER_MS).json_value()
    except Exception:  # Playwright's timeout: the pair never showed
        painted = None
    marks = page.evaluate(MARKS)
    vote_key, enter_key = marks["arena:key"][:2]
    seen = NEVER_MS if painted is None else painted - enter_key
    if painted is None:
        page.reload()
    ready = marks["arena:painted"][-1] - enter_key if marks["arena:painted"] else NEVER_MS
    return marks["arena:revealed"][0] - vote_key, seen, ready


def measure(url: str, votes: int) -> list[tuple[float, float, float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(PAINTS)
        page.goto(f"{url}/vote/")
        page.fill("#id_username", "demo")
        page.fill("#id_password", "demo-arena")
        page.click("button[type=submit]")
        page.wait_for_url("**/vote/*/")
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


def report(rounds: list[tuple[float, float, float]]) -> None:
    columns = {
        "vote key -> reveal painted": [r[0] for r in rounds],
        "Enter -> both next images painted": [r[1] for r in rounds],
        "Enter -> page's own ready mark": [r[2] for r in rounds],
    }
    print(f"machine: {machine()}")
    print(f"{len(rounds)} votes, headless chromium, runserver on loopback, a Celery worker")
    print(f"{'':36} {'median':>8} {'p90':>8} {'max':>8}")
    for name, values in columns.items():
        median, p90 = statistics.median(values), statistics.quantiles(values, n=10)[-1]
        print(f"{name:36} {median:8.1f} {p90:8.1f} {max(values):8.1f}  ms")
    seen = columns["Enter -> both next images painted"]
    print(f"next pair over 1 s: {sum(v > 1000 for v in seen)}; never shown: {seen.count(NEVER_MS)}")
    print("goal: Enter -> both next images painted, median < 100, p90 < 150, none over 1000 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=30)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    battles = args.votes // 4 + 2  # per category (four in the demo), with a spare
    env = server_env(workdir, battles)
    server = worker = None
    try:
        prepare(env, battles)
        worker = start_worker(env, workdir / "worker.log")
        wait_for_battles(env, battles)
        port = free_port()
        server = start_server(env, port, workdir / "server.log")
        report(measure(f"http://127.0.0.1:{port}", args.votes))
    except BaseException:
        print(f"failed; the logs and the database are kept in {workdir}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
