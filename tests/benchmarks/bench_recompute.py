"""Benchmark: a million votes through import_battles and a full recompute from PostgreSQL.

Writes a 1,000,000-line battles file (100 models, 20 categories), imports it with
`manage.py import_battles` while measuring the command's peak memory, then times
`manage.py recompute_ratings` (overall + 20 category boards: one grouped SQL query each, the
engine, a stored snapshot) and prints the figures (not a test).

    .venv/bin/python tests/benchmarks/bench_recompute.py [--votes 1000000]

Needs PostgreSQL at 127.0.0.1:5432 and GNU time (/usr/bin/time) for the memory figure.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import PG, ROOT, battles_file, fresh_database, machine, run


def timed(args: list[str], env: dict) -> tuple[float, float | None, str]:
    """Wall seconds, peak RSS in MiB (when GNU time is there) and stdout of a manage.py call."""
    command = [sys.executable, "manage.py", *args]
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-v", *command]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seconds = time.monotonic() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    return seconds, int(peak.group(1)) / 1024 if peak else None, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--database", default="arena_bench_recompute")
    args = parser.parse_args()
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"{PG}/{args.database}",
           "SECRET_KEY": "bench", "DEBUG": "false", "HTTPS": "false", "LOG_LEVEL": "WARNING",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}  # fmt: skip
    print(f"machine: {machine()}")
    print(f"command: {' '.join(sys.argv)}")
    fresh_database(args.database)
    run(["migrate", "--noinput"], env)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "battles.jsonl"
        battles_file(path, votes=args.votes, models=args.models,
                     categories=args.categories, seed=2)  # fmt: skip
        size = path.stat().st_size / 2**20
        seconds, peak, out = timed(["import_battles", str(path), "--no-recompute"], env)
        print(f"import_battles: {args.votes} lines ({size:.0f} MiB) in {seconds:.1f} s, "
              f"peak memory {peak:.0f} MiB" if peak else f"in {seconds:.1f} s")  # fmt: skip
        print("  " + out.strip().splitlines()[-1])
        seconds, peak, out = timed(["import_battles", str(path), "--no-recompute"], env)
        print(f"second import of the same file: {seconds:.1f} s; " + out.strip().splitlines()[-1])
    for round_ in (1, 2):
        seconds, _, out = timed(["recompute_ratings"], env)
        per_board = [int(m) for m in re.findall(r"(\d+) ms$", out, re.M)]
        print(f"recompute_ratings round {round_}: {len(per_board)} boards in {seconds:.2f} s "
              f"wall (process start included); boards' own time {sum(per_board)} ms, "
              f"overall board {per_board[0]} ms")  # fmt: skip


if __name__ == "__main__":
    main()
