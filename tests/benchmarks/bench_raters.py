"""The voters' tests on simulated voters: who is caught, how soon, and what it does to the route.

Pure numpy through the engine (``ratings.engine.raters``, the same call the recompute makes per
voter, and the route's regret rule through ``regret_simulation``), seeded; needs only the
virtual environment.

Part 1, per kind of bad voter: one category of 10 models (the realistic mix of
``regret_simulation``: the runner-up a median 40 points below the best, the rest 10-200 below
it), 200 honest voters and 5% or 15% more bad voters of one kind, each casting ``--votes``
votes on uniformly drawn pairs with random sides and answering decoys at the arena's rates:
each battle is a decoy at 25% during a voter's first 50 votes (``ARENA_DECOY_RATE_NEW``), at
60% (``ARENA_DECOY_RATE_DOUBT``) while they have failed more than 10% of their decoys or the
promoter test suspects them (then with the suspected model's output off the prompt), else at
3% (``ARENA_DECOY_RATE``); see :func:`_with_decoys`. The board's prediction is the
Bradley-Terry fit of all their votes (the bad ones included, as a recompute would see them);
as in the arena, the voters the tests exclude then leave the board and the tests run again on
the new fit, until no one more is excluded. Honest voters: Bradley-Terry choices with their
own discernment (log-odds scaled by a log-normal factor, sd 0.3), a side lean (log-odds shift,
sd 0.2), a taste of their own for each model (sd 0.15, about 26 points), 10% ties, 3% decoys
failed. Bad voters:

* random: left or right at random (ties as honest voters), decoys failed half the time;
* always-left: left every time, decoys failed half the time (the off-prompt side is random);
* promoter: votes for a weak model (the 8th of 10) whenever it is shown, honestly otherwise,
  on decoys too: a decoy whose off-prompt output is by that model is failed, others 3%;
* careless: a random click 70% of the time, honest otherwise; decoys failed 35% of the time.

Printed per kind: the share excluded within 50, 100 and all of their votes, the share of
honest voters ever excluded with its 95% Clopper-Pearson upper bound, and the decoys an
honest voter answered over their first 50 votes and after.

Part 2, the route under promoters: ``--categories`` categories of the realistic mix, 20 voters
each, two of them (10% of votes) promoting a model ranked 2nd to 4th (one a promoter can lift
past the best), read by the route's rule (tolerance 25 points) every 100 votes up to
``--horizon``, uniform and active pairing; the voters' tests every 500 votes, excluded voters'
votes left out from then on (a decoy at 3% of each voter's events here).
Printed: the share of categories ever confident with a pick more than the tolerance below the
best, with no promoters, with promoters and no tests, with promoters and the tests; and the
promoted model's share of battles in each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from scipy.special import expit
from scipy.stats import beta

from ratings.engine.raters import LEFT, RIGHT, TIE, voter_evidence
from ratings.engine.regret import confident_leaders
from tests.benchmarks import regret_simulation as sim

MODELS = 10
DECOY_RATE = 0.03  # ARENA_DECOY_RATE
DECOY_RATE_NEW = 0.25  # ARENA_DECOY_RATE_NEW, for a voter's first ARENA_DECOY_NEW_VOTES votes
DECOY_NEW_VOTES = 50
DECOY_RATE_DOUBT = 0.6  # ARENA_DECOY_RATE_DOUBT, while failing more than ATTENTIVE of decoys
ATTENTIVE = 0.1  # RATERS_ATTENTIVE_FAILURE
SUSPECT_LEVEL = 2.0  # ratings.services.raters.SUSPECT_LEVEL: the promoter test's e-value
REFRESH = 5  # votes between two refreshes of a voter's standing
KINDS = ("random", "always-left", "promoter", "careless")
PROMOTED_RANK = 7  # the 8th of 10: a weak model
TOLERANCE = 25.0


def _honest_choice(rng, delta, lam, lean):
    p_left = expit(lam * delta + lean)
    choice = np.where(rng.random(delta.size) < p_left, LEFT, RIGHT)
    return np.where(rng.random(delta.size) < 0.1, TIE, choice)


def _voter(rng, truth, kind, votes, promoted):
    """One voter's votes on uniform pairs with random sides, and how they answer decoys."""
    left = rng.integers(0, MODELS, votes)
    right = (left + rng.integers(1, MODELS, votes)) % MODELS
    taste = rng.normal(0, 0.15, MODELS)  # a voter's own liking of each model, ~26 points
    true_delta = truth[left] - truth[right] + taste[left] - taste[right]
    honest = _honest_choice(rng, true_delta, rng.lognormal(0, 0.3), rng.normal(0, 0.2))
    coin = np.where(rng.random(votes) < 0.5, LEFT, RIGHT)
    fail = 0.03
    if kind == "random":
        choice, fail = np.where(honest == TIE, TIE, coin), 0.5
    elif kind == "always-left":
        choice, fail = np.full(votes, LEFT), 0.5
    elif kind == "promoter":
        choice = np.where(left == promoted, LEFT, np.where(right == promoted, RIGHT, honest))
    elif kind == "careless":
        choice, fail = np.where(rng.random(votes) < 0.7, coin, honest), 0.35
    else:
        choice = honest
    none = np.zeros(votes, bool)
    return {"choice": choice, "left": left, "right": right, "decoy": none, "failed": none,
            "fail": fail, "promoter": kind == "promoter"}  # fmt: skip


def _with_decoys(rng, voter: dict, theta: np.ndarray) -> dict:
    """The voter's votes with the decoys they answer between them, in time order.

    Each battle is a decoy at the voter's rate, as the arena decides it from their past: the
    new voters' rate for their first votes; the rate in doubt while they have failed more than
    an attentive voter's share of their decoys, or while the promoter test (refreshed every
    ``REFRESH`` votes, against ``theta``) has an e-value of at least 2, when the decoys made for
    them put the suspected model's output on the off-prompt side; else the pool's rate, whose
    decoys hold a random model's. An honest voter fails 3% of decoys, whatever their model; a
    promoter fails the decoys whose off-prompt output is by the model they back, and 3% of the
    others.
    """
    votes = voter["choice"].size
    evidence = voter_evidence(**_votes_only(voter, theta))
    suspected = np.asarray(evidence.paths["promoter"]) >= np.log(SUSPECT_LEVEL)
    is_decoy, failed, passes, fails = [], [], 0, 0
    for k in range(votes):
        refreshed = k - k % REFRESH - 1
        suspect = refreshed >= 0 and bool(suspected[refreshed])
        while True:
            rate = DECOY_RATE_NEW if k < DECOY_NEW_VOTES else DECOY_RATE
            if fails > ATTENTIVE * (fails + passes) or suspect:
                rate = max(rate, DECOY_RATE_DOUBT)
            if rng.random() >= rate:
                break
            targeted = suspect and rng.random() >= DECOY_RATE / rate
            fail = voter["fail"]
            if voter["promoter"] and (targeted or rng.random() < 1 / MODELS):
                fail = 1.0  # their model's output, off the prompt: they back it
            miss = bool(rng.random() < fail)
            is_decoy.append(True), failed.append(miss)
            fails, passes = fails + miss, passes + (not miss)
        is_decoy.append(False), failed.append(False)
    is_decoy = np.array(is_decoy)
    out = {k: np.zeros(is_decoy.size, int) for k in ("choice", "left", "right")}
    for key in out:
        out[key][~is_decoy] = voter[key]
    return {**out, "decoy": is_decoy, "failed": np.array(failed)}


def _votes_only(voter: dict, theta: np.ndarray) -> dict:
    return {"decoy": np.zeros(voter["choice"].size, bool), "failed": voter["failed"],
            "choice": voter["choice"], "left": voter["left"], "right": voter["right"],
            "delta": theta[voter["left"]] - theta[voter["right"]]}  # fmt: skip


def _fit(voters: list[dict]) -> np.ndarray:
    """The board's strengths from every vote of every voter (ties half a win)."""
    fit = sim.Fit(1, MODELS)
    index = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(fit.i, fit.j, strict=True))}
    cells = np.zeros((3, 1, fit.i.size))
    for v in voters:
        votes = ~v["decoy"]
        for a, b, c in zip(v["left"][votes], v["right"][votes], v["choice"][votes], strict=True):
            lo, hi = min(a, b), max(a, b)
            won = (c == LEFT) == (a == lo)
            cells[2 if c >= TIE else (0 if won else 1), 0, index[(lo, hi)]] += 1
    return fit(*cells)[0][0]


def _crossed_vote(voter: dict, theta: np.ndarray) -> float:
    """The number of votes cast when the voter was first excluded (inf: never)."""
    decoy = voter["decoy"]
    delta = np.where(decoy, np.nan, theta[voter["left"]] - theta[voter["right"]])
    evidence = voter_evidence(
        decoy=decoy, failed=voter["failed"], delta=delta, choice=voter["choice"],
        left=np.where(decoy, -1, voter["left"]), right=np.where(decoy, -1, voter["right"]),
    )  # fmt: skip
    if evidence.crossed_at is None:
        return np.inf
    return float((~voter["decoy"][: evidence.crossed_at + 1]).sum())


def _crossings(voters: list[dict]) -> np.ndarray:
    """Each voter's votes cast when first excluded (inf: never), as the arena's loop finds it:
    the board is fitted, the tests run, the excluded voters' votes leave the board, and again
    until no one more is excluded (an exclusion, once reached, stays)."""
    crossed = np.full(len(voters), np.inf)
    for _ in range(8):
        theta = _fit([v for v, c in zip(voters, crossed, strict=True) if not np.isfinite(c)])
        now = np.minimum(crossed, [_crossed_vote(v, theta) for v in voters])
        if np.array_equal(np.isfinite(now), np.isfinite(crossed)):
            return now
        crossed = now
    return crossed


def _decoys_within(voter: dict, votes: int) -> int:
    """Decoys a voter answered before their ``votes``-th vote."""
    cast = np.cumsum(~voter["decoy"])
    return int(voter["decoy"][cast < votes].sum())


def part_one(args) -> None:
    print(f"Part 1: 200 honest voters plus bad ones, {args.votes} votes each, decoy rates "
          f"{DECOY_RATE_NEW:g} (first {DECOY_NEW_VOTES} votes), {DECOY_RATE_DOUBT:g} (in doubt), "
          f"{DECOY_RATE:g}")  # fmt: skip
    print(f"{'kind':>12} {'share':>6} {'caught <=50':>12} {'caught <=100':>12} {'caught ever':>12} "
          f"{'honest ever':>12} {'95% upper':>10} {'honest decoys':>14}")  # fmt: skip
    for share in (0.05, 0.15):
        for k, kind in enumerate(KINDS):
            rng = np.random.default_rng([args.seed, k, int(share * 100)])
            truth = sim.realistic_mix(rng, 1, MODELS)[0]
            promoted = int(np.argsort(-truth)[PROMOTED_RANK])
            bad = round(200 * share / (1 - share))
            kinds = ["honest"] * 200 + [kind] * bad
            voters = [_voter(rng, truth, who, args.votes, promoted) for who in kinds]
            theta = _fit(voters)
            voters = [_with_decoys(rng, v, theta) for v in voters]
            crossed = _crossings(voters)
            early = np.mean([_decoys_within(v, 50) for v in voters[:200]])
            later = np.mean([_decoys_within(v, args.votes) for v in voters[:200]]) - early
            honest, caught = crossed[:200], crossed[200:]
            ever = int(np.isfinite(honest).sum())
            upper = beta.ppf(0.975, ever + 1, 200 - ever)
            shares = [np.mean(caught <= 50), np.mean(caught <= 100), np.mean(np.isfinite(caught))]
            cost = f"{early:>6.1f} + {later:>5.1f}"
            print(f"{kind:>12} {share:>6.0%} " + " ".join(f"{x:>12.0%}" for x in shares)
                  + f" {ever / 200:>12.1%} {upper:>10.1%} {cost}")  # fmt: skip


def _route_run(args, *, aim, promoters: bool, tests: bool, seed: int):
    """Part 2 for one design: (share ever confident-and-wrong, promoted model's battle share)."""
    rng = np.random.default_rng(seed)
    n = args.categories
    truth = sim.realistic_mix(rng, n, MODELS)
    order = np.argsort(-truth, axis=1)
    promoted = order[np.arange(n), rng.integers(1, 4, n)]
    fit = sim.Fit(n, MODELS)
    pairs = fit.i.size
    voters, bad = 20, (18, 19)
    lam = rng.lognormal(0, 0.3, (n, voters))
    lean = rng.normal(0, 0.2, (n, voters))
    weights = np.full((n, pairs), 1.0 / pairs)
    records = []  # per step: category, pair, outcome (0 i wins, 1 j wins, 2 tie), voter, i left
    excluded = np.zeros((n, voters), bool)
    wrong = np.zeros(n, bool)
    for step, _ in enumerate(range(sim.STEP, args.horizon + 1, sim.STEP)):
        records.append(_route_votes(rng, weights, truth, fit, lam, lean, promoted, promoters))
        allv = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
        if tests and (step + 1) % 5 == 0:
            theta, _ = fit(*_cells(allv, excluded, n, pairs))
            excluded |= _tested(rng, allv, theta, fit, n, voters, bad if promoters else ())
        theta, cov = fit(*_cells(allv, excluded, n, pairs))
        counts = _cells(allv, excluded, n, pairs).sum(axis=0)
        games = np.zeros((n, MODELS))
        np.add.at(games.T, fit.i, counts.T)
        np.add.at(games.T, fit.j, counts.T)
        established = games >= sim.MIN_VOTES
        leader, confident, _ = confident_leaders(theta, cov, established,
                                                 tolerance=TOLERANCE / sim.POINTS)  # fmt: skip
        best = np.where(established, truth, -np.inf).max(axis=1)
        short = (best - truth[np.arange(n), np.maximum(leader, 0)]) * sim.POINTS
        wrong |= confident & (short > TOLERANCE)
        if aim is not None:
            weights = sim._active_weights(theta, cov, established, fit, aim, seed + step)
    allv = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
    shown = (fit.i[allv["pair"]] == promoted[allv["cat"]]) | (
        fit.j[allv["pair"]] == promoted[allv["cat"]]
    )
    return wrong.mean(), shown.mean()


def _route_votes(rng, weights, truth, fit, lam, lean, promoted, promoters) -> dict:
    n, pairs = weights.shape
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    pair = np.minimum((rng.random((n, sim.STEP, 1)) > cumulative[:, None, :]).sum(axis=2),
                      pairs - 1)  # fmt: skip
    cat = np.repeat(np.arange(n), sim.STEP)
    pair = pair.ravel()
    voter = rng.integers(0, lam.shape[1], cat.size)
    i_left = rng.random(cat.size) < 0.5
    gap = truth[cat, fit.i[pair]] - truth[cat, fit.j[pair]]
    p_i = expit(lam[cat, voter] * gap + np.where(i_left, 1, -1) * lean[cat, voter])
    tie = sim.TIE_RATE * 4 * p_i * (1 - p_i)
    u = rng.random(cat.size)
    outcome = np.where(u < p_i - tie / 2, 0, np.where(u < p_i + tie / 2, 2, 1))
    if promoters:
        promoting = voter >= 18
        outcome = np.where(promoting & (fit.i[pair] == promoted[cat]), 0, outcome)
        outcome = np.where(promoting & (fit.j[pair] == promoted[cat]), 1, outcome)
    return {"cat": cat, "pair": pair, "outcome": outcome, "voter": voter, "i_left": i_left}


def _cells(allv, excluded, n, pairs) -> np.ndarray:
    keep = ~excluded[allv["cat"], allv["voter"]]
    flat = (allv["outcome"][keep] * n + allv["cat"][keep]) * pairs + allv["pair"][keep]
    return np.bincount(flat, minlength=3 * n * pairs).reshape(3, n, pairs).astype(float)


def _tested(rng, allv, theta, fit, n, voters, bad) -> np.ndarray:
    """Which voters the tests exclude now (every voter fails 3% of decoys)."""
    out = np.zeros((n, voters), bool)
    key = allv["cat"] * voters + allv["voter"]
    order = np.argsort(key, kind="stable")
    edges = np.searchsorted(key[order], np.arange(n * voters + 1))
    i_all, j_all = fit.i[allv["pair"]], fit.j[allv["pair"]]
    for c in range(n):
        for v in range(voters):
            sel = order[edges[c * voters + v] : edges[c * voters + v + 1]]
            i_left = allv["i_left"][sel]
            left = np.where(i_left, i_all[sel], j_all[sel])
            right = np.where(i_left, j_all[sel], i_all[sel])
            outcome = allv["outcome"][sel]
            choice = np.where(outcome == 2, TIE, np.where((outcome == 0) == i_left, LEFT, RIGHT))
            # 3% of the voter's events are read as decoys (the votes there are on the board).
            decoy = np.random.default_rng([c, v]).random(sel.size) < DECOY_RATE
            evidence = voter_evidence(decoy=decoy, failed=decoy & (rng.random(sel.size) < 0.03),
                                      choice=choice, delta=theta[c, left] - theta[c, right],
                                      left=left, right=right)  # fmt: skip
            out[c, v] = evidence.crossed_at is not None
    return out


def part_two(args) -> None:
    print(f"\nPart 2: {args.categories} categories, 10% of votes from promoters, route read "
          f"every 100 votes to {args.horizon}, tolerance {TOLERANCE:g}")  # fmt: skip
    print(f"{'pairing':>8} {'design':>22} {'ever wrong':>11} {'promoted share':>15}")
    for pairing, aim in (("uniform", None), ("active", TOLERANCE)):
        for design, promoters, tests in (
            ("no promoters", False, False),
            ("promoters, no tests", True, False),
            ("promoters, tests", True, True),
        ):
            wrong, shown = _route_run(args, aim=aim, promoters=promoters, tests=tests,
                                      seed=args.seed)  # fmt: skip
            print(f"{pairing:>8} {design:>22} {wrong:>11.1%} {shown:>15.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=200, help="votes per voter (part 1)")
    parser.add_argument("--categories", type=int, default=40, help="categories (part 2)")
    parser.add_argument("--horizon", type=int, default=3000, help="votes per category (part 2)")
    parser.add_argument("--parts", default="1,2")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.monotonic()
    if "1" in args.parts:
        part_one(args)
    if "2" in args.parts:
        part_two(args)
    print(f"\n{time.monotonic() - started:.0f} s, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
