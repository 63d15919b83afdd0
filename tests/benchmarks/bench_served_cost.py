"""What sending outputs uncompressed costs, in bytes and in time, at the canonical size.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_served_cost.py [--box 1024] [--prompts 4]

For the demo's five generators and ``--prompts`` prompts each, every output goes through the
arena's storage path (decode, fit into the box, encode) in each format the arena can store,
and then through what voters are sent of it (``generation.served``: its pixels as an
uncompressed PNG, written once when it is stored). Prints the stored sizes per format, the
one served size, and the time to write the served form (once per output, never per request).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
os.environ.setdefault("SECRET_KEY", "benchmark")

from arena.demo_data import CATEGORIES, GENERATORS
from generation.outputs import reencode_image
from generation.providers.builtin import BuiltinProvider
from generation.served import served_png

FORMATS = ("png", "webp", "jpeg")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--box", type=int, default=1024, help="canonical edge (1024)")
    parser.add_argument("--prompts", type=int, default=4, help="prompts per generator (4)")
    args = parser.parse_args()
    prompts = [p for category in CATEGORIES for p in category["prompts"]][: args.prompts]
    stored = {fmt: [] for fmt in FORMATS}
    served, seconds = set(), {fmt: [] for fmt in FORMATS}
    for generator in GENERATORS:
        provider = BuiltinProvider(model_id=f"builtin-{generator['name'].lower()}")
        for prompt in prompts:
            raw = provider.generate(prompt, dict(generator["parameters"])).content
            for fmt in FORMATS:
                data, _ = reencode_image(raw, fmt=fmt, size=(args.box, args.box))
                stored[fmt].append(len(data))
                started = time.perf_counter()
                served.add(len(served_png(data)))
                seconds[fmt].append(time.perf_counter() - started)
    count = len(stored["png"])
    print(f"box {args.box}x{args.box}, {count} outputs (5 generators x {len(prompts)} prompts)")
    for fmt in FORMATS:
        kb = sorted(size / 1000 for size in stored[fmt])
        middle = statistics.median(kb)
        print(
            f"stored as {fmt:4}: {kb[0]:,.0f} to {kb[-1]:,.0f} KB (median {middle:,.0f}); "
            f"served form written in {statistics.median(seconds[fmt]) * 1e3:.0f} ms (median)"
        )
    print(f"served: {', '.join(f'{size / 1000:,.0f} KB' for size in sorted(served))} every time")


if __name__ == "__main__":
    main()
