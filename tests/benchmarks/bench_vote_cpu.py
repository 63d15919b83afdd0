"""Benchmark: the CPU one vote costs the web process, in one process (not a test).

``bench_votes.py`` measures throughput under load: a web server, PostgreSQL and wrk sharing two
cores, where every process's CPU per vote moves with the others. This takes the web's part
alone: the process CPU time (user and system) of ``POST /vote/<battle>/`` sent through
Django's WSGI handler in this process, one request after another, with the production
settings (DEBUG off, PostgreSQL, the Redis cache and broker) and no server or load generator
beside it. On a shared 2-core machine a round still moves by about a fifth: compare trees in
turns, not one run against another. Then what one round trip to PostgreSQL costs the web
process (``_round_trips``).
The database is ``bench_votes.py``'s: voters signed in, battles shown to them. With
``--floor`` every request names a choice that does not exist (a 400 before the vote touches
the database): what the stack costs with no vote in it.

    .venv/bin/python tests/benchmarks/bench_vote_cpu.py [--votes 2000] [--rounds 3] [--floor] \
        [--database NAME] [--redis-db N]

Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379. The database NAME is dropped
and created again, and Redis database N (broker and cache) is emptied.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import PG, ROOT, fresh_database, machine
from bench_votes import SEED

WARM = 200  # requests before the clock starts: imports, connections, prepared statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=2000, help="requests a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--floor", action="store_true", help="unknown choices (400) only")
    parser.add_argument("--database", default="arena_bench_vote_cpu")
    parser.add_argument("--redis-db", type=int, default=11, help="broker and cache (emptied)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    redis = f"redis://127.0.0.1:6379/{args.redis_db}"
    os.environ.update({"DATABASE_URL": f"{PG}/{args.database}", "SECRET_KEY": "bench-vote-cpu",
                       "DEBUG": "false", "HTTPS": "false", "ALLOWED_HOSTS": "127.0.0.1",
                       "LOG_LEVEL": "ERROR", "CELERY_BROKER_URL": redis, "CACHE_URL": redis,
                       "CELERY_QUEUE": "bench-vote-cpu"})  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
    fresh_database(args.database)
    subprocess.run(["redis-cli", "-n", str(args.redis_db), "flushdb"], check=True)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    needed = WARM + args.votes * args.rounds
    voters = 1000
    with tempfile.TemporaryDirectory() as tmp:
        votes = Path(tmp) / "votes.txt"
        os.environ["BENCH_VOTES_FILE"] = str(votes)
        choices = ["none"] if args.floor else ["left", "right", "left", "tie", "both_bad"]
        per_voter = -(-needed // voters)
        exec(SEED.format(voters=voters, per_voter=per_voter, models=10, choices=choices), {})
        lines = [line.split() for line in votes.read_text().splitlines()]
    with psycopg.connect(f"{PG}/{args.database}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    app = WSGIHandler()
    statuses: Counter = Counter()
    for session, csrf, token, choice in lines[:WARM]:
        statuses[_post(app, session, csrf, token, choice)] += 1
    what = "rejected request" if args.floor else "vote"
    for number in range(args.rounds):
        batch = lines[WARM + number * args.votes : WARM + (number + 1) * args.votes]
        before = resource.getrusage(resource.RUSAGE_SELF)
        for session, csrf, token, choice in batch:
            statuses[_post(app, session, csrf, token, choice)] += 1
        after = resource.getrusage(resource.RUSAGE_SELF)
        user = 1000 * (after.ru_utime - before.ru_utime) / len(batch)
        system = 1000 * (after.ru_stime - before.ru_stime) / len(batch)
        print(
            f"round {number + 1}: CPU per {what} {user + system:.3f} ms "
            f"(user {user:.3f}, system {system:.3f}) over {len(batch)} requests"
        )
    print("responses: " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())))
    if not args.floor:
        _round_trips(rounds=args.rounds)


def _round_trips(*, rounds: int, each: int = 2000) -> None:
    """The CPU of one round trip to PostgreSQL through Django's cursor (``SELECT 1``), and of
    a transaction of one statement (BEGIN, the vote's row lock, COMMIT: three round trips). A
    vote sends six (BEGIN, the lock, the read, the close, the insert, COMMIT)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from arena.services.votes import _lock_sql

    voter = get_user_model().objects.values_list("pk", flat=True).first()
    lock = _lock_sql(connection.vendor)

    def select_one(cursor):
        cursor.execute("SELECT 1")
        cursor.fetchone()

    def locked(cursor):
        with transaction.atomic():
            cursor.execute(lock, [voter])

    ways = {"one round trip (SELECT 1)": select_one, "BEGIN, the voter's lock, COMMIT": locked}
    with connection.cursor() as cursor:
        for number in range(rounds):
            for name, way in ways.items():
                for _ in range(WARM):
                    way(cursor)
                before = resource.getrusage(resource.RUSAGE_SELF)
                for _ in range(each):
                    way(cursor)
                after = resource.getrusage(resource.RUSAGE_SELF)
                used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                print(f"round {number + 1}: {name}: {1e6 * used / each:.0f} us of CPU")


def _post(app, session: str, csrf: str, token: str, choice: str) -> str:
    body = f"choice={choice}".encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": f"/vote/{token}/", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}", "HTTP_X_CSRFTOKEN": csrf,
        "HTTP_ACCEPT": "application/json", "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }  # fmt: skip
    status = []
    response = app(environ, lambda line, headers, exc_info=None: status.append(line))
    b"".join(response)
    response.close()
    return status[0]


if __name__ == "__main__":
    main()
