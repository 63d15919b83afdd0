"""Benchmark of style control: the features' cost, and the style fit against known truth.

Run from the repository root (seeded; the same arguments print the same figures, times aside):

    .venv/bin/python tests/benchmarks/bench_style.py [--sections features,coverage,ranks,speed]
        [--boards 1000] [--rank-boards 100]

Prints the machine and its load average, then

* features: the time to measure one 1024x1024 output (a built-in provider picture, stored as
  PNG), from its pixels and from its stored bytes (decoding included), wall and CPU time, the
  median of 30 runs;
* coverage: over ``--boards`` simulated boards (10 models, 7 features equally correlated at
  0.3, 5,000 votes, 20% ties, a left-side advantage fitted), how often the 95% interval of
  each style coefficient covers its true value, per feature and overall, with the binomial
  standard error; the strengths' intervals too;
* ranks: ``--rank-boards`` boards of 10 models 25 rating points apart, 20,000 votes, where the
  third-weakest model's pictures are far more colourful than the rest's and voters reward
  colour: how often the plain and the controlled board put every model in its true place,
  and where each puts the colourful model;
* speed: one style fit and one whole style-controlled board (fit, intervals, tiers, P(best))
  of 20 models, 7 features, at 100,000 and at 1,000,000 votes.

Truth: the left side's expected score is ``sigmoid(theta_l - theta_r + gamma + beta . (f_l -
f_r))`` (:func:`ratings.engine.simulate.simulate_style_votes`); the true coefficient per
standard deviation is ``beta_k`` times the standard deviation of feature ``k``'s difference on
that board, the scale the fit reports in.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generation.features import decode, image_features
from generation.providers.builtin import BuiltinProvider
from ratings.engine import (
    PairCounts,
    bt_fit,
    compute_style_board,
    simulate_style_votes,
    style_fit,
)

SEED = 2026
POINTS = 400 / math.log(10)
K = 7


def _machine() -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(f"{machine}, Python {platform.python_version()}, numpy {np.__version__}; "
          f"load average {load}")  # fmt: skip


def _timed(function, runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return 1000 * statistics.median(walls), 1000 * statistics.median(cpus)


def features_section() -> None:
    print("\n## Features of one 1024x1024 output (median of 30)")
    provider = BuiltinProvider(model_id="builtin-bench")
    for prompt in ("A red leather handbag on a white marble table", "A neon sign OPEN LATE"):
        content = provider.generate(prompt, {"size": 1024, "seed": 7}).content
        buffer = io.BytesIO()
        decode(content).convert("RGB").save(buffer, format="PNG", compress_level=6)
        stored = buffer.getvalue()
        pixels = decode(stored)
        image_features(pixels)
        wall, cpu = _timed(lambda p=pixels: image_features(p), 30)
        print(f"{prompt[:32]!r:36} from pixels: {wall:5.1f} ms wall, {cpu:5.1f} ms CPU")
        wall, cpu = _timed(lambda s=stored: image_features(decode(s)), 30)
        print(f"{'':36} from stored PNG bytes: {wall:5.1f} ms wall, {cpu:5.1f} ms CPU")


def _coverage_board(b: int):
    rng = np.random.default_rng([SEED, b])
    theta = rng.normal(0.0, 0.5, 10)
    style = rng.normal(0.0, 1.0, (10, K))
    beta = rng.normal(0.0, 0.15, K)
    rows = simulate_style_votes(
        theta, style, beta, 5000, rng=rng, correlation=0.3, tie_rate=0.2, position=0.1
    )
    return rows, theta, beta


def coverage_section(boards: int) -> None:
    print(f"\n## Coverage of the 95% intervals over {boards} boards "
          "(10 models, 7 features, 5,000 votes)")  # fmt: skip
    hits = np.zeros(K)
    theta_hits = theta_cases = 0
    started = time.perf_counter()
    for b in range(boards):
        rows, theta, beta = _coverage_board(b)
        fit = style_fit(rows, position_bias=True)
        effects = fit.effects(1.0)
        truth = beta * fit.scale
        hits += (effects[:, 1] <= truth) & (truth <= effects[:, 2])
        centred = theta - theta.mean()
        se = np.sqrt(np.diag(fit.covariance)[:10])
        theta_hits += int((np.abs(fit.fit.theta - centred) <= 1.959964 * se).sum())
        theta_cases += 10
    cases = boards * K
    share = hits.sum() / cases
    print("coefficient cover rate per feature: " + ", ".join(f"{h / boards:.3f}" for h in hits))
    print(f"all coefficients: {share:.2%} of {cases:,} cases "
          f"(standard error {math.sqrt(share * (1 - share) / cases):.2%})")  # fmt: skip
    share = theta_hits / theta_cases
    print(f"strengths: {share:.2%} of {theta_cases:,} cases "
          f"(standard error {math.sqrt(share * (1 - share) / theta_cases):.2%})")  # fmt: skip
    print(f"{time.perf_counter() - started:.1f} s")


def ranks_section(boards: int) -> None:
    print(f"\n## True order recovered, over {boards} boards (10 models 25 points apart, 20,000 "
          "votes; model 8 of 10 much more colourful, colour rewarded)")  # fmt: skip
    theta = -np.arange(10) * 25 / POINTS
    vivid = 7
    plain_right = controlled_right = 0
    plain_place, controlled_place = [], []
    for b in range(boards):
        rng = np.random.default_rng([SEED, 1, b])
        style = rng.normal(0.0, 0.3, (10, K))
        style[vivid, 0] += 2.0  # colourfulness, in standard deviations of one output's
        beta = np.zeros(K)
        beta[0] = 0.35
        rows = simulate_style_votes(theta, style, beta, 20_000, rng=rng, correlation=0.3)
        counts = PairCounts.from_votes(10, rows.left, rows.right, rows.outcome)
        plain = np.argsort(-bt_fit(counts).theta)
        controlled = np.argsort(-style_fit(rows).fit.theta)
        plain_right += bool((plain == np.arange(10)).all())
        controlled_right += bool((controlled == np.arange(10)).all())
        plain_place.append(int(np.flatnonzero(plain == vivid)[0]) + 1)
        controlled_place.append(int(np.flatnonzero(controlled == vivid)[0]) + 1)
    print(f"every model in its true place: plain {plain_right} of {boards}, "
          f"controlled {controlled_right} of {boards}")  # fmt: skip
    median = statistics.median
    print(f"the colourful model (truly 8th), median place: plain {median(plain_place):.0f} "
          f"(range {min(plain_place)}-{max(plain_place)}), controlled "
          f"{median(controlled_place):.0f} (range {min(controlled_place)}-"
          f"{max(controlled_place)})")  # fmt: skip


def speed_section() -> None:
    print("\n## Speed: 20 models, 7 features")
    rng = np.random.default_rng([SEED, 2])
    theta = rng.normal(0.0, 0.5, 20)
    style = rng.normal(0.0, 1.0, (20, K))
    beta = rng.normal(0.0, 0.15, K)
    for n in (100_000, 1_000_000):
        rows = simulate_style_votes(theta, style, beta, n, rng=rng, correlation=0.3)
        runs = 3 if n <= 100_000 else 1
        wall, cpu = _timed(lambda r=rows: style_fit(r, position_bias=True), runs)
        print(f"{n:>9,} votes: style fit {wall / 1000:6.2f} s wall ({cpu / 1000:.2f} s CPU)")
        wall, cpu = _timed(lambda r=rows: compute_style_board(r, position_bias=True), runs)
        print(f"{'':16} whole board {wall / 1000:6.2f} s wall ({cpu / 1000:.2f} s CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", default="features,coverage,ranks,speed")
    parser.add_argument("--boards", type=int, default=500, help="Coverage boards (500).")
    parser.add_argument("--rank-boards", type=int, default=50, help="Rank boards (50).")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    _machine()
    if "features" in sections:
        features_section()
    if "coverage" in sections:
        coverage_section(args.boards)
    if "ranks" in sections:
        ranks_section(args.rank_boards)
    if "speed" in sections:
        speed_section()
    _machine()


if __name__ == "__main__":
    main()
