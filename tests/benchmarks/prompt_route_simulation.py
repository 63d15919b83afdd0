"""Seeded simulation of the prompt route from known truth: categories of hidden sub-kinds.

A category holds ``SUBKINDS`` hidden sub-kinds of prompts. Each prompt is generated text: a
few words of the category, a few of its sub-kind and some filler, shuffled. In sub-kind ``s``
generator ``s`` is ``gap`` points above the others (at gap 0 every sub-kind is the same
board); a last generator is 40 points below everyone. Votes are drawn from those strengths
(10% ties). The category route picks the category board's leader; the prompt route runs
:func:`ratings.prompt_fit.decide` on an index of the training votes; the oracle knows the
sub-kind and picks its winner. Gains are in rating points of the held-out prompt's true
sub-kind, against the category route's pick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ratings import prompt_index
from ratings.engine.local import tallies_from, weighted_bt
from ratings.prompt_fit import Rule, decide
from ratings.route_eval import wilson

SUBKINDS = 3
MODELS = 4
POINTS = 400.0 / math.log(10.0)
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "ti",
    "vo",
    "pe",
    "da",
    "go",
    "hu",
    "zi",
    "be",
    "fa",
    "ly",
    "qu",
    "wo",
    "xe",
    "jo",
    "ce",
    "ny",
    "gi",
    "tu",
]


def _words(rng: np.random.Generator, count: int) -> list[str]:
    return ["".join(rng.choice(SYLLABLES, size=3)) for _ in range(count)]


@dataclass(frozen=True)
class Vocabulary:
    common: list[str]
    subkinds: list[list[str]]
    filler: list[str]

    def prompt(self, rng: np.random.Generator, subkind: int) -> str:
        words = (
            list(rng.choice(self.common, size=2))
            + list(rng.choice(self.subkinds[subkind], size=3, replace=False))
            + list(rng.choice(self.filler, size=4))
        )
        rng.shuffle(words)
        return " ".join(words)


def vocabulary(rng: np.random.Generator) -> Vocabulary:
    return Vocabulary(_words(rng, 20), [_words(rng, 6) for _ in range(SUBKINDS)], _words(rng, 2000))


def truth(gap: float) -> np.ndarray:
    """True strengths, natural-log units, shape (SUBKINDS, MODELS)."""
    strengths = np.zeros((SUBKINDS, MODELS))
    strengths[:, -1] = -40.0 / POINTS
    for s in range(SUBKINDS):
        strengths[s, s] += gap / POINTS
    return strengths


def votes_of(rng, vocab: Vocabulary, strengths: np.ndarray, n: int):
    """``n`` votes: texts, subkinds and rows (prompt, left, right, outcome)."""
    subkind = rng.integers(SUBKINDS, size=n)
    texts = [vocab.prompt(rng, s) for s in subkind]
    return texts, subkind, np.column_stack([np.arange(n), *battles(rng, strengths, subkind)])


def battles(rng, strengths: np.ndarray, subkind: np.ndarray) -> tuple[np.ndarray, ...]:
    """Left, right and outcome (0 left won, 1 right won, 2 tie) of a battle per sub-kind."""
    n = subkind.size
    left = rng.integers(MODELS, size=n)
    right = (left + rng.integers(1, MODELS, size=n)) % MODELS
    p = 1.0 / (1.0 + np.exp(strengths[subkind, right] - strengths[subkind, left]))
    tie = rng.random(n) < 0.1
    return left, right, np.where(tie, 2, np.where(rng.random(n) < p, 0, 1))


def category_strengths(index: prompt_index.PromptIndex) -> np.ndarray:
    """The category board: every vote weighs one."""
    ones = np.ones(index.n_prompts)
    tallies = tallies_from(ones @ index.tallies, ones @ index.tallies, MODELS)
    return weighted_bt(tallies)


@dataclass(frozen=True)
class Outcome:
    gap: float
    votes: int
    differ: int
    tested: int
    battles: int  # simulated battles between the two picks where they differ
    wins: float  # those the prompt pick won (ties half)
    gain: float  # mean true gain over the category pick, points, every tested prompt
    oracle_gain: float
    confident: int
    wrong: int  # confident on the prompt basis, the pick more than the tolerance below the best


def run(
    gap: float,
    votes: int,
    *,
    seed: int,
    tests: int = 300,
    rule: Rule | None = None,
    battles: int = 1,
) -> Outcome:
    rng = np.random.default_rng(seed)
    vocab = vocabulary(rng)
    strengths = truth(gap)
    texts, _, rows = votes_of(rng, vocab, strengths, votes)
    index = prompt_index.build(texts, rows, list(range(MODELS)))
    centre = category_strengths(index)
    category_pick = int(np.argmax(centre))
    rule = rule or default_rule()
    names = [f"g{i}" for i in range(MODELS)]
    allowed = np.ones(MODELS, dtype=bool)
    differ, wins, gain, oracle, confident, wrong = 0, 0.0, 0.0, 0.0, 0, 0
    for t in range(tests):
        s = t % SUBKINDS
        decision = decide(index, vocab.prompt(rng, s), centre=centre, allowed=allowed,
                          category_pick=category_pick, rule=rule, names=names)  # fmt: skip
        pick = decision.pick if decision.basis == "prompt" else category_pick
        confident += decision.confident
        truth_s = strengths[s]
        if decision.basis == "prompt" and decision.confident:
            wrong += bool(truth_s.max() - truth_s[pick] > rule.tolerance)
        gain += (truth_s[pick] - truth_s[category_pick]) * POINTS
        oracle += (truth_s.max() - truth_s[category_pick]) * POINTS
        if pick != category_pick:
            differ += 1
            p = 1.0 / (1.0 + math.exp(truth_s[category_pick] - truth_s[pick]))
            tie = rng.random(battles) < 0.1
            wins += float(np.where(tie, 0.5, rng.random(battles) < p).sum())
    return Outcome(gap, votes, differ, tests, differ * battles, wins, gain / tests,
                   oracle / tests, confident, wrong)  # fmt: skip


def default_rule(**overrides) -> Rule:
    """The rule at the settings' defaults (tolerance 25 points), without Django."""
    options = {"tolerance": 25.0 / POINTS, "error_rate": 0.05, "min_votes": 20,
               "min_total": 100, "similarity": 0.5, "precision": (POINTS / 60.0) ** 2}  # fmt: skip
    return Rule(**{**options, **overrides})


def quality_row(outs: list) -> str:
    """One row of the quality table over the runs of one gap (as ``run`` returns them)."""
    tests = sum(o.tested for o in outs)
    differ = sum(o.differ for o in outs)
    battles, wins = sum(o.battles for o in outs), sum(o.wins for o in outs)
    gain = sum(o.gain * o.tested for o in outs)
    oracle = sum(o.oracle_gain * o.tested for o in outs)
    shares = [o.gain / o.oracle_gain for o in outs if o.oracle_gain]
    low, high = wilson(wins, battles)
    rate = f"{wins / battles:.3f} ({low:.3f}-{high:.3f})" if battles else "n/a"
    share = f"{gain / oracle:.0%}" if oracle else "n/a"
    spread = (f"{np.mean(shares):.0%} ({min(shares):.0%}-{max(shares):.0%})" if shares
              else "n/a")  # fmt: skip
    return (f"{tests} | {differ} | {rate} | {gain / tests:+.1f} | {oracle / tests:+.1f} | "
            f"{share} | {spread} | {sum(o.confident for o in outs)} | "
            f"{sum(o.wrong for o in outs)}")  # fmt: skip
