"""Benchmark: casting votes through the browser's endpoint under load (not a test).

Builds a PostgreSQL database of its own with voters, their sessions and battles shown to them,
serves the app with gunicorn (production settings: DEBUG off, real Redis broker and cache) and
sends POST /vote/<battle>/ with wrk (a Lua script gives every request its own voter, session
and battle). No worker runs: each vote queues its board's recompute, as in production, and
nothing takes it from the queue. Afterwards the recompute runs once per board, as the worker
would, and the script checks that the votes stored equal the successful responses and that
the category's online Elo it moved on equals one replay of all the votes from the start (the
overall board keeps no Elo rows).

With ``--floor`` every request names a choice that does not exist: it goes through the same
server, middleware, session, CSRF check and user lookup and is answered 400 before the vote
touches the database. That is the cost of an authenticated POST on this stack, what no vote can
go below; the difference to a normal run is what the vote itself costs.

Voters are signed in already (their sessions are in the database and in the cache), as in a
team that is voting. Before the clock starts, every worker has served requests and the
database has been vacuumed and checkpointed. Besides throughput and latency it prints the CPU
time each vote cost the web processes, PostgreSQL's backends (and its background processes),
Redis and wrk, read from /proc: on a machine with other work going on, these figures move less
than the throughput does.

    .venv/bin/python tests/benchmarks/bench_votes.py [--seconds 10] [--connections 16] \
        [--workers 2] [--threads N] [--floor] [--database NAME] [--redis-db N]

Needs PostgreSQL at 127.0.0.1:5432, Redis at 127.0.0.1:6379 and wrk. The database NAME is
dropped and created again, and Redis database N (broker and cache) is emptied.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import PG, ROOT, free_port, fresh_database, machine, run

SEED = """
import os, random, secrets
from django.conf import settings
from django.contrib.auth import get_user_model, HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.utils import timezone
from arena.models import Battle, Category, Prompt
from generation.models import Generation, Generator

voters, per_voter, models, choices = {voters}, {per_voter}, {models}, {choices}
rng = random.Random(1)
category = Category.objects.create(slug="bench", name="Bench")
prompts = Prompt.objects.bulk_create(Prompt(text=f"prompt {{i}}", category=category) for i in range(50))
generators = Generator.objects.bulk_create(
    Generator(name=f"Model {{i}}", slug=f"model-{{i}}", provider="builtin", model_id=f"m{{i}}")
    for i in range(models))
generations = {{}}
for p in prompts:
    for g in generators:
        generations[p.id, g.id] = Generation(prompt=p, generator=g, params_hash="x", reusable=False,
            status="succeeded", file="outputs/x.png", media_type="image/png",
            digest=f"{{p.id:032x}}{{g.id:032x}}")
Generation.objects.bulk_create(generations.values())
users = get_user_model().objects.bulk_create(
    get_user_model()(username=f"voter{{i}}") for i in range(voters))
# The backend a sign-in records: the first that loads users (django-axes's comes before it).
backend = next(path for path in settings.AUTHENTICATION_BACKENDS if not path.startswith("axes."))
shown = timezone.now() - timezone.timedelta(seconds=30)
battles, lines = [], []
for user in users:
    store = SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = secrets.token_hex(16)
    for _ in range(per_voter):
        p = rng.choice(prompts)
        a, b = rng.sample(generators, 2)
        battle = Battle(prompt=p, generator_a=a, generator_b=b, generation_a=generations[p.id, a.id],
            generation_b=generations[p.id, b.id], status="assigned", voter=user,
            left_is_a=rng.random() < 0.5, shown_at=shown, assigned_at=shown)
        battles.append(battle)
        lines.append((store.session_key, csrf, battle))
Battle.objects.bulk_create(battles, batch_size=2000)
rng.shuffle(lines)
with open(os.environ["BENCH_VOTES_FILE"], "w") as out:
    for session, csrf, battle in lines:
        out.write(f"{{session}} {{csrf}} {{battle.token}} {{rng.choice(choices)}}\\n")
"""

CHECK = """
import numpy as np
from arena.models import Category, Vote
from ratings.engine import elo_online
from ratings.models import EloRating
from ratings.services import leaderboard_recompute
from ratings.services.elo import SCORES
from ratings.services.recompute import rated_votes
from django.conf import settings
for board in (Category.objects.get(slug="bench"), None):
    leaderboard_recompute(category=board)
bench = Category.objects.get(slug="bench")
rows = list(rated_votes(category=bench).order_by("id").values_list("shown_left_id", "shown_right_id", "choice"))
ids = sorted({{r[0] for r in rows}} | {{r[1] for r in rows}})
index = {{g: i for i, g in enumerate(ids)}}
replay = elo_online(len(ids), np.array([index[r[0]] for r in rows]), np.array([index[r[1]] for r in rows]),
    np.array([SCORES[r[2]] for r in rows]), k=settings.RATINGS_ELO_K, initial=settings.RATINGS_ELO_INITIAL)
online = dict(EloRating.objects.filter(category=bench).values_list("generator_id", "rating"))
worst = max((abs(online[g] - replay[index[g]]) for g in ids), default=0.0)
print(f"CHECK votes={{Vote.objects.count()}} rated={{len(rows)}} distinct_battles={{Vote.objects.values('battle').distinct().count()}} elo_max_diff={{worst:.2e}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=0, help="gthread workers with this many threads each"
    )
    parser.add_argument("--voters", type=int, default=2500)
    parser.add_argument("--per-voter", type=int, default=8)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--database", default="arena_bench_votes")
    parser.add_argument("--redis-db", type=int, default=12, help="broker and cache (emptied)")
    parser.add_argument(
        "--floor", action="store_true", help="send unknown choices (400): the stack's own cost"
    )
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"{PG}/{args.database}", "SECRET_KEY": "bench-votes",
           "DEBUG": "false", "HTTPS": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
           "CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}", "CELERY_QUEUE": "bench-votes"}  # fmt: skip
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    fresh_database(args.database)
    subprocess.run(
        ["redis-cli", "-n", str(args.redis_db), "flushdb"], check=True, capture_output=True
    )
    env["STATIC_ROOT"] = tempfile.mkdtemp(prefix="arena-bench-static-")
    run(["migrate", "--noinput"], env)
    run(["collectstatic", "--noinput"], env)
    with tempfile.TemporaryDirectory() as tmp:
        votes = Path(tmp) / "votes.txt"
        choices = ["none"] if args.floor else ["left", "right", "left", "tie", "both_bad"]
        code = SEED.format(
            voters=args.voters, per_voter=args.per_voter, models=args.models, choices=choices
        )
        subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                       env={**env, "BENCH_VOTES_FILE": str(votes)}, check=True)  # fmt: skip
        print(f"prepared {sum(1 for _ in votes.open())} battles for {args.voters} voters")
        # Statistics and a checkpoint now, so that background work does not land in the run.
        with psycopg.connect(f"{PG}/{args.database}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
        load(args, env, votes)
    print(run(["shell", "-c", CHECK.format()], env).strip())


def cpu_seconds(server_pid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by the web server's processes, PostgreSQL, Redis and wrk."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {
        "web": 0.0,
        "web (kernel)": 0.0,
        "postgres": 0.0,
        "postgres (background)": 0.0,
        "redis": 0.0,
        "wrk": 0.0,
    }
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        pid, parent = int(stat.parent.name), int(fields[1])
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if server_pid in (pid, parent):
            used["web"] += seconds
            used["web (kernel)"] += int(fields[12]) / ticks
        elif name == "postgres":
            # Backends are named after their database; the rest is WAL, checkpoints, vacuum.
            command = (stat.parent / "cmdline").read_bytes()
            backend = f" {database} ".encode() in command
            used["postgres" if backend else "postgres (background)"] += seconds
        elif name.startswith("redis-server"):
            used["redis"] += seconds
        elif name == "wrk" or name.startswith("wrk:"):
            used["wrk"] += seconds
    return used


def load(args, env: dict, votes: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "arena.project.wsgi", "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         *(["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads else [])],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        # Every worker imports the app and opens its connections before the clock starts.
        subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", "-d2s", f"http://127.0.0.1:{port}/accounts/login/"],
            check=True, capture_output=True,
        )  # fmt: skip
        load_before = os.getloadavg()[0]
        before = cpu_seconds(server.pid, args.database)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_before = children.ru_utime + children.ru_stime
        output = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
             "-s", str(Path(__file__).with_name("votes.lua")), f"http://127.0.0.1:{port}",
             "--", str(votes), "2", "400" if args.floor else "200"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        # wrk's own CPU is read from its exit: it has gone when subprocess.run returns.
        after = cpu_seconds(server.pid, args.database)
        wrk_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        server.terminate()
        server.wait(timeout=20)
    workers = f"gthread workers x {args.threads} threads" if args.threads else "sync workers"
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.M))
    print(output.strip().splitlines()[-1])
    sent = int(re.search(r"sent=(\d+)", output).group(1))
    used = {name: after[name] - before[name] for name in after}
    used["wrk"] = wrk_cpu.ru_utime + wrk_cpu.ru_stime - wrk_before
    what, whats = ("rejected vote", "rejected votes (400)") if args.floor else ("vote", "votes")
    print(
        f"CPU per {what}: "
        + ", ".join(
            f"{name} {1000 * seconds / max(sent, 1):.2f} ms" for name, seconds in used.items()
        )
        + f" (load average before the run: {load_before:.2f})"
    )
    print(
        f"{whats}: {rps:.0f}/s  p50 {percentiles['50']}  p90 {percentiles['90']}  "
        f"p99 {percentiles['99']}  (gunicorn {args.workers} {workers}, wrk 2 threads, "
        f"{args.connections} connections, {args.seconds} s)"
    )


if __name__ == "__main__":
    main()
