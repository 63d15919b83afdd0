"""Benchmark: /api/v1/route/ and /api/v1/leaderboards/<category>/ under load (not a test).

Sets up a PostgreSQL database of its own, imports synthetic battles (100 models, 20
categories), recomputes, creates an API key, serves the app with gunicorn (production
settings, DEBUG off) on a loopback port and loads it with wrk. Prints requests per second and
latency percentiles per endpoint.

    .venv/bin/python tests/benchmarks/bench_api.py [--votes 100000] [--workers 2] [--seconds 10]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres:postgres@127.0.0.1:5432"


def run(args: list[str], env: dict, **kwargs) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True, **kwargs,
    )  # fmt: skip
    return result.stdout


def fresh_database(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def battles_file(path: Path, *, votes: int, models: int, categories: int, seed: int) -> None:
    rng = random.Random(seed)
    strengths = [rng.gauss(0, 1) for _ in range(models)]
    with path.open("w") as out:
        for i in range(votes):
            a, b = rng.sample(range(models), 2)
            p = 1 / (1 + math.exp(strengths[b] - strengths[a]))
            r = rng.random()
            winner = "tie" if r < 0.08 else ("model_a" if rng.random() < p else "model_b")
            line = {"model_a": f"model-{a:03d}", "model_b": f"model-{b:03d}", "winner": winner,
                    "category": f"cat-{i % categories:02d}", "question_id": str(i)}  # fmt: skip
            out.write(json.dumps(line) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, key: str, *, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", f"Authorization: Bearer {key}", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50": percentiles.get("50"),
        "p99": percentiles.get("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
    }


def machine() -> str:
    cpu = "unknown cpu"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", default="arena_bench_api")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    env = {**os.environ, "DATABASE_URL": f"{PG}/{args.database}", "SECRET_KEY": "bench",
           "DEBUG": "false", "HTTPS": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": ""}  # fmt: skip
    env.pop("CELERY_BROKER_URL")
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    fresh_database(args.database)
    env["STATIC_ROOT"] = tempfile.mkdtemp(prefix="arena-bench-static-")
    run(["migrate", "--noinput"], env)
    run(["collectstatic", "--noinput"], env)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "battles.jsonl"
        battles_file(path, votes=args.votes, models=args.models, categories=args.categories, seed=1)
        started = time.monotonic()
        run(["import_battles", str(path)], env)
        print(f"imported and recomputed {args.votes} votes in {time.monotonic() - started:.1f} s")
    key = run(["create_api_key", "bench"], env).strip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "arena.project.wsgi", "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/route/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        endpoints = {
            "route": f"{base}/api/v1/route/?category=cat-01",
            "leaderboard (100 models)": f"{base}/api/v1/leaderboards/cat-01/",
        }
        headers = {"Authorization": f"Bearer {key}"}
        for name, url in endpoints.items():
            body = httpx.get(url, headers=headers, timeout=10)
            body.raise_for_status()
            wrk(url, key, seconds=2, connections=args.connections)  # warm-up
            figures = wrk(url, key, seconds=args.seconds, connections=args.connections)
            print(
                f"{name:26s} {figures['rps']:8.0f} req/s  p50 {figures['p50']:>8s}  "
                f"p99 {figures['p99']:>8s}  non-2xx {figures['non_2xx']}  "
                f"socket errors {figures['socket_errors']}  ({len(body.content)} bytes)"
            )
        print(f"gunicorn: {args.workers} sync workers; wrk: 2 threads, {args.connections} "
              f"connections, {args.seconds} s per endpoint, on the same machine")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
