"""How well file size alone predicts the generator, and what a lossy format does about it.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_size_leak.py [--box 1024] [--prompts 44]

Every output reaches the voter at the canonical size, so its dimensions say nothing; its byte
size still does, a little or a lot, depending on the generators. For two sets of built-in
generators, each output (one per prompt and generator, as the arena reuses them) goes
through the arena's own storage path (decode, fit into the box, encode) in each format, and
a size-only classifier guesses its generator, leaving that output out of what it learned
(a Gaussian on log size per generator, the same model the blindness audit's attacker uses).

* ``demo``: the demo's five generators (one look for all, hidden quality knobs);
* ``mixed``: five generators with a fixed look each, grain from none to heavy and native
  sizes from 256 to 1024, like a mix of real models.

Prints accuracy with a 95% Wilson interval against chance (1/5).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
os.environ.setdefault("SECRET_KEY", "benchmark")

from scipy.stats import norm

from arena.blindness import wilson
from arena.demo_data import CATEGORIES, GENERATORS
from generation.outputs import reencode_image
from generation.providers.builtin import BuiltinProvider

MIXED = {
    "flat-sunset": {"palette": "sunset", "layout": "centered", "size": 512},
    "grid-ocean": {"palette": "ocean", "layout": "grid", "noise": 0.15, "size": 768},
    "stripes-forest": {"palette": "forest", "layout": "stripes", "noise": 0.05, "size": 1024},
    "radial-neon": {"palette": "neon", "layout": "radial", "noise": 0.35, "size": 256},
    "split-mono": {"palette": "mono", "layout": "split", "size": 640},
}
FORMATS = ("png", "webp", "jpeg")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--box", type=int, default=1024, help="canonical edge (1024)")
    parser.add_argument("--prompts", type=int, default=44, help="prompts per generator (44)")
    args = parser.parse_args()
    prompts = [p for category in CATEGORIES for p in category["prompts"]][: args.prompts]
    demo = {g["name"]: g["parameters"] for g in GENERATORS}
    print(f"box {args.box}x{args.box}, {len(prompts)} prompts x 5 generators, chance 20.0%")
    for label, generators in (("demo", demo), ("mixed", MIXED)):
        started = time.monotonic()
        sizes = _sizes(generators, prompts, args.box)
        for fmt in FORMATS:
            hits, n = _leave_one_out(sizes[fmt])
            low, high = wilson(hits, n, 1.96)
            kb = sorted(s / 1024 for samples in sizes[fmt].values() for s in samples)
            print(
                f"{label:5} {fmt:4}  size-only accuracy {hits / n:6.1%} "
                f"(95% {low:.1%}-{high:.1%}), sizes {kb[0]:.0f}-{kb[-1]:.0f} KB"
            )
        print(f"      ({time.monotonic() - started:.0f} s)")


def _sizes(generators: dict, prompts: list[str], box: int) -> dict[str, dict[str, list[int]]]:
    sizes = {fmt: {name: [] for name in generators} for fmt in FORMATS}
    for name, params in generators.items():
        provider = BuiltinProvider(model_id=f"builtin-{name.lower()}")
        for prompt in prompts:
            raw = provider.generate(prompt, dict(params)).content
            for fmt in FORMATS:
                data, _ = reencode_image(raw, fmt=fmt, size=(box, box))
                sizes[fmt][name].append(len(data))
    return sizes


def _leave_one_out(sizes: dict[str, list[int]]) -> tuple[int, int]:
    logs = {name: [math.log(s) for s in samples] for name, samples in sizes.items()}
    hits = n = 0
    for truth, samples in logs.items():
        for i, x in enumerate(samples):
            rest = {name: list(v) for name, v in logs.items()}
            del rest[truth][i]
            guess = max(rest, key=lambda name, x=x: _fit(x, rest[name]))
            hits += guess == truth
            n += 1
    return hits, n


def _fit(x: float, samples: list[float]) -> float:
    mean = sum(samples) / len(samples)
    spread = math.sqrt(max(sum((s - mean) ** 2 for s in samples) / (len(samples) - 1), 1e-6))
    return float(norm.logpdf(x, mean, spread))


if __name__ == "__main__":
    main()
