"""How far a router can trust the route: simulated categories through the real route code.

Run from the repository root (a few minutes on 2 cores; larger runs by flags):

    .venv/bin/python tests/benchmarks/bench_route_quality.py [--categories 12] \
        [--horizon 10000] [--boards 150] [--workers 2] [--seed 0]

Each simulated category is a stream of votes between 10 models (Bradley-Terry truth, 10%
ties); after every 100 votes (and at 150) the board is recomputed with the settings a
recompute uses and the route's rule (``ratings.routing.board_decision``, the function behind
``category_decision`` and ``/api/v1/route/``) is asked. Settings come from the environment
as in production (``RATINGS_ERROR_RATE``, ``RATINGS_MIN_VOTES``, ``ROUTE_MIN_CATEGORY_VOTES``,
``RATINGS_PRIOR``, ``RATINGS_INTERVAL``); P(best) behind these looks uses 200 draws.

Prints

1. the share of confident answers that are wrong, per gap between #1 and #2 and votes;
2. the share of categories ever answered confident-and-wrong when asked after every 100 votes,
   with a 95% upper bound (Clopper-Pearson);
3. votes until the first confident answer, next to a plain "P(best) >= 0.95 at one look" rule
   (and how often that rule is ever wrong), and how often a look's tiers put a truly worse
   model in a better tier;
4. a newcomer arriving in a category with a 100-point leader after 2,000 votes (looks every
   10 votes while it is new, then every 100 up to 5,000): how often, while it is provisional,
   the answer differs from the answer without its votes, and how often the category is ever
   answered confident-and-wrong (wrong: not the best of the established models);
5. P(best) calibration per bin on balanced boards and boards with a crowded top;
6. coverage of the 95% intervals per method (20 models, 10k votes).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from scipy.stats import beta  # noqa: E402

from ratings.engine import interval_coverage  # noqa: E402
from tests.benchmarks import route_simulation as sim  # noqa: E402

GAPS = (10, 20, 25, 50, 100)
COLUMNS = (150, 500, 1000, 2000, 5000, 10000)
EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", type=int, default=12, help="categories per gap")
    parser.add_argument("--horizon", type=int, default=10000, help="votes per category")
    parser.add_argument("--boards", type=int, default=150, help="boards per calibration design")
    parser.add_argument("--coverage-boards", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    print_setup(args)
    looks = sorted({150, *range(100, args.horizon + 1, 100)})
    jobs = [(g, c, looks, args.seed) for g in GAPS for c in range(args.categories)]
    newcomers = [(c, args.seed) for c in range(args.categories)]
    with get_context("fork").Pool(args.workers) as pool:
        paths = pool.map(path_job, jobs, chunksize=1)
        arrivals = pool.map(newcomer_job, newcomers, chunksize=1)
    by_gap = {
        g: [p for (gap, _, _, _), p in zip(jobs, paths, strict=True) if gap == g] for g in GAPS
    }
    print_single_looks(by_gap, args.horizon)
    print_ever_wrong(by_gap)
    print_votes_needed(by_gap)
    print_newcomers(arrivals)
    print_calibration(args)
    print_coverage(args)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def print_setup(args) -> None:
    print("== setup")
    print(f"command   : {sys.executable} {' '.join(sys.argv)}")
    print(f"nproc     : {len(os.sched_getaffinity(0))}, load avg {os.getloadavg()[0]:.2f}")
    names = ("RATINGS_ERROR_RATE", "RATINGS_MIN_VOTES", "ROUTE_MIN_CATEGORY_VOTES",
             "RATINGS_PRIOR", "RATINGS_INTERVAL", "RATINGS_TIES")  # fmt: skip
    print("settings  : " + ", ".join(f"{n}={getattr(settings, n)}" for n in names))
    print(f"design    : 10 models, {sim.TIE_RATE:.0%} tie rate, {args.categories} categories "
          f"per gap, {args.horizon} votes each, a look every 100 votes and at 150")  # fmt: skip


def path_job(job):
    gap, c, looks, seed = job
    truth = sim.truth_with_gap(gap, np.random.default_rng([seed, gap, c, 1]))
    return sim.run_path(truth, looks, seed=(seed * 1000 + gap) * 100_000 + c,
                        min_votes=settings.RATINGS_MIN_VOTES)  # fmt: skip


def newcomer_job(job):
    c, seed = job
    rng = np.random.default_rng([seed, c, 2])
    truth = sim.truth_with_gap(100.0, rng)
    newcomer = int(np.argmin(truth))
    leader = float(truth.max())
    # Half the newcomers are truly better than the leader, half truly worse.
    truth[newcomer] = leader + (1 if c % 2 else -1) * 50.0 / sim.POINTS
    looks = [*range(2000, 2300, 10), *range(2300, 5001, 100)]
    return c % 2 == 1, sim.run_path(truth, looks, seed=(seed * 1000 + 999) * 100_000 + c,
                                    min_votes=settings.RATINGS_MIN_VOTES,
                                    late=(newcomer, 2000))  # fmt: skip


def upper95(hits: int, n: int) -> float:
    return 1.0 if hits == n else float(beta.ppf(0.95, hits + 1, n - hits))


def print_single_looks(by_gap, horizon) -> None:
    print("\n== 1. share of confident answers that are wrong (confident answers / categories)")
    columns = [c for c in COLUMNS if c <= horizon]
    print("gap \\ votes " + "".join(f"{c:>16}" for c in columns))
    for gap, paths in by_gap.items():
        cells = []
        for column in columns:
            at = [next(look for look in p if look.votes == column) for p in paths]
            confident = [look for look in at if look.confident]
            wrong = sum(not look.right for look in confident)
            share = f"{wrong / len(confident):.0%}" if confident else "-"
            cells.append(f"{share} ({len(confident)}/{len(at)})")
        print(f"{gap:>11} " + "".join(f"{cell:>16}" for cell in cells))


def print_ever_wrong(by_gap) -> None:
    print("\n== 2. categories ever answered confident-and-wrong, asked every 100 votes")
    print(f"{'gap':>5} {'ever wrong':>12} {'95% upper':>10} {'confident at the end':>22}")
    for gap, paths in by_gap.items():
        wrong = sum(any(look.confident and not look.right for look in p) for p in paths)
        final = sum(p[-1].confident and p[-1].right for p in paths)
        n = len(paths)
        print(f"{gap:>5} {wrong:>5} of {n:<4} {upper95(wrong, n):>10.1%} {final:>14} of {n}")


def _first(path, rule) -> float:
    return next((look.votes for look in path if rule(look)), math.inf)


def print_votes_needed(by_gap) -> None:
    print("\n== 3. votes until the first confident answer (median over categories; inf: not")
    print("       within the horizon), the route against 'P(best) >= 0.95 at one look'")
    print(f"{'gap':>5} {'route':>8} {'P(best) rule':>13} {'P(best) rule ever wrong':>25} "
          f"{'looks with a wrong tier order':>31}")  # fmt: skip
    for gap, paths in by_gap.items():
        route = np.median([_first(p, lambda look: look.confident) for p in paths])
        pbest = np.median([_first(p, lambda look: look.pbest >= 0.95) for p in paths])
        naive_wrong = sum(
            any(look.pbest >= 0.95 and look.pbest_leader != look.best for look in p) for p in paths
        )
        tiers = np.mean([look.tier_wrong for p in paths for look in p])
        print(f"{gap:>5} {route:>8} {pbest:>13} {naive_wrong:>13} of {len(paths):<9} "
              f"{tiers:>30.1%}")  # fmt: skip


def print_newcomers(arrivals) -> None:
    print("\n== 4. a newcomer arrives after 2,000 votes in a category with a 100-point leader")
    for better in (False, True):
        runs = [p for b, p in arrivals if b == better]
        if not runs:
            continue
        asked = [look for p in runs for look in p if look.confident_without is not None]
        withheld = sum(look.confident_without and not look.confident for look in asked)
        granted = sum(look.confident and not look.confident_without for look in asked)
        wrong = sum(any(look.confident and not look.right for look in p) for p in runs)
        kind = "truly 50 points better" if better else "truly 50 points worse"
        print(f"newcomer {kind}: {len(asked)} looks while it was provisional; the answer "
              f"differed from the answer without its votes in {withheld + granted} "
              f"(withheld {withheld}, granted {granted}); categories ever "
              f"confident-and-wrong {wrong} of {len(runs)}")  # fmt: skip


def print_calibration(args) -> None:
    print(f"\n== 5. P(best) calibration ({args.boards} boards per design; 500, 2k, 10k votes)")
    for name, design in (("balanced", sim.balanced), ("crowded top", sim.crowded_top)):
        predicted, best = sim.calibration_cases(design, args.boards, seed=args.seed)
        print(f"{name}: bin, cases, mean P(best), share truly best, difference (2 SE)")
        for low, high, n, mean, share, se in sim.calibration_table(predicted, best, EDGES):
            print(f"  {low:.2f}-{min(high, 1):.2f} {n:>6} {mean:>8.3f} {share:>8.3f} "
                  f"{share - mean:>+8.3f} ({2 * se:.3f})")  # fmt: skip


def print_coverage(args) -> None:
    print(f"\n== 6. coverage of the 95% intervals, 20 models, 10k votes, {args.coverage_boards} "
          "boards")  # fmt: skip
    for method in ("sandwich", "fisher", "bootstrap"):
        result = interval_coverage(20, 10_000, args.coverage_boards, interval=method,
                                   tie_rate=sim.TIE_RATE, seed=args.seed)  # fmt: skip
        print(f"{method:>10}: {result.coverage:.1%} of {result.cases} "
              f"(SE {result.standard_error:.1%}), {result.seconds:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
