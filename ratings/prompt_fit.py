"""The prompt route's decision, from an index and the category's strengths: no Django here,
so the API, the offline evaluation and the benchmark judge by the same rule (docs/ratings.md,
"Routing a prompt, not a category"). When the category's pick is within the tolerance too,
the pick stays the category's: a switch would gain nothing the data can show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ratings.engine.decision import within_tolerance
from ratings.engine.local import LocalFit, local_fit, local_regret
from ratings.prompt_index import Neighbourhood, PromptIndex, neighbourhood


@dataclass(frozen=True)
class Rule:
    """The parameters of the rule; tolerance and the strengths are natural-log units."""

    tolerance: float
    error_rate: float
    min_votes: int  # effective votes a generator needs near the prompt to be picked
    min_total: int  # effective votes the prompt's neighbourhood needs at all
    similarity: float  # cosine from which a voted prompt weighs nothing (ratings.prompt_index)
    precision: float
    min_similarity: float = 0.1  # cosine similarity the nearest voted prompt needs
    points: float = 400.0 / math.log(10.0)  # rating points per natural-log unit, for reasons


@dataclass(frozen=True)
class PromptDecision:
    """What the prompt's neighbours say, and whether the route follows them."""

    basis: str  # "prompt" or "category"
    pick: int | None  # the route's pick on this basis, in the index's generator order
    leader: int | None  # the prompt's own leader (rated highest among the established)
    confident: bool
    reason: str
    fallback_reason: str | None
    near: Neighbourhood | None
    fit: LocalFit | None
    bounds: np.ndarray | None  # unclipped regret bound per generator (NaN: not established)
    established: np.ndarray | None


def decide(
    index: PromptIndex | None,
    text: str,
    *,
    centre: np.ndarray,
    allowed: np.ndarray,
    category_pick: int | None,
    rule: Rule,
    names: list[str],
) -> PromptDecision:
    """The prompt route's decision for ``text``; ``centre``, ``allowed`` (the budget) and
    ``category_pick`` are in the index's generator order, ``names`` their slugs."""
    if index is None or index.n_prompts == 0 or index.generators.size < 2:
        return _fallback("no voted prompt of this category carries its text yet")
    near = neighbourhood(index, text, similarity=rule.similarity)
    if near.nearest < rule.min_similarity:
        why = (
            f"no voted prompt of this category is close to this one (the nearest is "
            f"{near.nearest:.2f} alike; {rule.min_similarity:g} is needed)"
        )
        return _fallback(why, near)
    if near.effective_votes < rule.min_total:
        why = (
            f"the votes near this prompt count as {near.effective_votes:.0f} "
            f"(effective); {rule.min_total} are needed"
        )
        return _fallback(why, near)
    fit = local_fit(near.tallies, centre=centre, precision=rule.precision)
    established = (fit.effective_votes >= rule.min_votes) & np.asarray(allowed, dtype=bool)
    if established.sum() < 2:
        why = f"fewer than two generators have {rule.min_votes} effective votes near this prompt"
        return _fallback(why, near, fit)
    bounds = local_regret(fit, established, error_rate=rule.error_rate)
    leader = pick = int(np.flatnonzero(established)[np.argmax(fit.theta[established])])
    confident = bool(within_tolerance(bounds[pick], rule.tolerance))
    parts = (near, fit, bounds, established)
    if confident and _good_enough(category_pick, bounds, rule):
        # Both are good enough for this prompt: switching would gain nothing it can show.
        pick = category_pick
    reason = _reason(confident, names[pick], rule)
    if confident or pick == category_pick:
        return PromptDecision("prompt", pick, leader, confident, reason, None, *parts)
    gap = max(float(bounds[pick]), 0.0)
    tolerance = round(rule.tolerance * rule.points, 1)
    why = (
        f"the prompt's neighbours lean to {names[pick]} but cannot put it within "
        f"{tolerance:g} points of the best (it may be up to {gap * rule.points:.0f} below)"
    )
    return PromptDecision("category", None, leader, False, reason, why, *parts)


def _good_enough(k: int | None, bounds: np.ndarray, rule: Rule) -> bool:
    # A NaN bound (not established) is never within the tolerance.
    return k is not None and bool(within_tolerance(bounds[k], rule.tolerance))


def _fallback(why: str, near: Neighbourhood | None = None, fit: LocalFit | None = None):
    return PromptDecision("category", None, None, False, why, why, near, fit, None, None)


def _reason(confident: bool, name: str, rule: Rule) -> str:
    within = f"within {round(rule.tolerance * rule.points, 1):g} points of the best"
    if confident:
        return (
            f"for prompts like this one, {name} is {within} at an error rate of "
            f"{rule.error_rate:g}, however often this prompt is asked"
        )
    return f"prompts like this one lean to {name}, but the data cannot yet put it {within}"
