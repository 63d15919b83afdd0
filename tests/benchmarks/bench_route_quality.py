"""How far a router can trust the route: simulated categories through the real route code.

Run from the repository root (a few minutes on 2 cores; larger runs by flags):

    .venv/bin/python tests/benchmarks/bench_route_quality.py [--categories 12] \
        [--horizon 10000] [--boards 2000] [--mix-categories 40] [--workers 2] [--seed 0] \
        [--gaps 10,20,25,50,100] [--sections 1,2,3,4,5,6,7] \
        [--regret-categories 400] [--regret-horizon 40000] [--jobs 1]

Sections 8-11, the tolerance rule (:mod:`ratings.engine.regret`) on hundreds of categories at
once (a few minutes on one core):

    nice -n 10 .venv/bin/python tests/benchmarks/bench_route_quality.py --sections 8

Each simulated category is a stream of votes between 10 models (Bradley-Terry truth, 10%
ties); after every 100 votes (and at 150) the board is recomputed with the settings a
recompute uses and the route's rule (``ratings.route_decision.board_decision``, the function behind
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
5. P(best) calibration per bin on balanced, narrow and crowded-top boards (the designs
   are in ``route_simulation``), bins merged until each holds enough cases for +/-3 points,
   and per vote count the cases with P(best) >= 0.5;
6. coverage of the 95% intervals per method (20 models, 10k votes);
7. a realistic mix of categories (gap log-normal, median 40 points), every look an answer:
   the share of answers that are confident and the share of those that are right, for the
   route's rule and for the rule before it (at least 100 votes, leader at least 20);
8. the realistic mix under uniform and active pairing: votes to the first confident answer at
   tolerance 25 against the exact rule, the share confident at 1k/3k/10k votes, and how many
   categories were ever confident with a pick more than 25 points below the best;
9. crowded tops (the top two within 0-10 points): confident by 16,000 votes;
10. coverage of the regret bounds at every look, per design and pairing;
11. the cost objective on priced boards: the mean price of confident picks against the
    quality objective, and how many of them were truly within the tolerance.
(sections 9-11 are printed with 8: they share its runs).
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
from tests.benchmarks import regret_report  # noqa: E402
from tests.benchmarks import route_simulation as sim  # noqa: E402

GAPS = (10, 20, 25, 50, 100)
COLUMNS = (150, 500, 1000, 2000, 5000, 10000)
# Fewer merged bins than this cannot speak for the calibration of high predictions.
MIN_BINS = 5
EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", type=int, default=12, help="categories per gap")
    parser.add_argument("--horizon", type=int, default=10000, help="votes per category")
    parser.add_argument("--gaps", default=",".join(map(str, GAPS)),
                        help="gaps between #1 and #2 in points (sections 1-3)")  # fmt: skip
    parser.add_argument("--boards", type=int, default=2000, help="boards per calibration design")
    parser.add_argument("--coverage-boards", type=int, default=20)
    parser.add_argument("--mix-categories", type=int, default=40,
                        help="categories of the realistic mix (section 7)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regret-categories", type=int, default=400,
                        help="categories per cell of sections 8-11")  # fmt: skip
    parser.add_argument("--regret-horizon", type=int, default=40000)
    parser.add_argument("--jobs", type=int, default=1, help="processes for sections 8-11")
    parser.add_argument("--sections", default="1,2,3,4,5,6,7",
                        help="sections to print, e.g. 1,2,3,7 (1-3 share their runs)")  # fmt: skip
    args = parser.parse_args()
    sections = {int(s) for s in args.sections.split(",")}
    started = time.perf_counter()
    print_setup(args)
    looks = sorted({150, *range(100, args.horizon + 1, 100)})
    if 8 in sections:
        regret_report.print_regret(args)
    if not sections & {1, 2, 3, 4, 5, 6, 7}:
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
        return
    with get_context("fork").Pool(args.workers) as pool:
        if sections & {1, 2, 3}:
            by_gap = gap_paths(pool, looks, args)
            if 1 in sections:
                print_single_looks(by_gap, args.horizon)
            if 2 in sections:
                print_ever_wrong(by_gap)
            if 3 in sections:
                print_votes_needed(by_gap)
        if 4 in sections:
            newcomers = [(c, args.seed) for c in range(args.categories)]
            print_newcomers(pool.map(newcomer_job, newcomers, chunksize=1))
        if 7 in sections:
            jobs = [(None, c, looks, args.seed) for c in range(args.mix_categories)]
            print_mix(pool.map(path_job, jobs, chunksize=1))
    if 5 in sections:
        print_calibration(args)
    if 6 in sections:
        print_coverage(args)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def gap_paths(pool, looks, args) -> dict[int, list]:
    gaps = [int(g) for g in args.gaps.split(",")]
    jobs = [(g, c, looks, args.seed) for g in gaps for c in range(args.categories)]
    paths = pool.map(path_job, jobs, chunksize=1)
    return {g: [p for (gap, _, _, _), p in zip(jobs, paths, strict=True) if gap == g] for g in gaps}


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
    """One category's path at a fixed gap, or (gap None) one of the realistic mix."""
    gap, c, looks, seed = job
    if gap is None:
        truth, stream = sim.mixed_gap(np.random.default_rng([seed, c, 3])), 998
    else:
        truth, stream = sim.truth_with_gap(gap, np.random.default_rng([seed, gap, c, 1])), gap
    return sim.run_path(truth, looks, seed=(seed * 1000 + stream) * 100_000 + c,
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


def print_mix(paths) -> None:
    print("\n== 7. a realistic mix of categories (gap log-normal, median 40 points, quartiles "
          "24 and 66), every look an answer")  # fmt: skip
    answers = [look for p in paths for look in p]
    n = len(answers)
    print(f"{len(paths)} categories, {n} answers; rule, confident answers, right among them "
          "(95% interval), categories ever confident-and-wrong")  # fmt: skip
    for name, confident, right in (
        ("anytime-valid (now)", lambda k: k.confident, lambda k: k.right),
        ("100 votes, leader 20 (before)", lambda k: k.old_confident, lambda k: k.old_right),
    ):
        sure = [k for k in answers if confident(k)]
        good = sum(right(k) for k in sure)
        ever = sum(any(confident(k) and not right(k) for k in p) for p in paths)
        low, high = sim.clopper_pearson(good, len(sure))
        share = good / len(sure) if sure else math.nan
        print(f"  {name:<30} {len(sure) / n:>6.1%} ({len(sure)}/{n})  {share:>6.1%} "
              f"({good}/{len(sure)}, {low:.1%}-{high:.1%})  {ever} of {len(paths)}")  # fmt: skip


def print_calibration(args) -> None:
    votes = (500, 2000, 10000)
    print(f"\n== 5. P(best) calibration: {args.boards} boards per design, 10 models, a third "
          f"each at {', '.join(map(str, votes))} votes, {sim.TIE_RATE:.0%} ties")  # fmt: skip
    print("balanced: strengths drawn from a normal distribution, sd 60 points; narrow: the same, "
          "sd 20; crowded top: the best at 0, two uniformly 0-15 points below it, seven 40-250 "
          "below")  # fmt: skip
    print("bins are merged until a 95% interval of the share is about +/-3 points")
    designs = (("balanced", sim.balanced), ("narrow", sim.narrow), ("crowded top", sim.crowded_top))
    for name, design in designs:
        cases = sim.calibration_cases(design, args.boards, seed=args.seed)
        predicted, best = cases.predicted, cases.best
        print(f"{name}: bin, cases, mean P(best), share truly best (95% interval), difference")
        bins = sim.calibration_bins(predicted, best, EDGES)
        for b in bins:
            print(f"  {b.low:.2f}-{b.high:.2f} {b.cases:>7} {b.mean:>8.3f} {b.share:>8.3f} "
                  f"({b.share_low:.3f}-{b.share_high:.3f}) {b.share - b.mean:>+8.3f}")  # fmt: skip
        worst = max(abs(b.share - b.mean) for b in bins)
        verdict = worst <= 0.03 if len(bins) >= MIN_BINS else "too few cases to tell"
        print(f"  {len(bins)} bins; largest difference {worst:.3f}; every bin within 0.03: "
              f"{verdict}")  # fmt: skip
        for n in votes:
            keep, high = cases.votes == n, predicted >= 0.5
            se = np.median(cases.top_se[cases.board_votes == n])
            print(f"  at {n:>5} votes: P(best) >= 0.5 in {(keep & high).sum()} cases, mean "
                  f"{predicted[keep & high].mean():.3f}, truly best "
                  f"{best[keep & high].mean():.3f}; median SE of #1 - #2 "
                  f"{se:.0f} points")  # fmt: skip


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
