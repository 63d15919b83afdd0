"""A team voting for hours on the embedded default: does ``./dev up`` stay up?

Not a test: it prints a summary. It runs ``./dev up`` itself (web server, Celery worker with
beat on the SQLite-file broker, the demo), on a free loopback port, with its database, media
and broker in a temporary folder. Then a scripted team of ``--voters`` voters votes in
parallel, each about every ``--every`` seconds as the page's plain forms would (open the next
battle, load both images, vote), and now and then types a prompt of its own on ``/prompt/``.

    .venv/bin/python tests/benchmarks/soak.py --minutes 120
    .venv/bin/python tests/benchmarks/soak.py --minutes 5 --check   # CI: exits 1 on a failure

At the end voting stops, the worker is given ``--drain`` seconds to finish what is queued,
and the summary counts:

- votes cast, and the votes that found no battle ready ("waits": the share is of all tries);
- generations made, and generations lost (still pending or running after the drain);
- worker crashes: the worker's own unrecoverable errors and the restarts ``./dev up`` made;
- typed prompts, and how many of their battles opened for voting.

``--check`` fails (exit 1) on a crash, a restart, a lost generation or an answer other than
a vote counted, a battle shown or "no battle is ready"; ``--max-waits 0.01`` fails it too when
more than 1% of tries found no battle ready.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SUBJECTS = ["teapot", "bicycle", "lighthouse", "sneaker", "wristwatch", "fox", "cactus"]
STYLES = ["on marble", "at dusk", "in the snow", "as a watercolour", "on a white backdrop"]
CHOICES = ["left", "right", "tie", "both_bad"]
_OPTION = re.compile(r'<option value="([^"]+)"')
CREATE_VOTERS = """
from django.contrib.auth import get_user_model
User = get_user_model()
for i in range({n}):
    user, _ = User.objects.get_or_create(username=f"soak{{i}}")
    user.set_password("soak-pass-123")
    user.save()
"""
COUNT = """
from generation.models import Generation
from arena.models import Vote
done = ("succeeded", "failed")
print(Generation.objects.filter(status="succeeded").count(),
      Generation.objects.exclude(status__in=done).count(), Vote.objects.count())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def arena_env(workdir: Path) -> dict[str, str]:
    drop = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DEBUG", "SECRET_KEY", "CI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'arena.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        CELERY_BROKER_FILE=str(workdir / "broker.sqlite3"),
        CELERY_BEAT_SCHEDULE_FILE=str(workdir / "celerybeat-schedule"),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env={**env, "DEBUG": "true"}, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"./dev up exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


class Voter(threading.Thread):
    """One team member: signs in, then votes about every ``every`` seconds until ``stop``."""

    def __init__(self, base: str, name: str, every: float, stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.base, self.name, self.every, self.stop = base, name, every, stop
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30, follow_redirects=True) as client:
            self.sign_in(client)
            while not self.stop.is_set():
                try:
                    if self.rng.random() < 0.03:
                        self.type_prompt(client)
                    self.vote(client)
                except httpx.HTTPError as exc:
                    self.counts[f"error: {type(exc).__name__}"] += 1
                    self.stop.wait(self.every)

    def post(self, client: httpx.Client, url: str, data: dict) -> httpx.Response:
        data = {**data, "csrfmiddlewaretoken": client.cookies.get("csrftoken", "")}
        return client.post(url, data=data, headers={"Referer": self.base + url})

    def sign_in(self, client: httpx.Client) -> None:
        client.get("/accounts/login/")
        answer = self.post(
            client, "/accounts/login/", {"username": self.name, "password": "soak-pass-123"}
        )
        if "/accounts/login/" in str(answer.url):
            raise SystemExit(f"{self.name} could not sign in")

    def vote(self, client: httpx.Client) -> None:
        page = client.get("/vote/")
        self.counts["tries"] += 1
        match = re.search(r"/vote/([0-9a-f-]{36})/", str(page.url))
        if page.status_code != 200 or match is None:
            self.counts["waits" if "No battle is ready" in page.text else "other pages"] += 1
            self.stop.wait(self.every)
            return
        for src in re.findall(r'<img[^>]+src="(/outputs/[^"]+)"', page.text):
            client.get(src)
        self.stop.wait(self.every)
        answer = self.post(
            client,
            f"/vote/{match[1]}/",
            {"choice": self.rng.choice(CHOICES), "images_loaded": "true"},
        )
        self.counts["votes" if answer.status_code == 200 else f"vote {answer.status_code}"] += 1

    def type_prompt(self, client: httpx.Client) -> None:
        client.get("/prompt/")
        text = (
            f"A {self.rng.choice(SUBJECTS)} {self.rng.choice(STYLES)}, soak {self.rng.random():.6f}"
        )
        answer = self.post(client, "/prompt/", {"text": text, "category": ""})
        options = _OPTION.findall(answer.text) if answer.status_code == 400 else []
        if options and "cannot tell" in answer.text:
            # The arena asks which category this is: the voter picks one and sends it again.
            self.counts["category asked"] += 1
            answer = self.post(client, "/prompt/", {"text": text, "category": options[0]})
        if answer.status_code == 429:
            # The arena's hourly limit on typed prompts (ARENA_PROMPT_RATE_PER_HOUR): as meant.
            self.counts["prompts limited"] += 1
            return
        self.counts["prompts" if answer.status_code == 200 else f"prompt {answer.status_code}"] += 1


def crashes(log: str) -> tuple[int, int]:
    restarts = log.count("The Celery worker stopped")
    unrecoverable = len(re.findall(r"CRITICAL.*Unrecoverable error", log))
    return unrecoverable, restarts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--voters", type=int, default=10)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between a voter's votes")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to finish the queue")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--max-waits", type=float, help="with --check: the largest share of waits")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="arena-soak-"))
    env, port = arena_env(workdir), free_port()
    log = workdir / "dev-up.log"
    with log.open("w") as out:
        up = subprocess.Popen(
            ["./dev", "up", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/accounts/login/", up, log, seconds=900)
        manage(env, CREATE_VOTERS.format(n=args.voters))
        votes_before = int(manage(env, COUNT).split()[2])
        stop = threading.Event()
        voters = [Voter(base, f"soak{i}", args.every, stop, seed=i) for i in range(args.voters)]
        started = time.monotonic()
        for voter in voters:
            voter.start()
        while time.monotonic() - started < args.minutes * 60 and up.poll() is None:
            time.sleep(5)
        stop.set()
        for voter in voters:
            voter.join(timeout=60)
        ran = time.monotonic() - started
        deadline = time.monotonic() + args.drain
        while True:
            made, unfinished, votes_stored = map(int, manage(env, COUNT).split())
            if unfinished == 0 or time.monotonic() > deadline:
                break
            time.sleep(5)
        alive = up.poll() is None
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGTERM)
            up.wait(timeout=120)
    total = sum((voter.counts for voter in voters), Counter())
    unrecoverable, restarts = crashes(log.read_text())
    waits = total["waits"] / max(total["tries"], 1)
    print(f"soak: {ran / 60:.1f} min, {args.voters} voters voting every {args.every:g} s")
    stored = votes_stored - votes_before
    print(f"  votes cast {total['votes']} (stored {stored}); tries {total['tries']}, "
          f"waits {total['waits']} ({waits:.2%})")  # fmt: skip
    print(f"  generations made {made}, lost {unfinished}; typed prompts {total['prompts']} "
          f"(category asked for {total['category asked']}, "
          f"{total['prompts limited']} more refused by the hourly limit)")  # fmt: skip
    print(f"  worker crashes {unrecoverable}, worker restarts {restarts}; "
          f"./dev up still serving at the end: {'yes' if alive else 'no'}")  # fmt: skip
    expected = ("votes", "tries", "waits", "prompts", "category asked", "prompts limited")
    other = {k: v for k, v in total.items() if k not in expected}
    if other:
        print(f"  other answers: {dict(other)}")
    print(f"  log: {log}")
    too_many_waits = args.max_waits is not None and waits > args.max_waits
    failed = unrecoverable or restarts or unfinished or not alive or other or too_many_waits
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
