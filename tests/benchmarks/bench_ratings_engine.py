"""Benchmark of the ratings engine: speed on a large synthetic arena, and interval calibration.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_ratings_engine.py [--quick] \
        [--arena-rank var/arena-rank-venv/bin/python]

Prints the machine, then

* the synthetic arena: 100 models, 1,000,000 votes, 20 categories (board = overall + each
  category, 21 boards), aggregated per ordered pair as the SQL GROUP BY would;
* (a) one Bradley-Terry fit of the overall board;
* (b) full boards (fit, intervals, ranks, P(best), matrices) for all 21 boards, with the default
  interval (sandwich, 1000 normal draws behind P(best)) and with the 1000-round bootstrap;
* with ``--arena-rank PYTHON``: the same battles through LMArena's ``arena-rank`` (see below);
* a FastChat-style per-vote bootstrap (resample the votes, refit a logistic regression on the
  per-vote design; scipy instead of sklearn) timed for a few rounds and extrapolated;
* coverage of the 95% intervals over simulated boards at 20 models / 10k votes and 50 models /
  100k votes.

Wall time is what a user waits; CPU time (all threads) shows how much of both cores was used.
Other jobs on the machine inflate wall time, so the load average is printed too.

arena-rank
----------
arena-rank 0.1.1 pins numpy 2.3.3 and jax, so it lives in a virtual environment of its own
(``var/`` is git-ignored); from the repository root:

    python3 -m venv var/arena-rank-venv
    var/arena-rank-venv/bin/pip install uv
    var/arena-rank-venv/bin/uv pip install --python var/arena-rank-venv/bin/python \
        arena-rank==0.1.1

``--arena-rank var/arena-rank-venv/bin/python`` then writes the per-vote arrays of the synthetic
arena to a temporary .npz and runs ``arena_rank_peer.py`` (next to this file) with that python.
It fits every board with arena-rank's ``BradleyTerry`` and compares the ratings with
``bt_fit(prior=0)`` (arena-rank has no prior; both count a tie as half a win), times one fit of
the overall board, and times ``compute_ratings_and_cis(ci_method="bootstrap")`` (fit included,
two worker processes, spawn start method) on the overall board and on category board 1 for a
few round counts (``--arena-rank-rounds``). A straight line through those times (a fixed cost
per call: fit and worker start-up, plus a cost per round) extrapolates to 1000 rounds, and the
21 boards are the overall board plus 20 times category board 1. As arena-rank compiles its
solver afresh in every fit, the peer also times its L-BFGS and loss compiled once (a fit, and
bootstrap rounds in one process), to show how much of the gap is compilation. That takes a few
minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

# OpenBLAS threads on top of the engine's own spin on its small matrices when the cores are
# busy (a fit goes from 2 ms to over 100 ms); workers should run like this too. Override by
# exporting another value.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy
from scipy.optimize import OptimizeResult, minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ratings.engine import (
    DEFAULT_PRIOR,
    PairCounts,
    bt_fit,
    compute_board,
    elo_online,
    interval_coverage,
    simulate_votes,
    to_elo_scale,
)

N_MODELS = 100
N_VOTES = 1_000_000
N_CATEGORIES = 20
ROUNDS = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer simulated boards")
    parser.add_argument(
        "--arena-rank",
        metavar="PYTHON",
        help="python of a venv with arena-rank installed: also run the same work through it",
    )
    parser.add_argument(
        "--arena-rank-rounds",
        default="2,12",
        help="bootstrap round counts timed through arena-rank (default 2,12)",
    )
    args = parser.parse_args()
    print_machine()
    boards, votes = synthetic_arena(seed=0)
    overall = boards[0]
    bench_single_fit(overall)
    ours = bench_boards(boards)
    if args.arena_rank:
        bench_arena_rank(args.arena_rank, args.arena_rank_rounds, boards, votes, ours)
    bench_per_vote_bootstrap(seed=0, rounds=2 if args.quick else 3)
    bench_elo_replay()
    bench_coverage(quick=args.quick)


def print_machine() -> None:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    print("== machine")
    print(f"command   : {sys.executable} {' '.join(sys.argv)}")
    print(f"nproc     : {len(os.sched_getaffinity(0))} (os.cpu_count() = {os.cpu_count()})")
    print(f"cpu       : {model}")
    print(f"load avg  : {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    versions = f"numpy {np.__version__}, scipy {scipy.__version__}"
    print(f"python    : {platform.python_version()}, {versions}")
    blas = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")
    print("env       : " + ", ".join(f"{k}={os.environ.get(k, '')}" for k in blas))


class Votes(NamedTuple):
    """Per-vote arrays of the synthetic arena."""

    left: np.ndarray
    right: np.ndarray
    outcome: np.ndarray
    category: np.ndarray


def synthetic_arena(seed: int) -> tuple[list[PairCounts], Votes]:
    """Overall board first, then one board per category; and the votes they aggregate."""
    rng = np.random.default_rng(seed)
    overall = rng.normal(0.0, 0.6, N_MODELS)
    by_category = overall + rng.normal(0.0, 0.25, (N_CATEGORIES, N_MODELS))
    category = rng.integers(0, N_CATEGORIES, N_VOTES)
    left = rng.integers(0, N_MODELS, N_VOTES)
    right = rng.integers(0, N_MODELS - 1, N_VOTES)
    right += right >= left
    p = 1.0 / (1.0 + np.exp(-(by_category[category, left] - by_category[category, right])))
    tie = 0.2 * 4.0 * p * (1.0 - p)
    u = rng.random(N_VOTES)
    outcome = np.where(u < p - tie / 2, 1.0, np.where(u < p + tie / 2, 0.5, 0.0))
    started = time.perf_counter()
    boards = [PairCounts.from_votes(N_MODELS, left, right, outcome)]
    for c in range(N_CATEGORIES):
        mask = category == c
        boards.append(PairCounts.from_votes(N_MODELS, left[mask], right[mask], outcome[mask]))
    elapsed = time.perf_counter() - started
    pairs = [b.left.size for b in boards]
    print("\n== synthetic arena")
    print(f"{N_MODELS} models, {N_VOTES:,} votes, {N_CATEGORIES} categories, 20% ties near parity")
    spread = f"categories {min(pairs[1:])}-{max(pairs[1:])}"
    print(f"ordered pairs with votes: overall {pairs[0]}, {spread}")
    print(f"aggregation of per-vote arrays (stand-in for the SQL GROUP BY): {elapsed:.2f} s")
    return boards, Votes(left, right, outcome, category)


def timed(action: Callable[[], object], repeats: int = 1) -> tuple[float, float, object]:
    """Best wall time and its CPU time over ``repeats`` runs, and the last result."""
    best = (float("inf"), 0.0)
    result = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best[0], best[1], result


def bench_single_fit(counts: PairCounts) -> None:
    print("\n== (a) one Bradley-Terry fit, overall board (1M votes, median of 7)")
    for options in ({}, {"ties": "davidson", "position_bias": True}):
        times = [timed(lambda o=options: bt_fit(counts, **o))[0] for _ in range(7)]
        fit = bt_fit(counts, **options)
        label = ", ".join(f"{k}={v}" for k, v in options.items()) or "ties=half"
        print(f"{label:38s}: {statistics.median(times) * 1e3:7.1f} ms ({fit.n_iter} Newton steps)")


def bench_boards(boards: list[PairCounts]) -> dict[str, tuple[float, float, float]]:
    """Prints the timings; returns, per interval method, wall and CPU seconds of all boards and
    wall seconds of the overall board alone."""
    print(
        f"\n== (b) all {len(boards)} boards (overall + {N_CATEGORIES} categories), {ROUNDS} rounds"
    )
    measured = {}
    for interval in ("sandwich", "bootstrap"):
        wall, cpu, results = timed(
            lambda i=interval: [compute_board(b, interval=i, rounds=ROUNDS) for b in boards]
        )
        single, single_cpu, _ = timed(
            lambda i=interval: compute_board(boards[0], interval=i, rounds=ROUNDS)
        )
        label = "default (sandwich)" if interval == "sandwich" else "bootstrap (percentile)"
        print(
            f"{label:24s}: 21 boards {wall:6.2f} s wall / {cpu:6.2f} s CPU; "
            f"overall board alone {single:5.2f} s wall / {single_cpu:5.2f} s CPU"
        )
        width = np.median(results[0].ci_upper - results[0].ci_lower)
        print(f"{'':24s}  overall board: median 95% interval width {width:.1f} Elo points")
        measured[interval] = (wall, cpu, single)
    return measured


ARENA_RANK_PEER = Path(__file__).resolve().with_name("arena_rank_peer.py")
ARENA_RANK_JOBS = 2  # bootstrap worker processes, one per core of the benchmark machine
ARENA_RANK_BOOT_BOARDS = (0, 1)  # the overall board and one category board


def bench_arena_rank(
    python: str,
    rounds: str,
    boards: list[PairCounts],
    votes: Votes,
    ours: dict[str, tuple[float, float, float]],
) -> None:
    """The same battles through LMArena's arena-rank, run by the python of its own venv."""
    print(f"\n== arena-rank (LMArena's reference implementation) on the same battles: {python}")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "votes.npz"
        np.savez(
            path,
            left=votes.left.astype(np.int32),
            right=votes.right.astype(np.int32),
            outcome=votes.outcome,
            category=votes.category.astype(np.int32),
            n_models=N_MODELS,
        )
        command = [
            python,
            str(ARENA_RANK_PEER),
            str(path),
            "--fit-boards=all",
            "--boot-boards=" + ",".join(map(str, ARENA_RANK_BOOT_BOARDS)),
            f"--rounds={rounds}",
            f"--n-jobs={ARENA_RANK_JOBS}",
        ]
        started = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        peer_wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        raise SystemExit(f"arena_rank_peer.py failed (exit code {run.returncode})")
    peer = json.loads(run.stdout.strip().splitlines()[-1])
    load_after = os.getloadavg()

    v = peer["versions"]
    deps = ", ".join(f"{k} {v[k]}" for k in ("jax", "jaxlib", "numpy", "pandas", "optax") if k in v)
    print(f"arena-rank {v.get('arena-rank', '?')} ({deps}; python {v['python']})")
    print(
        f"peer run  : {peer_wall:.0f} s wall in all; multiprocessing start method "
        f"{peer['start_method']}, {peer['n_jobs']} bootstrap workers; load avg "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min)"
    )
    fits = {f["board"]: f for f in peer["fits"]}
    prep = [fits[b]["prep_seconds"] for b in sorted(fits) if b > 0]
    print(
        "input     : per-vote battles as a DataFrame in the public format (winner model_a|"
        "model_b|tie|tie (bothbad)), aggregated by PairDataset.from_pandas in "
        f"{fits[0]['prep_seconds']:.1f} s overall ({fits[0]['rows']:,} rows per (a, b, outcome))"
        + (f", {min(prep):.1f}-{max(prep):.1f} s per category board" if prep else "")
    )
    print(
        "ties      : no difference in this comparison: arena-rank maps tie, both_bad and any other "
        "winner string (so 'tie (bothbad)') to outcome 0.5, half a win each, as our "
        "ties='half' with RATINGS_BOTH_BAD=tie; it cannot drop both-bad votes or fit Davidson "
        "ties (ours: RATINGS_BOTH_BAD=drop, ties='davidson')"
    )

    # Agreement: both on the Elo scale, 400/ln(10) points per natural-log unit, anchored so that
    # the mean of the rated models is 1000 (arena-rank adds 1000 to ratings it does not centre).
    order = sorted(fits)
    gaps: dict[float, list[float]] = {0.0: [], DEFAULT_PRIOR: []}
    offsets = []
    for board in order:
        theirs = np.array([np.nan if r is None else r for r in fits[board]["ratings"]])
        offsets.append(abs(np.nanmean(theirs) - 1000.0))
        theirs = to_elo_scale((theirs - 1000.0) * math.log(10.0) / 400.0)
        for prior, found in gaps.items():
            ours_elo = to_elo_scale(bt_fit(boards[board], prior=prior).theta)
            both = ~np.isnan(theirs) & ~np.isnan(ours_elo)
            found.append(float(np.abs(theirs[both] - ours_elo[both]).max()))
    plain, with_prior = gaps[0.0], gaps[DEFAULT_PRIOR]
    print(
        f"agreement : max |arena-rank - bt_fit(prior=0)| per model, Elo scale (400/ln 10 points "
        f"per natural-log unit, mean of rated models = 1000): overall board {plain[0]:.4f} "
        f"points, worst of {len(order)} boards {max(plain):.4f} (board "
        f"{order[int(np.argmax(plain))]}); arena-rank's own mean was 1000 to within "
        f"{max(offsets):.1e}"
    )
    print(
        f"{'':12s}(arena-rank fits the plain MLE; against our default prior={DEFAULT_PRIOR:g} "
        f"instead: overall {with_prior[0]:.3f}, worst {max(with_prior):.3f} points)"
    )

    overall_fits = fits[0]["fit_seconds"]
    theirs_fit = statistics.median(overall_fits)
    our_times = [timed(lambda: bt_fit(boards[0], prior=0.0))[0] for _ in range(7)]
    our_fit = statistics.median(our_times)
    category_fits = [fits[b]["fit_seconds"][0] for b in sorted(fits) if b > 0]
    print(
        f"(a) one fit, overall board: arena-rank BradleyTerry.fit {theirs_fit:.2f} s (median of "
        f"{len(overall_fits)}, {fits[0]['lbfgs_iterations']} L-BFGS iterations) vs ours "
        f"bt_fit(prior=0) {our_fit * 1e3:.1f} ms (median of 7): {theirs_fit / our_fit:,.0f}x"
    )
    overhead = statistics.median(peer["fit_overhead_seconds"])
    print(
        f"{'':12s}arena-rank re-jits a fresh closure per fit: a 3-model board takes "
        f"{overhead:.2f} s too"
        + (
            f"; category boards {min(category_fits):.2f}-{max(category_fits):.2f} s per fit"
            if category_fits
            else ""
        )
    )

    print(
        f"(b) bootstrap: compute_ratings_and_cis(ci_method='bootstrap', n_jobs={ARENA_RANK_JOBS}) "
        "of an unfitted model (fit, worker start-up, resampled fits, quantiles)"
    )
    estimates = {}
    for board in ARENA_RANK_BOOT_BOARDS:
        runs = [b for b in peer["bootstraps"] if b["board"] == board]
        if not runs:
            continue
        n = np.array([r["rounds"] for r in runs], dtype=float)
        wall = np.array([r["seconds"] for r in runs])
        cpu = np.array([r["cpu_seconds"] for r in runs])
        estimates[board] = (extrapolate(n, wall), extrapolate(n, cpu))
        (fixed, per_round, total), (_, cpu_round, cpu_total) = estimates[board]
        name = "overall board" if board == 0 else f"category board {board}"
        measured = ", ".join(f"{r['rounds']} rounds {r['seconds']:.1f} s" for r in runs)
        print(
            f"{'':4s}{name} ({runs[0]['votes']:,} votes): {measured} -> {per_round:.2f} s per "
            f"round ({cpu_round:.2f} s CPU) + {fixed:.1f} s per call; {ROUNDS} rounds about "
            f"{total / 60:.1f} min wall / {cpu_total / 60:.1f} min CPU"
        )
    if len(estimates) == 2:
        used = sum(r["rounds"] for r in peer["bootstraps"])
        categories = len(boards) - 1
        wall_all = estimates[0][0][2] + categories * estimates[1][0][2]
        cpu_all = estimates[0][1][2] + categories * estimates[1][1][2]
        our_wall, our_cpu, our_single = ours["bootstrap"]
        sandwich_wall = ours["sandwich"][0]
        print(
            f"{'':4s}extrapolated, {ROUNDS} rounds x {len(boards)} boards (overall + {categories} "
            f"x category board 1; {used} bootstrap rounds actually run): "
            f"{wall_all / 3600:.2f} h wall / {cpu_all / 3600:.2f} h CPU"
        )
        print(
            f"{'':4s}ours, same run: {ROUNDS}-round bootstrap, {len(boards)} boards "
            f"{our_wall:.1f} s wall / {our_cpu:.1f} s CPU -> {wall_all / our_wall:,.0f}x faster "
            f"(wall), {cpu_all / our_cpu:,.0f}x (CPU); overall board alone "
            f"{our_single:.2f} s vs {estimates[0][0][2]:.0f} s -> "
            f"{estimates[0][0][2] / our_single:,.0f}x; default sandwich boards "
            f"{sandwich_wall:.1f} s -> {wall_all / sandwich_wall:,.0f}x"
        )

    warm = {w["board"]: w for w in peer["compiled_once"]}
    if 0 in warm:
        fit_once = statistics.median(warm[0]["fit_seconds"])
        print(
            "compiled once: arena-rank's lbfgs_minimize and loss under one jax.jit taking the data "
            "as an argument (not its API, which re-jits every fit): overall fit "
            f"{fit_once * 1e3:.1f} ms vs ours {our_fit * 1e3:.1f} ms: {fit_once / our_fit:.1f}x"
        )
    if 0 in warm and 1 in warm:
        rounds_once = [statistics.mean(warm[b]["round_seconds"]) for b in (0, 1)]
        all_once = ROUNDS * (rounds_once[0] + (len(boards) - 1) * rounds_once[1])
        our_wall = ours["bootstrap"][0]
        print(
            f"{'':14s}bootstrap round in one process: overall {rounds_once[0] * 1e3:.0f} ms, "
            f"category board 1 {rounds_once[1] * 1e3:.0f} ms (mean of "
            f"{len(warm[0]['round_seconds'])}) -> {ROUNDS} rounds x {len(boards)} boards about "
            f"{all_once / 60:.1f} min vs ours {our_wall:.1f} s: {all_once / our_wall:.0f}x"
        )


def extrapolate(rounds: np.ndarray, seconds: np.ndarray) -> tuple[float, float, float]:
    """Fixed cost, cost per round and the cost of ``ROUNDS`` rounds from a straight-line fit.

    If noise makes the slope non-positive (too few rounds), the cost per round falls back to the
    largest run's time divided by its rounds, which overstates it.
    """
    if np.unique(rounds).size >= 2:
        per_round, fixed = np.polyfit(rounds, seconds, 1)
    else:
        per_round, fixed = 0.0, 0.0
    if per_round <= 0:
        i = int(np.argmax(rounds))
        per_round, fixed = seconds[i] / rounds[i], 0.0
    return float(fixed), float(per_round), float(fixed + per_round * ROUNDS)


def bench_per_vote_bootstrap(seed: int, rounds: int) -> None:
    """FastChat-style: resample the votes, refit a logistic regression on the vote design."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.6, N_MODELS)
    left, right, outcome = simulate_votes(theta, N_VOTES, rng=rng)
    times, iterations = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        pick = rng.integers(0, N_VOTES, N_VOTES)
        result = per_vote_logistic_fit(left[pick], right[pick], outcome[pick])
        times.append(time.perf_counter() - started)
        iterations.append(result.nit)
    per_round = statistics.mean(times)
    engine = to_elo_scale(bt_fit(PairCounts.from_votes(N_MODELS, left, right, outcome),
                                 prior=0.0).theta)  # fmt: skip
    per_vote = to_elo_scale(per_vote_logistic_fit(left, right, outcome).x)
    # The 20 category boards hold the same million votes again, so all 21 boards cost about
    # twice the overall board per round.
    print(
        f"\n== FastChat-style per-vote bootstrap (resample 1M votes, L-BFGS refit), {rounds} rounds"
    )
    print(
        f"per round: {per_round:.2f} s (L-BFGS iterations {iterations}); the per-vote fit of the "
        f"full data agrees with bt_fit(prior=0) to {np.abs(engine - per_vote).max():.3f} points"
    )
    print(
        f"extrapolated, {ROUNDS} rounds: overall board {per_round * ROUNDS / 60:.1f} min, "
        f"all 21 boards about {2 * per_round * ROUNDS / 60:.1f} min (linear in votes)"
    )


def per_vote_logistic_fit(
    left: np.ndarray, right: np.ndarray, outcome: np.ndarray
) -> OptimizeResult:
    """MLE of Bradley-Terry over individual votes (ties as half wins), like FastChat's sklearn."""

    def nll_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        d = theta[left] - theta[right]
        p = 1.0 / (1.0 + np.exp(-d))
        nll = float(np.sum(np.logaddexp(0.0, d) - outcome * d))
        residual = p - outcome
        grad = np.bincount(left, residual, N_MODELS) - np.bincount(right, residual, N_MODELS)
        # Pin the mean, which the likelihood leaves free.
        return nll + 0.5 * theta.sum() ** 2, grad + theta.sum()

    return minimize(
        nll_and_grad,
        np.zeros(N_MODELS),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-6, "maxiter": 500},
    )


def bench_elo_replay() -> None:
    rng = np.random.default_rng(1)
    left, right, outcome = simulate_votes(rng.normal(0.0, 0.6, N_MODELS), N_VOTES, rng=rng)
    wall, _, _ = timed(lambda: elo_online(N_MODELS, left, right, outcome))
    print(f"\n== online Elo replay of 1M votes (a Python loop by nature): {wall:.2f} s")


def bench_coverage(quick: bool) -> None:
    print("\n== calibration: share of (model, board) cases whose 95% interval covers the truth")
    print("true theta ~ N(0, 0.5^2), uniform random pairs, 20% ties at parity (half-tie estimand)")
    plan = [
        (20, 10_000, "sandwich", 2000),
        (20, 10_000, "fisher", 1000),
        (20, 10_000, "bootstrap", 300),
        (50, 100_000, "sandwich", 600),
        (50, 100_000, "fisher", 200),
        (50, 100_000, "bootstrap", 100),
    ]
    for n_models, n_votes, interval, n_boards in plan:
        n_boards = max(n_boards // 5, 10) if quick else n_boards
        result = interval_coverage(n_models, n_votes, n_boards, interval=interval, seed=2024)
        print(
            f"{n_models:3d} models / {n_votes:>7,} votes  {interval:9s}: "
            f"coverage {100 * result.coverage:5.2f}% +/- {100 * result.standard_error:.2f} "
            f"({result.cases:,} cases, {n_boards} boards), "
            f"mean width {result.mean_width:5.1f} pts, {result.seconds:5.1f} s"
        )


if __name__ == "__main__":
    main()
