"""Run LMArena's ``arena-rank`` on the synthetic arena of bench_ratings_engine.py (not a test).

Meant for the python of a virtual environment of its own (arena-rank pins numpy and jax), not
the project's: see the docstring of bench_ratings_engine.py, which writes the votes file and
starts this script. Standalone on purpose: it imports nothing from the project.

    var/arena-rank-venv/bin/python tests/benchmarks/arena_rank_peer.py VOTES.npz \
        [--fit-boards all] [--boot-boards 0,1] [--rounds 2,8] [--n-jobs 2]

VOTES.npz holds per-vote arrays ``left``, ``right`` (model indices), ``outcome`` (1 left won,
0 right won, 0.5 tie), ``category`` and the scalar ``n_models``. Board 0 is every vote, board
``c + 1`` the votes of category ``c``. Each board goes in as arena-rank's public battle format, a
pandas DataFrame with ``model_a`` (the left side), ``model_b`` and ``winner`` in ``model_a``,
``model_b``, ``tie``, ``tie (bothbad)`` (every second tie is written as ``tie (bothbad)``), and
through ``PairDataset.from_pandas``, which aggregates the rows per (model_a, model_b, outcome).

For every board in ``--fit-boards``: one ``BradleyTerry.fit`` (timed; the first board is fitted
``--fit-repeats`` times) and the ratings arena-rank reports (its defaults: 400 points per factor
10 of odds, ``init_rating`` 1000). For every board in ``--boot-boards`` and every count in
``--rounds``: ``compute_ratings_and_cis(ci_method="bootstrap")`` of a fresh model, fit included,
timed. A fitted model on a 3-model board measures the fixed cost of one fit.

arena-rank jits a fresh closure in every fit, so most of a fit is tracing and compilation. To
show what the numerical work itself costs, the boards in ``--boot-boards`` are also fitted by
arena-rank's own ``lbfgs_minimize`` and ``BradleyTerry.loss_function`` under one ``jax.jit``
that takes the data as an argument (compiled once per board, then reused): the fit, and
``--warm-rounds`` bootstrap rounds resampled as arena-rank does, in this one process. That is
not arena-rank's API, only a measure of how far caching the compilation would take it.

Multiprocessing uses the spawn start method: arena-rank's bootstrap pool hangs under fork once
jax has started its threads. Prints one JSON object on stdout (ratings by model index, None
for a model without votes; seconds); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing as mp
import platform
import re
import resource
import statistics
import sys
import time
from functools import partial
from importlib import metadata

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from arena_rank.models.bradley_terry import BradleyTerry
from arena_rank.utils.data_utils import PairDataset
from arena_rank.utils.math_utils import lbfgs_minimize

WINNER_LEFT, WINNER_RIGHT = "model_a", "model_b"
TIES = ("tie", "tie (bothbad)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("votes", help=".npz with left, right, outcome, category, n_models")
    parser.add_argument("--fit-boards", default="all", help="'all' or comma-separated boards")
    parser.add_argument("--boot-boards", default="0,1", help="comma-separated boards, or ''")
    parser.add_argument("--rounds", default="2,8", help="bootstrap round counts to time")
    parser.add_argument("--n-jobs", type=int, default=2, help="arena-rank bootstrap workers")
    parser.add_argument("--fit-repeats", type=int, default=3, help="fits of the first board")
    parser.add_argument("--seed", type=int, default=42, help="arena-rank bootstrap seed")
    parser.add_argument("--warm-rounds", type=int, default=20, help="rounds, compiled once")
    args = parser.parse_args()

    data = np.load(args.votes)
    n_models = int(data["n_models"])
    n_boards = int(data["category"].max()) + 2 if data["category"].size else 1
    fit_boards = range(n_boards) if args.fit_boards == "all" else parse_ints(args.fit_boards)
    boot_boards = parse_ints(args.boot_boards)
    rounds = parse_ints(args.rounds)
    names = np.array([f"m{i:04d}" for i in range(n_models)])

    datasets: dict[int, tuple[PairDataset, float, int]] = {}

    def dataset(board: int) -> tuple[PairDataset, float, int]:
        if board not in datasets:
            frame = battles_frame(data, board, names)
            started = time.perf_counter()
            datasets[board] = (PairDataset.from_pandas(frame), elapsed(started), len(frame))
        return datasets[board]

    overhead = [timed_fit(tiny_dataset())[0] for _ in range(3)]
    fits = []
    for i, board in enumerate(fit_boards):
        ds, prep, n_votes = dataset(board)
        times = []
        for _ in range(args.fit_repeats if i == 0 else 1):
            seconds, iterations, model = timed_fit(ds)
            times.append(seconds)
        ratings = model.compute_ratings_and_cis(ds, ci_method="sandwich")["ratings"]
        fits.append(
            {
                "board": board,
                "votes": n_votes,
                "rows": int(ds.n_pairs),
                "prep_seconds": prep,
                "fit_seconds": times,
                "lbfgs_iterations": iterations,
                "ratings": by_index(ds.competitors, np.asarray(ratings), names),
            }
        )
        log(f"fit board {board}: {statistics.median(times):.2f} s")

    bootstraps = []
    for board in boot_boards:
        ds, _, n_votes = dataset(board)
        for n in rounds:
            model = BradleyTerry(len(ds.competitors))
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            started, cpu = time.perf_counter(), time.process_time()
            result = model.compute_ratings_and_cis(
                ds, ci_method="bootstrap", num_bootstrap=n, seed=args.seed, n_jobs=args.n_jobs
            )
            np.asarray(result["rating_upper"])  # wait for the values
            wall, cpu = elapsed(started), time.process_time() - cpu
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            bootstraps.append(
                {
                    "board": board,
                    "votes": n_votes,
                    "rows": int(ds.n_pairs),
                    "rounds": n,
                    "seconds": wall,
                    "cpu_seconds": cpu + workers,
                }
            )
            log(f"bootstrap board {board}, {n} rounds: {wall:.2f} s")

    warm = []
    for board in boot_boards:
        ds, _, n_votes = dataset(board)
        fit_seconds, round_seconds = compiled_once(ds, args.warm_rounds, args.seed)
        warm.append(
            {
                "board": board,
                "votes": n_votes,
                "fit_seconds": fit_seconds,
                "round_seconds": round_seconds,
            }
        )
        log(f"compiled once, board {board}: fit {statistics.median(fit_seconds) * 1e3:.1f} ms")

    print(
        json.dumps(
            {
                "versions": versions(),
                "start_method": mp.get_start_method(),
                "n_jobs": args.n_jobs,
                "fit_overhead_seconds": overhead,
                "fits": fits,
                "bootstraps": bootstraps,
                "compiled_once": warm,
            }
        )
    )


def battles_frame(data: np.lib.npyio.NpzFile, board: int, names: np.ndarray) -> pd.DataFrame:
    """The board's votes in the public battle format, model_a being the left side."""
    left, right, outcome = data["left"], data["right"], data["outcome"]
    if board > 0:
        mask = data["category"] == board - 1
        left, right, outcome = left[mask], right[mask], outcome[mask]
    winner = np.where(outcome == 1.0, WINNER_LEFT, WINNER_RIGHT).astype(object)
    tie = np.flatnonzero(outcome == 0.5)
    winner[tie] = np.array(TIES, dtype=object)[np.arange(tie.size) % 2]
    return pd.DataFrame({"model_a": names[left], "model_b": names[right], "winner": winner})


def tiny_dataset() -> PairDataset:
    frame = pd.DataFrame(
        {
            "model_a": ["a", "b", "c", "a", "b", "c"],
            "model_b": ["b", "c", "a", "c", "a", "b"],
            "winner": ["model_a", "model_a", "tie", "model_b", "model_a", "tie"],
        }
    )
    return PairDataset.from_pandas(frame)


def timed_fit(ds: PairDataset) -> tuple[float, int | None, BradleyTerry]:
    """Seconds of one fit of a fresh model, and L-BFGS iterations (from the verbose report)."""
    model = BradleyTerry(len(ds.competitors), verbose=True)
    report = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(report):
        model.fit(ds)  # the verbose report reads values back, which waits for the result
    seconds = elapsed(started)
    found = re.search(r"finished in (\d+) iterations", report.getvalue())
    return seconds, int(found.group(1)) if found else None, model


def compiled_once(ds: PairDataset, rounds: int, seed: int) -> tuple[list[float], list[float]]:
    """Seconds of fits and of bootstrap rounds with arena-rank's solver compiled once."""
    model = BradleyTerry(len(ds.competitors))

    @jax.jit
    def solve(data: dict, params: dict) -> dict:
        loss = partial(BradleyTerry.loss_function, data=data)
        found, _ = lbfgs_minimize(loss, params, model.max_iter, model.gtol, model.ftol)
        return found

    def run(data: dict) -> float:
        started = time.perf_counter()
        solve(data, model.params)["ratings"].block_until_ready()
        return elapsed(started)

    data = ds.as_dict()
    run(data)  # compiles
    fits = [run(data) for _ in range(3)]
    # The resampling of compute_ratings_and_cis: multinomial counts of the aggregated rows.
    total = jnp.sum(ds.counts)
    counts = jax.random.multinomial(
        jax.random.PRNGKey(seed),
        n=int(total),
        p=ds.counts / total,
        shape=(rounds, ds.counts.shape[0]),
        dtype=model.dtype,
    )
    weights = counts * ds.weights
    resampled = [{**data, "opt_weights": weights[i].block_until_ready()} for i in range(rounds)]
    per_round = [run(sample) for sample in resampled]
    return fits, per_round


def by_index(competitors: list[str], ratings: np.ndarray, names: np.ndarray) -> list:
    position = {name: i for i, name in enumerate(competitors)}
    return [float(ratings[position[n]]) if n in position else None for n in names.tolist()]


def versions() -> dict[str, str]:
    packages = ("arena-rank", "jax", "jaxlib", "numpy", "pandas", "optax", "scipy")
    found = {}
    for name in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return {"python": platform.python_version(), **found}


def parse_ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def elapsed(started: float) -> float:
    return time.perf_counter() - started


def log(message: str) -> None:
    print(f"arena-rank peer: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
