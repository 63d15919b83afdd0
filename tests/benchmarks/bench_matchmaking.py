"""Benchmark: votes until a category's route is decided, uniform pairing against active.

Drives the real matchmaking code, not a copy: each battle's pair comes from
``arena.services.battles.pick_pairs`` (which asks the policy ``ratings.pairing`` registers),
every recompute is ``ratings.services.recompute.leaderboard_recompute`` storing a real
snapshot, and "decided" is a worth of 0 from ``ratings.pairing.category_worth``, the
question the matchmaker asks the route's rule (at the category's tolerance). Only the votes
themselves are simulated: Bradley-Terry truth, up to 10% ties (most between equals), kept as
pair counts in memory and handed to the recompute in place of its SQL aggregate (a million
vote rows would only slow the run).

Truth per board: #1 leads #2 by the gap; the others sit 25 to 400 points below #2. A board is
recomputed after the first 100 votes (uniform until then: there is no snapshot), then each
time the votes grow by 10% (``--growth``; at least 20), as the debounced recompute does
under steady voting.
A run stops when the route is settled on the true best, or at ``--cap`` votes (counted as
censored). Also printed: runs in which the route settled on a wrong model first.

Coverage: boards voted under the active design for a fixed number of votes, then the share
of models whose 95% interval holds the true rating (centred as the board is), per true rank,
each with its own 95% (Wilson) interval. A share near 95% from n boards has a standard error
of sqrt(0.95 * 0.05 / n): about 1.5 points at 200 boards, so showing each model inside
94-96% takes about 2,000 boards (half-width 1 point) and more to leave room inside the band.

    .venv/bin/python tests/benchmarks/bench_matchmaking.py            # a few minutes
    .venv/bin/python tests/benchmarks/bench_matchmaking.py --runs 20 --cap 300000 \
        --coverage-runs 0                                       # the figures in docs/pairing.md
    .venv/bin/python tests/benchmarks/bench_matchmaking.py --runs 0 --coverage-runs 4000

Needs nothing but the virtual environment (SQLite in memory).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="arena.project.settings", SECRET_KEY="bench", LOG_LEVEL="WARNING",
    DATABASE_URL="sqlite://:memory:", OPENBLAS_NUM_THREADS="1", HTTPS="false",
)  # fmt: skip

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from arena.models import Category  # noqa: E402
from arena.services import battles, pairing  # noqa: E402
from arena.services.battles import pick_pairs  # noqa: E402
from generation.models import Generator  # noqa: E402
from ratings.engine import PairCounts  # noqa: E402
from ratings.pairing import category_worth  # noqa: E402
from ratings.routing import route  # noqa: E402
from ratings.services import recompute  # noqa: E402

POINTS = 400.0 / math.log(10.0)
TIE_RATE = 0.1  # a tie has probability TIE_RATE * 4 p (1 - p): 10% between equals
FIRST_RECOMPUTE = 100


class Board:
    """One simulated category: its generators, true ratings and vote counts so far."""

    def __init__(self, truth: np.ndarray, tag: str) -> None:
        Generator.objects.update(enabled=False)
        self.category = Category.objects.create(slug=tag, name=tag)
        self.generators = [
            Generator.objects.create(
                name=f"{tag}-{i}", slug=f"{tag}-{i}", provider="external", model_id=f"m{i}"
            )
            for i in range(truth.size)
        ]
        self.index = {g.id: i for i, g in enumerate(self.generators)}
        self.truth = truth
        m = truth.size
        self.wins = np.zeros((m, m))  # row (left) beat column (right)
        self.ties = np.zeros((m, m))
        self.votes = 0

    def vote(self, count: int, rng: np.random.Generator) -> None:
        pairs = pick_pairs(self.generators, category_id=self.category.id, count=count)
        left = np.array([self.index[a.id] for a, _ in pairs])
        right = np.array([self.index[b.id] for _, b in pairs])
        p = 1.0 / (1.0 + np.exp(-(self.truth[left] - self.truth[right]) / POINTS))
        tie = TIE_RATE * 4.0 * p * (1.0 - p)
        u = rng.random(left.size)
        won_left, won_right = u < p - tie / 2, u >= p + tie / 2
        tied = ~won_left & ~won_right
        np.add.at(self.wins, (left[won_left], right[won_left]), 1.0)
        np.add.at(self.wins, (right[won_right], left[won_right]), 1.0)
        np.add.at(self.ties, (left[tied], right[tied]), 1.0)
        self.votes += left.size

    def aggregate(self, *, category) -> recompute.BoardVotes:
        m = self.truth.size
        i, j = np.nonzero(np.triu(self.wins + self.wins.T + self.ties + self.ties.T, k=1))
        counts = PairCounts(
            n_models=m, left=i.astype(np.int64), right=j.astype(np.int64),
            left_wins=self.wins[i, j], right_wins=self.wins[j, i],
            ties=self.ties[i, j] + self.ties[j, i],
        )  # fmt: skip
        ids = [g.id for g in self.generators]
        return recompute.BoardVotes(ids, counts, self.votes, self.votes)

    def recompute(self):
        recompute.board_aggregate = self.aggregate
        return recompute.leaderboard_recompute(category=self.category)


def _seeded(seed: int) -> np.random.Generator:
    """Votes and the matchmaker's own draws both from ``seed``, so a run can be repeated."""
    pairing._rng = random.Random(seed)
    battles._rng = random.Random(seed + 1)
    return np.random.default_rng(seed)


def truth_of(models: int, gap: float) -> np.ndarray:
    rest = -np.linspace(25.0, 400.0, models - 2)
    return np.concatenate([[gap, 0.0], rest])


def votes_to_decide(
    models: int, gap: float, mode: str, seed: int, cap: int, growth: float
) -> tuple[int, bool]:
    """Votes until the route settles on the true best (cap if never); and whether it erred."""
    settings.ARENA_PAIRING = mode
    rng = _seeded(seed)
    board = Board(truth_of(models, gap), f"b{mode[0]}{models}g{int(gap)}s{seed}")
    best = board.generators[0].slug
    erred = False
    board.vote(FIRST_RECOMPUTE, rng)
    while board.votes < cap:
        board.recompute()
        if category_worth(category_ids=[board.category.id])[board.category.id] == 0.0:
            if route(category=board.category, alternatives=0)["recommended"]["generator"] == best:
                return board.votes, erred
            erred = True
        board.vote(max(20, math.ceil(growth * board.votes)), rng)
    return cap, erred


def coverage(models: int, gap: float, votes: int, seed: int, growth: float) -> np.ndarray:
    """Per true rank: does the final interval hold the centred true rating (active design)."""
    settings.ARENA_PAIRING = "active"
    rng = _seeded(seed + 1_000_000)
    board = Board(truth_of(models, gap), f"c{models}g{int(gap)}s{seed}")
    board.vote(FIRST_RECOMPUTE, rng)
    while board.votes < votes:
        board.recompute()
        board.vote(min(max(20, math.ceil(growth * board.votes)), votes - board.votes), rng)
    snapshot = board.recompute()
    rows = {r.generator_id: r for r in snapshot.rows.all()}
    centred = board.truth - board.truth.mean() + settings.RATINGS_ANCHOR
    return np.array(
        [rows[g.id].ci_lower <= c <= rows[g.id].ci_upper
         for g, c in zip(board.generators, centred, strict=True)]
    )  # fmt: skip


def summary(values: list[int], cap: int) -> str:
    array = np.array(values)
    censored = int((array >= cap).sum())
    text = f"median {np.median(array):7.0f}  p90 {np.percentile(array, 90):7.0f}"
    return text + (f"  ({censored} hit the cap)" if censored else "")


def _worker_start() -> None:
    call_command("migrate", verbosity=0)


def _task(job: tuple) -> tuple:
    kind, models, gap, mode, seed, limit, growth = job
    if kind == "decide":
        return job, votes_to_decide(models, gap, mode, seed, limit, growth)
    return job, coverage(models, gap, limit, seed, growth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--gaps", type=float, nargs="+", default=[20.0, 50.0, 100.0])
    parser.add_argument("--runs", type=int, default=4, help="boards per (models, gap, mode)")
    # High enough that uniform pairing at 30 models and a 20-point gap is seldom cut short.
    parser.add_argument("--cap", type=int, default=200_000, help="votes before a run gives up")
    parser.add_argument("--growth", type=float, default=0.1,
                        help="recompute each time the votes grow by this share")  # fmt: skip
    parser.add_argument("--coverage-runs", type=int, default=40)
    parser.add_argument("--coverage-votes", type=int, default=2000)
    parser.add_argument(
        "--coverage-first-seed",
        type=int,
        default=0,
        help="seeds of the coverage boards start here (to run them in parts)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    print(f"command: {' '.join(sys.argv)}")
    load_before = os.getloadavg()[0]
    print(f"exploration {settings.ARENA_PAIRING_EXPLORATION:.0%}, {args.runs} boards each, "
          f"cap {args.cap} votes, recompute every {args.growth:.0%} more votes")  # fmt: skip
    jobs = [("decide", m, g, mode, seed, args.cap, args.growth)
            for m in args.models for g in args.gaps for mode in ("uniform", "active")
            for seed in range(args.runs)]  # fmt: skip
    jobs += [("coverage", m, 50.0, "active", seed, args.coverage_votes, args.growth)
             for m in args.models[:1] for seed in _coverage_seeds(args)]  # fmt: skip
    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.jobs, initializer=_worker_start) as pool:
        results = dict(pool.imap_unordered(_task, jobs))
    load_after = os.getloadavg()[0]
    report(args, results)
    print(
        f"wall time {time.monotonic() - started:.0f} s with {args.jobs} processes; "
        f"load average {load_before:.1f} at the start, {load_after:.1f} at the end"
    )


def report(args, results: dict) -> None:
    for m in args.models if args.runs else []:
        for g in args.gaps:
            medians = {}
            for mode in ("uniform", "active"):
                outcomes = [results[("decide", m, g, mode, s, args.cap, args.growth)]
                            for s in range(args.runs)]  # fmt: skip
                votes = [v for v, _ in outcomes]
                medians[mode] = np.median(votes)
                wrong = sum(e for _, e in outcomes)
                print(f"{m:3d} models  gap {g:4.0f}  {mode:8s} {summary(votes, args.cap)}"
                      f"  settled on a wrong model first: {wrong}/{args.runs}")  # fmt: skip
            print(
                f"{'':25s}active / uniform, medians: {medians['active'] / medians['uniform']:.2f}"
            )
    if not args.coverage_runs:
        return
    m = args.models[0]
    hits = np.array([results[("coverage", m, 50.0, "active", s, args.coverage_votes, args.growth)]
                     for s in _coverage_seeds(args)])  # fmt: skip
    overall = hits.mean()
    se = math.sqrt(overall * (1 - overall) / hits.size)
    print(f"coverage of 95% intervals, active design, {m} models, gap 50, "
          f"{args.coverage_votes} votes, {args.coverage_runs} boards: {100 * overall:.1f}% "
          f"+/- {100 * se:.1f} (binomial s.e.); per true rank, 95% Wilson intervals:")  # fmt: skip
    for rank, column in enumerate(hits.T, start=1):
        low, high = wilson(int(column.sum()), column.size)
        print(f"  #{rank:<2d} {100 * column.mean():5.1f}%  [{100 * low:.1f}, {100 * high:.1f}]"
              f"  ({int(column.sum())}/{column.size})")  # fmt: skip


def _coverage_seeds(args) -> range:
    return range(args.coverage_first_seed, args.coverage_first_seed + args.coverage_runs)


def wilson(hits: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a binomial share."""
    share, spread = hits / n, z * z / n
    centre = (share + spread / 2) / (1 + spread)
    half = z * math.sqrt(share * (1 - share) / n + spread / (4 * n)) / (1 + spread)
    return centre - half, centre + half


if __name__ == "__main__":
    main()
