"""Would routing by prompt have done better? The arena's own votes, split by time: the older
fit both routes as the recompute would, the newer test them by held-out log-loss and by the
head-to-head wins of the two routes' picks where they differ (docs/ratings.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from arena.models import Category
from ratings import prompt_index
from ratings.engine.local import tallies_from, weighted_bt
from ratings.prompt_fit import decide
from ratings.prompt_route import rule_for
from ratings.route_decision import route_tolerance
from ratings.services.prompt_index import OUTCOME
from ratings.services.recompute import rated_votes

Z = 1.959964


@dataclass(frozen=True)
class CategoryEval:
    category: str
    train: int
    test: int
    log_loss_category: float
    log_loss_prompt: float
    difference_interval: tuple[float, float]  # prompt minus category, per vote, 95%
    prompt_basis: int  # held-out votes whose prompt the prompt route answered itself
    picks_differ: int  # ... and with another pick than the category's
    battles: int  # held-out battles between the two picks where they differ
    wins: float  # the prompt pick's wins there (ties half)

    @property
    def win_rate(self) -> float:
        return self.wins / self.battles if self.battles else math.nan


def wilson(successes: float, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a share (NaN without trials)."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def _votes(category: Category) -> tuple[list[str], np.ndarray, list[int]]:
    """Texts and (prompt, left, right, outcome) rows of the category's votes, oldest first."""
    cells = list(
        rated_votes(category=category)
        .filter(battle__isnull=False)
        .order_by("created_at", "id")
        .values_list("battle__prompt__text", "shown_left_id", "shown_right_id", "choice")
    )
    generators = sorted({c[1] for c in cells} | {c[2] for c in cells})
    position = {gid: i for i, gid in enumerate(generators)}
    texts = list(dict.fromkeys(c[0] for c in cells))
    prompt = {text: i for i, text in enumerate(texts)}
    rows = [(prompt[c[0]], position[c[1]], position[c[2]], OUTCOME[c[3]]) for c in cells]
    return texts, np.array(rows, dtype=np.int64).reshape(-1, 4), generators


def category_eval(
    category: Category, *, split: float = 0.8, tolerance: float | None = None
) -> CategoryEval | None:
    """The evaluation of one category (None when it has too few votes with their prompt)."""
    texts, rows, generators = _votes(category)
    cut = int(len(rows) * split)
    if cut < 2 or cut >= len(rows) or len(generators) < 2:
        return None
    # Only the older votes' prompts are indexed: the newer ones' texts stay unseen too.
    seen, train = np.unique(rows[:cut, 0], return_inverse=True)
    older = np.column_stack([train, rows[:cut, 1:]])
    index = prompt_index.build([texts[i] for i in seen], older, generators)
    ones = np.ones(index.n_prompts)
    m = len(generators)
    board = weighted_bt(tallies_from(ones @ index.tallies, ones @ index.tallies, m))
    rule = rule_for(tolerance=route_tolerance(category, tolerance))
    pick = int(np.argmax(board))
    names = [str(g) for g in generators]
    fits, picks = {}, {}
    test = rows[cut:]
    for text in {texts[i] for i in test[:, 0]}:
        decision = decide(index, text, centre=board, allowed=np.ones(m, dtype=bool),
                          category_pick=pick, rule=rule, names=names)  # fmt: skip
        fits[text] = decision.fit.theta if decision.fit is not None else board
        picks[text] = decision.pick if decision.basis == "prompt" else None
    return _scored(category.slug, cut, texts, test, board, pick, fits, picks)


def _scored(slug, cut, texts, test, board, pick, fits, picks) -> CategoryEval:
    loss_c, loss_p = [], []
    basis = differ = battles = 0
    wins = 0.0
    for p, left, right, outcome in test:
        text = texts[p]
        score = 1.0 if outcome == 0 else 0.0 if outcome == 1 else 0.5
        loss_c.append(_loss(board, left, right, score))
        loss_p.append(_loss(fits[text], left, right, score))
        ours = picks[text]
        basis += ours is not None
        if ours is None or ours == pick:
            continue
        differ += 1
        if {left, right} == {ours, pick}:
            battles += 1
            wins += score if left == ours else 1.0 - score
    difference = np.array(loss_p) - np.array(loss_c)
    half = Z * difference.std(ddof=1) / math.sqrt(difference.size) if difference.size > 1 else 0
    return CategoryEval(
        category=slug, train=cut, test=len(test), log_loss_category=float(np.mean(loss_c)),
        log_loss_prompt=float(np.mean(loss_p)),
        difference_interval=(float(difference.mean() - half), float(difference.mean() + half)),
        prompt_basis=basis, picks_differ=differ, battles=battles, wins=wins,
    )  # fmt: skip


def _loss(theta: np.ndarray, left: int, right: int, score: float) -> float:
    p = float(np.clip(expit(theta[left] - theta[right]), 1e-12, 1 - 1e-12))
    return -(score * math.log(p) + (1.0 - score) * math.log(1.0 - p))
