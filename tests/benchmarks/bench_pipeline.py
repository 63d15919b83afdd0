"""Benchmark: generation throughput of one real Celery worker against its ideal (not a test).

Sets up a PostgreSQL database of its own and a Redis queue of its own, then for worker
concurrency 1, 2 and 4 (prefork pool processes of one worker) sends 50 x concurrency
generations to a built-in provider that takes a fixed 200 ms (``delay_ms=200``, 64 px image)
and measures outputs per second, from sending the first task to the last output recorded.
The ideal is concurrency / latency: every pool process busy with the provider all the time.
Two more runs put a concurrency cap on the generator (the Redis slots): at the worker's
concurrency (the slots' own cost) and at half of it (waiters handed freed slots).

    .venv/bin/python tests/benchmarks/bench_pipeline.py [--latency-ms 200] [--per-process 50]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379 (database 9
by default; other benchmarks flush 5 and 6).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_api import PG, ROOT, fresh_database, machine, run


def worker(env: dict, *, concurrency: int, name: str, log: Path) -> subprocess.Popen:
    args = ["-A", "arena", "worker", "-Q", env["CELERY_QUEUE"], "-c", str(concurrency)]
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", *args, "-n", f"{name}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_ready(app, name: str, process: subprocess.Popen) -> None:
    for _ in range(120):
        if process.poll() is not None:
            sys.exit(f"the worker {name} exited with {process.returncode}")
        if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
            return
    sys.exit(f"the worker {name} did not answer")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children (the pool)."""
    proc = Path(f"/proc/{pid}")
    fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in (proc / "task").iterdir():
        for child in (task / "children").read_text().split():
            total += cpu_seconds(int(child))
    return total


def batch(generator, count: int, label: str) -> float:
    """Send ``count`` fresh generations; return outputs per second once all are recorded."""
    from django.db.models import Max

    from arena.models import Prompt
    from generation.models import Generation
    from generation.services import generation_get_or_create
    from generation.tasks import generate

    prompts = Prompt.objects.bulk_create(
        Prompt(text=f"{label}: a lighthouse, variation {i}") for i in range(count)
    )
    ids = [generation_get_or_create(prompt=p, generator=generator)[0].id for p in prompts]
    started = time.time()
    for generation_id in ids:
        generate.delay(generation_id)
    waiting = Generation.objects.filter(id__in=ids)
    deadline = started + 60 + count
    while waiting.exclude(status__in=["succeeded", "failed"]).exists():
        if time.time() > deadline:  # e.g. someone flushed the Redis database under us
            sys.exit(f"{label}: generations still pending after {deadline - started:.0f} s")
        time.sleep(0.05)
    if waiting.filter(status="failed").exists():
        sys.exit(f"{label}: a generation failed: {waiting.filter(status='failed').first().error}")
    last = waiting.aggregate(last=Max("finished_at"))["last"].timestamp()
    return count / (last - started)


def measure(app, env, *, concurrency: int, cap: int, args, tmp: Path) -> None:
    from generation.models import Generator

    name = f"bench-{uuid.uuid4().hex[:6]}"
    generator = Generator.objects.create(
        name=name, slug=name, provider="builtin", model_id="builtin",
        parameters={"delay_ms": args.latency_ms, "size": 64}, max_concurrency=cap,
    )  # fmt: skip
    process = worker(env, concurrency=concurrency, name=name, log=tmp / f"{name}.log")
    try:
        wait_ready(app, name, process)
        batch(generator, concurrency * 4, f"{name} warm-up")  # pool processes, connections
        cpu = cpu_seconds(process.pid)
        rate = batch(generator, concurrency * args.per_process, name)
        cpu_ms = 1000 * (cpu_seconds(process.pid) - cpu) / (concurrency * args.per_process)
    finally:
        process.terminate()
        process.wait(timeout=30)
    ideal = min(concurrency, cap or concurrency) / (args.latency_ms / 1000)
    capped = f"cap {cap}" if cap else "no cap"
    print(
        f"concurrency {concurrency}  {capped:7s}  {concurrency * args.per_process:4d} outputs  "
        f"{rate:6.2f}/s  ideal {ideal:6.2f}/s  {100 * rate / ideal:5.1f}% of ideal  "
        f"worker CPU {cpu_ms:4.1f} ms/output  load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--per-process", type=int, default=50)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--database", default="arena_bench_pipeline")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()

    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.2f}")
    print(f"command: {' '.join(sys.argv)}")
    fresh_database(args.database)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "arena.project.settings",
            "DATABASE_URL": f"{PG}/{args.database}",
            "SECRET_KEY": "bench",
            "CELERY_BROKER_URL": args.redis,
            "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
            "MEDIA_ROOT": tmp,
            "LOG_LEVEL": "WARNING",
        }
        run(["migrate", "--noinput"], env)
        os.environ.update(env)
        import django

        django.setup()
        from arena.project.celery import app

        top = max(args.concurrency)
        runs = [(c, 0) for c in args.concurrency] + [(top, top), (top, max(top // 2, 1))]
        for concurrency, cap in runs:
            measure(app, env, concurrency=concurrency, cap=cap, args=args, tmp=Path(tmp))
    print(
        f"one worker, prefork pool of N processes; built-in provider sleeping {args.latency_ms} ms "
        "then drawing 64 px; PostgreSQL, Redis, worker and this client on the same machine"
    )


if __name__ == "__main__":
    main()
