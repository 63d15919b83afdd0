"""The style-controlled board of a recompute: what looks are worth, and who wins without them.

Only votes whose battle shows two outputs with measured styles enter. Sharpness enters as
``log(1 + variance of the Laplacian)``: it spans orders of magnitude, and a few very noisy
pictures would otherwise set its scale. Nothing is written here.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from arena.models import Kind
from generation.features import EDIT_FEATURES, FEATURES, LABELS
from generation.models import OutputStyle
from ratings.engine import StyleFit, StyleRows, compute_style_board
from ratings.engine.board import Board
from ratings.selectors import rating_points
from ratings.services.elo import SCORES

# A feature's name, and how it enters the fit.
TRANSFORMS = {"sharpness": np.log1p}
_CHUNK = 5000


@dataclass(frozen=True)
class StyleBoard:
    """A board's style-controlled fit, or only its vote count when there were too few."""

    votes: int
    min_votes: int
    features: tuple[str, ...]
    last_vote_id: int | None = None
    board: Board | None = None
    fit: StyleFit | None = None
    duration_ms: int = 0

    def summary(self) -> dict:
        """What the plain snapshot records: votes with measured outputs, and the minimum."""
        return {"votes": self.votes, "min_votes": self.min_votes}

    def parameters(self) -> dict:
        """What the style-controlled snapshot records: the summary and each feature's effect
        in rating points per standard deviation of its difference, with its 95% interval."""
        effects = self.fit.effects(rating_points(self.board.params))
        rows = [
            {
                "feature": name,
                "label": LABELS[name] + (" (log)" if name in TRANSFORMS else ""),
                "points": _finite(effects[k, 0]),
                "lower": _finite(effects[k, 1]),
                "upper": _finite(effects[k, 2]),
                "sd": _finite(self.fit.scale[k]) if self.fit.scale[k] > 0 else None,
            }
            for k, name in enumerate(self.features)
        ]
        return {**self.summary(), "features": rows}


def _finite(value: float) -> float | None:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def board_features(kind: str) -> tuple[str, ...]:
    """The features a board of this kind is controlled for: edits add preservation."""
    return EDIT_FEATURES if kind == Kind.EDIT else FEATURES


def style_board(*, votes, kind: str, generator_ids: list[int], options: dict) -> StyleBoard:
    """The style-controlled fit of a board's ``votes``, its models numbered as the plain board's
    (the style fit always takes the floored sandwich interval)."""
    started = time.monotonic()
    features = board_features(kind)
    minimum = settings.RATINGS_STYLE_MIN_VOTES
    rows, last = style_rows(votes=votes, features=features, generator_ids=generator_ids)
    if rows.left.size < minimum:
        return StyleBoard(int(rows.left.size), minimum, features)
    keep = ("ties", "position_bias", "rounds", "seed", "anchor", "scale", "base", "prior")
    board, fit = compute_style_board(
        rows, **{k: options[k] for k in keep}, error_rate=options["error_rate"]
    )
    duration_ms = round((time.monotonic() - started) * 1000)
    return StyleBoard(int(rows.left.size), minimum, features, last, board, fit, duration_ms)


def style_rows(*, votes, features, generator_ids: list[int]) -> tuple[StyleRows, int | None]:
    """One row per vote whose battle shows two measured outputs, and the last such vote's id."""
    columns = (
        "id", "shown_left_id", "shown_right_id", "choice", "battle__left_is_a",
        "battle__generation_a_id", "battle__generation_b_id",
    )  # fmt: skip
    records = list(votes.filter(battle__isnull=False).order_by().values_list(*columns))
    index = {gid: i for i, gid in enumerate(generator_ids)}
    styles = _styles({r[5] for r in records} | {r[6] for r in records}, features)
    kept = [
        r for r in records
        if r[5] in styles and r[6] in styles and r[1] in index and r[2] in index
    ]  # fmt: skip
    left_output = [r[5] if r[4] else r[6] for r in kept]
    right_output = [r[6] if r[4] else r[5] for r in kept]
    k = len(features)

    def side(outputs: list[int]) -> np.ndarray:
        return np.array([styles[g] for g in outputs], dtype=float).reshape(len(outputs), k)

    rows = StyleRows(
        n_models=len(generator_ids),
        left=np.array([index[r[1]] for r in kept], dtype=np.int64),
        right=np.array([index[r[2]] for r in kept], dtype=np.int64),
        outcome=np.array([SCORES[r[3]] for r in kept], dtype=float),
        left_features=side(left_output),
        right_features=side(right_output),
    )
    return rows, max((r[0] for r in kept), default=None)


def _styles(generation_ids: set[int], features: tuple[str, ...]) -> dict[int, tuple]:
    """Each measured output's features as they enter the fit; outputs missing one are left out."""
    ids = sorted(generation_ids)
    found = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = OutputStyle.objects.filter(generation_id__in=ids[start : start + _CHUNK])
        for gid, *values in chunk.values_list("generation_id", *features):
            if None not in values:
                found[gid] = tuple(
                    float(TRANSFORMS[name](v)) if name in TRANSFORMS else v
                    for name, v in zip(features, values, strict=True)
                )
    return found
