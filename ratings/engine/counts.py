"""Aggregated vote counts per ordered pair of models, the engine's only input.

The Django side produces :class:`PairCounts` from one ``GROUP BY (left, right)`` over the votes
of a board; tests and benchmarks build it from per-vote arrays with
:meth:`PairCounts.from_votes`. Every fit downstream costs O(pairs), never O(votes).

Models are integer indices ``0 .. n_models - 1``; mapping generators to indices is the caller's
business. "Left" and "right" are the sides as shown to the voter, which is what lets the
Bradley-Terry fit estimate a position (left-side) advantage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTCOME_LEFT = 1.0
OUTCOME_RIGHT = 0.0
OUTCOME_TIE = 0.5


@dataclass(frozen=True)
class PairCounts:
    """Aggregated votes per ordered pair (left model, right model) as shown to voters.

    Parameters
    ----------
    n_models : int
        Number of models on the board; indices run from 0 to ``n_models - 1``. Models that
        appear in no pair are "unrated".
    left, right : array_like of int
        Index of the model shown left / right, one entry per ordered pair. A pair may repeat;
        repeated rows are summed.
    left_wins, right_wins, ties : array_like of float
        Vote counts per row. A "both bad" vote is already folded into ties or dropped.

    Raises
    ------
    ValueError
        On mismatched lengths, indices out of range, a model paired with itself, or negative
        or non-finite counts.
    """

    n_models: int
    left: np.ndarray
    right: np.ndarray
    left_wins: np.ndarray
    right_wins: np.ndarray
    ties: np.ndarray

    def __post_init__(self) -> None:
        n = _check_n_models(self.n_models)
        left = _as_index_array(self.left, "left", n)
        right = _as_index_array(self.right, "right", n)
        columns = {
            "left_wins": self.left_wins,
            "right_wins": self.right_wins,
            "ties": self.ties,
        }
        counts = {name: _as_count_array(value, name) for name, value in columns.items()}
        lengths = {len(left), len(right), *(len(c) for c in counts.values())}
        if len(lengths) != 1:
            raise ValueError(
                "left, right, left_wins, right_wins and ties must have the same length, "
                f"got lengths {len(left)}, {len(right)}, "
                + ", ".join(str(len(c)) for c in counts.values())
            )
        same = np.flatnonzero(left == right)
        if same.size:
            raise ValueError(
                f"a model cannot be paired with itself (model {int(left[same[0]])} "
                f"at row {int(same[0])})"
            )
        # Read-only arrays keep the frozen dataclass honest: nobody mutates a board's input.
        for name, value in {"n_models": n, "left": left, "right": right, **counts}.items():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_votes(
        cls,
        n_models: int,
        left: np.ndarray,
        right: np.ndarray,
        outcome: np.ndarray,
    ) -> PairCounts:
        """Aggregate per-vote arrays into counts per ordered pair.

        Parameters
        ----------
        n_models : int
            Number of models on the board.
        left, right : array_like of int
            Model shown left / right, one entry per vote.
        outcome : array_like of float
            Per vote: 1.0 left won, 0.0 right won, 0.5 tie.

        Returns
        -------
        PairCounts
            One row per distinct ordered pair, sorted by (left, right).
        """
        n = _check_n_models(n_models)
        left_idx = _as_index_array(left, "left", n)
        right_idx = _as_index_array(right, "right", n)
        outcome = np.asarray(outcome, dtype=float)
        if not (left_idx.shape == right_idx.shape == outcome.shape) or outcome.ndim != 1:
            raise ValueError(
                "left, right and outcome must be 1-D arrays of the same length, got shapes "
                f"{left_idx.shape}, {right_idx.shape}, {outcome.shape}"
            )
        valid = np.isin(outcome, (OUTCOME_LEFT, OUTCOME_RIGHT, OUTCOME_TIE))
        if not valid.all():
            bad = outcome[~valid][0]
            raise ValueError(f"outcome must be 1.0, 0.0 or 0.5 per vote, got {bad!r}")
        key = left_idx * max(n, 1) + right_idx
        keys, inverse = np.unique(key, return_inverse=True)

        def tally(mask: np.ndarray) -> np.ndarray:
            return np.bincount(inverse[mask], minlength=keys.size).astype(float)

        return cls(
            n_models=n,
            left=keys // max(n, 1),
            right=keys % max(n, 1),
            left_wins=tally(outcome == OUTCOME_LEFT),
            right_wins=tally(outcome == OUTCOME_RIGHT),
            ties=tally(outcome == OUTCOME_TIE),
        )

    @property
    def totals(self) -> np.ndarray:
        """Votes per row."""
        return self.left_wins + self.right_wins + self.ties

    @property
    def n_votes(self) -> float:
        """Total number of votes."""
        return float(self.totals.sum())

    def rated(self) -> np.ndarray:
        """Boolean mask of models with at least one vote."""
        votes = self.totals > 0
        mask = np.zeros(self.n_models, dtype=bool)
        mask[self.left[votes]] = True
        mask[self.right[votes]] = True
        return mask

    def canonical(self) -> PairCounts:
        """Same votes with repeated pairs merged, empty rows dropped, rows sorted by (left, right).

        Every computation goes through this form, so the numbers do not depend on the row order
        the database happened to return.
        """
        n = max(self.n_models, 1)
        keys, inverse = np.unique(self.left * n + self.right, return_inverse=True)

        def merge(values: np.ndarray) -> np.ndarray:
            return np.bincount(inverse, weights=values, minlength=keys.size)

        lw, rw, ti = merge(self.left_wins), merge(self.right_wins), merge(self.ties)
        keep = (lw + rw + ti) > 0
        return PairCounts(
            self.n_models, keys[keep] // n, keys[keep] % n, lw[keep], rw[keep], ti[keep]
        )


def model_totals(counts: PairCounts) -> dict[str, np.ndarray]:
    """Per-model ``votes``, ``wins``, ``losses`` and ``ties`` (float arrays of length n_models)."""
    n = counts.n_models

    def per_model(index: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=n).astype(float)

    wins = per_model(counts.left, counts.left_wins) + per_model(counts.right, counts.right_wins)
    losses = per_model(counts.left, counts.right_wins) + per_model(counts.right, counts.left_wins)
    ties = per_model(counts.left, counts.ties) + per_model(counts.right, counts.ties)
    return {"votes": wins + losses + ties, "wins": wins, "losses": losses, "ties": ties}


def count_matrix(counts: PairCounts) -> np.ndarray:
    """Battles between each pair, both sides together: symmetric, zero diagonal."""
    return _pair_matrix(counts, counts.totals, counts.totals)


def win_rate_matrix(counts: PairCounts) -> np.ndarray:
    """Observed share of points ``[i, j]`` that ``i`` took from ``j`` (ties count half).

    NaN where the two models never met, and on the diagonal.
    """
    score_left = counts.left_wins + 0.5 * counts.ties
    score_right = counts.right_wins + 0.5 * counts.ties
    points = _pair_matrix(counts, score_left, score_right)
    battles = count_matrix(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(battles > 0, points / battles, np.nan)


def _pair_matrix(counts: PairCounts, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``[i, j]``: the sum of ``left`` over rows showing (i, j) and of ``right`` over (j, i)."""
    n = counts.n_models
    flat = np.bincount(
        np.concatenate([counts.left * n + counts.right, counts.right * n + counts.left]),
        weights=np.concatenate([left, right]),
        minlength=n * n,
    )
    return flat.reshape(n, n)


def _check_n_models(n_models: object) -> int:
    if isinstance(n_models, bool) or not isinstance(n_models, int | np.integer):
        raise ValueError(f"n_models must be an integer, got {n_models!r}")
    if n_models < 0:
        raise ValueError(f"n_models must be non-negative, got {n_models}")
    return int(n_models)


def _as_index_array(values: object, name: str, n_models: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        as_int = array.astype(np.int64) if np.issubdtype(array.dtype, np.floating) else None
        if as_int is None or not np.array_equal(as_int, array):
            raise ValueError(f"{name} must hold integer model indices, got dtype {array.dtype}")
        array = as_int
    array = array.astype(np.int64)
    out_of_range = (array < 0) | (array >= n_models)
    if out_of_range.any():
        raise ValueError(
            f"{name} index {int(array[out_of_range][0])} is out of range for n_models={n_models}"
        )
    return array


def _as_count_array(values: object, name: str) -> np.ndarray:
    array = np.array(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite")
    if (array < 0).any():
        raise ValueError(f"{name} must be non-negative, got {array[array < 0][0]!r}")
    return array
