"""Sections 8-11 of ``bench_route_quality.py``: the route's tolerance rule on known truth.

Every cell is ``--regret-categories`` simulated categories (default 400) of 10 models, votes in
steps of 100, the route read after every step up to ``--regret-horizon`` votes (default
40,000), through :mod:`tests.benchmarks.regret_simulation`. Shares carry 95% Clopper-Pearson
intervals; "upper" is the one-sided 95% upper bound.
"""

from __future__ import annotations

import math
import time
from multiprocessing import get_context

import numpy as np
from scipy.stats import beta, binom

from tests.benchmarks import regret_simulation as rs

TOLERANCE = 25.0
SHARE_AT = (1000, 3000, 10000)
CROWDED_BY = 16000


def _interval(hits: int, n: int) -> str:
    if n == 0:
        return "- (0/0)"
    low = 0.0 if hits == 0 else float(beta.ppf(0.025, hits, n - hits + 1))
    high = 1.0 if hits == n else float(beta.ppf(0.975, hits + 1, n - hits))
    return f"{hits / n:.1%} ({hits}/{n}, {low:.1%}-{high:.1%})"


def _upper(hits: int, n: int) -> float:
    return 1.0 if hits == n else float(beta.ppf(0.95, hits + 1, n - hits))


# Boards are drawn per design, so every pairing of a design and both rules read the same ones.
DESIGNS = {rs.realistic_mix: 1, rs.crowded_top: 2, rs.near_best_cheap: 3}


def _cell(job):
    name, design, aim, n, horizon, seed = job
    rng = np.random.default_rng([seed, 24, DESIGNS[design]])
    truth = design(rng, n)
    prices = rs.dear_best_prices(rng, truth) if name.startswith("priced") else None
    started = time.perf_counter()
    run = rs.run(truth, horizon=horizon, seed=seed * 7919 + len(name), aim=aim, prices=prices)
    return name, run, time.perf_counter() - started


def regret_runs(args) -> dict[str, rs.Run]:
    """Every cell the sections read, keyed by design and pairing."""
    n, horizon, seed = args.regret_categories, args.regret_horizon, args.seed
    cells = [
        ("mix uniform", rs.realistic_mix, None),
        ("mix active 25", rs.realistic_mix, TOLERANCE),
        ("mix active 0", rs.realistic_mix, 0.0),
        ("crowded uniform", rs.crowded_top, None),
        ("crowded active 25", rs.crowded_top, TOLERANCE),
        ("priced uniform", rs.near_best_cheap, None),
        ("priced active 25", rs.near_best_cheap, TOLERANCE),
    ]
    jobs = [(name, design, aim, n, horizon, seed) for name, design, aim in cells]
    with get_context("fork").Pool(args.jobs) as pool:
        done = pool.map(_cell, jobs, chunksize=1)
    print(f"\nfast fit against the engine's compute_board: largest regret-bound difference "
          f"{rs.fit_agrees_with_engine():.1e} points on 5 boards")  # fmt: skip
    for name, _, seconds in done:
        print(f"  cell {name:<18} {seconds:>6.0f} s")
    return {name: run for name, run, _ in done}


def _median_interval(values: np.ndarray) -> str:
    """Distribution-free 95% interval of a median: order statistics by the binomial.

    A category never confident within the horizon counts as ``inf`` (censored at the same
    horizon for both rules), so an interval may reach ``inf``.
    """
    ordered = np.sort(values)
    low = max(int(binom.ppf(0.025, ordered.size, 0.5)) - 1, 0)
    return f"95% interval {ordered[low]:g}-{ordered[ordered.size - 1 - low]:g}"


def _ratio_interval(tol: np.ndarray, exact: np.ndarray, seed: int) -> tuple[float, float]:
    """95% bootstrap interval of the ratio of medians, resampling categories in pairs.

    Both rules read the same boards (:data:`DESIGNS`), so a category is drawn with both of
    its first confident answers.
    """
    rng = np.random.default_rng([seed, 8])
    draws = rng.integers(0, tol.size, (2000, tol.size))
    ratios = np.median(tol[draws], axis=1) / np.median(exact[draws], axis=1)
    low, high = np.quantile(ratios, [0.025, 0.975])
    return float(low), float(high)


def print_mix(runs, seed: int = 0) -> None:
    print(
        f"\n== 8. realistic mix (10 models, top gap log-normal median 40, quartiles 24 and 66, "
        f"10% ties): first confident answer, tolerance {TOLERANCE:g} against the exact rule"
    )
    for pairing, fast, exact in (
        ("uniform", ("mix uniform", TOLERANCE), ("mix uniform", 0.0)),
        ("active", ("mix active 25", TOLERANCE), ("mix active 0", 0.0)),
    ):
        tol = rs.first_confident(runs[fast[0]], fast[1])
        ex = rs.first_confident(runs[exact[0]], exact[1])
        ratio = np.median(tol) / np.median(ex)
        low, high = _ratio_interval(tol, ex, seed)
        print(f"{pairing} pairing ({tol.size} categories, horizon {runs[fast[0]].votes[-1]}):")
        print(
            f"  median votes to the first confident answer: tolerance {TOLERANCE:g} "
            f"{np.median(tol):g} ({_median_interval(tol)}), exact {np.median(ex):g} "
            f"({_median_interval(ex)})"
        )
        print(f"  ratio {ratio:.2f} (95% interval {low:.2f}-{high:.2f}; target <= 0.5)")
        for at in SHARE_AT:
            print(f"  confident by {at:>6} votes: tolerance {TOLERANCE:g} "
                  f"{_interval(int((tol <= at).sum()), tol.size)}; exact "
                  f"{_interval(int((ex <= at).sum()), ex.size)}")  # fmt: skip
        bad = _ever_bad(runs[fast[0]], fast[1])
        print(
            f"  categories ever confident with a pick > {TOLERANCE:g} points below the best: "
            f"{bad} of {tol.size}, upper {_upper(bad, tol.size):.1%} (target <= 5%)"
        )


def print_known_truth(n: int, seed: int) -> None:
    """What any pairing that clears challengers by direct votes needs on the mix's boards."""
    truth = rs.realistic_mix(np.random.default_rng([seed, 24, DESIGNS[rs.realistic_mix]]), n)
    second, rest = rs.known_truth_votes(truth, TOLERANCE)
    exact = sum(rs.known_truth_votes(truth, 0.0))
    tol = second + rest
    print(
        f"with the truth known, every challenger played only against the best (medians): "
        f"tolerance {TOLERANCE:g} {np.median(tol):.0f} votes (against #2 {np.median(second):.0f},"
        f" the other eight {np.median(rest):.0f}), exact {np.median(exact):.0f} (ratio "
        f"{np.median(tol) / np.median(exact):.2f})"
    )


def _ever_bad(run: rs.Run, tol: float) -> int:
    return int((run.confident[tol] & (run.shortfall[tol] > tol)).any(axis=0).sum())


def print_crowded(runs) -> None:
    print(
        f"\n== 9. crowded tops (the top two within 0-10 points, the rest 40-250 below): "
        f"confident by {CROWDED_BY} votes"
    )
    for name in ("crowded uniform", "crowded active 25"):
        run = runs[name]
        tol = rs.first_confident(run, TOLERANCE)
        n = tol.size
        share = _interval(int((tol <= CROWDED_BY).sum()), n)
        line = f"  {name:<18} tolerance {TOLERANCE:g}: {share}"
        line += f", median first confident {np.median(tol):g} votes"
        if 0.0 in run.confident:
            exact = rs.first_confident(run, 0.0)
            line += f"; exact rule {_interval(int((exact <= CROWDED_BY).sum()), n)}"
        print(line)
        print(
            f"  {'':<18} ever confident > {TOLERANCE:g} below the best: "
            f"{_ever_bad(run, TOLERANCE)} of {n}"
        )


def print_coverage(runs) -> None:
    print("\n== 10. regret-bound coverage: every established model's bound holds (95% target)")
    print(f"{'cell':<20} {'at every look at once':>34} {'lowest share at one look':>26}")
    for name, run in runs.items():
        held = run.covered.all(axis=0)
        lowest = run.covered.mean(axis=1).min()
        print(f"{name:<20} {_interval(int(held.sum()), held.size):>34} {lowest:>26.1%}")


def print_cost(runs) -> None:
    print(
        f"\n== 11. cost objective on priced boards (best model 10 per output, a near-best one "
        f"0-15 points below it 1, others 2-9), tolerance {TOLERANCE:g}"
    )
    for name in ("priced uniform", "priced active 25"):
        run = runs[name]
        cost, quality = run.cost_confident, run.confident[TOLERANCE]
        within = run.cost_shortfall[cost] <= TOLERANCE
        ever = int((cost & (run.cost_shortfall > TOLERANCE)).any(axis=0).sum())
        n = cost.shape[1]
        print(f"  {name}: confident answers, cost {cost.mean():.1%}, quality {quality.mean():.1%}"
              f" of {cost.size} looks")  # fmt: skip
        print(f"    mean price of confident picks: cost objective "
              f"{_mean(run.cost_price[cost])}, quality objective "
              f"{_mean(run.quality_price[quality])}")  # fmt: skip
        print(f"    cost picks truly within {TOLERANCE:g} points: "
              f"{_interval(int(within.sum()), int(within.size))}; categories ever given one "
              f"beyond: {ever} of {n}, upper {_upper(ever, n):.1%}")  # fmt: skip
        for at in SHARE_AT:
            k = np.searchsorted(run.votes, at)
            if k < run.votes.size:
                print(f"    at {at:>6} votes: cost confident {cost[k].mean():.1%}, mean price "
                      f"{_mean(run.cost_price[k][cost[k]])}; quality confident "
                      f"{quality[k].mean():.1%}, mean price "
                      f"{_mean(run.quality_price[k][quality[k]])}")  # fmt: skip


def _mean(values: np.ndarray) -> str:
    return f"{values.mean():.2f}" if values.size else "-"


def print_regret(args) -> None:
    """Sections 8-11 from one set of runs."""
    started = time.perf_counter()
    runs = regret_runs(args)
    print_mix(runs, args.seed)
    print_known_truth(args.regret_categories, args.seed)
    print_crowded(runs)
    print_coverage(runs)
    print_cost(runs)
    print(
        f"\nsections 8-11: {time.perf_counter() - started:.0f} s "
        f"({math.fsum(r.covered.size for r in runs.values()):.0f} category-looks)"
    )
