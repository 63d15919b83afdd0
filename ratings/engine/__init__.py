"""Pure-maths ratings engine: online Elo, Bradley-Terry fits, uncertainty, leaderboards.

Only the standard library, numpy and scipy are imported below this package (a test parses
every module to prove it); models are integer indices and mapping generators to indices is the
ratings app's job.

Modules
-------
counts      :class:`PairCounts`, the aggregated input, and per-model / per-pair tallies.
elo         the online Elo: the per-vote update replayed over votes in time order.
likelihood  the penalised Bradley-Terry NLL (tie models, position term, prior) and gradient.
solver      damped Newton's method batched over a rounds axis.
bt          :func:`bt_fit`, the Elo scale and the predicted head-to-head matrix.
intervals   covariances, interval bounds, rank ranges, P(best); the default interval.
bootstrap   resampling of the counts, refitted in batches.
resample    exact multinomial draws of cell counts, fast enough for 1000 rounds.
decision    the route's anytime-valid rule (a leader, a tolerance) and the board's tiers.
regret      anytime-valid regret bounds: how far each model may be below the best.
board       :func:`compute_board`, the one call the Django side makes per board.
style       style control: strengths at equal looks, and what each style feature is worth.
simulate    boards from known strengths (and looks) and the coverage of the interval methods.
"""

from __future__ import annotations

from .board import Board, compute_board
from .bootstrap import bootstrap_thetas
from .bt import BTFit, bt_fit, predicted_matrix, to_elo_scale
from .counts import PairCounts, count_matrix, model_totals, win_rate_matrix
from .elo import elo_online
from .intervals import (
    DEFAULT_INTERVAL,
    INTERVAL_METHODS,
    bt_covariance,
    competition_ranks,
    p_best,
    rank_intervals,
    theta_intervals,
)
from .likelihood import DEFAULT_PRIOR, TIE_MODELS
from .simulate import Coverage, interval_coverage, simulate_style_votes, simulate_votes
from .style import StyleFit, StyleRows, compute_style_board, style_fit

__all__ = [
    "DEFAULT_INTERVAL",
    "DEFAULT_PRIOR",
    "INTERVAL_METHODS",
    "TIE_MODELS",
    "BTFit",
    "Board",
    "Coverage",
    "PairCounts",
    "StyleFit",
    "StyleRows",
    "bootstrap_thetas",
    "bt_covariance",
    "bt_fit",
    "competition_ranks",
    "compute_board",
    "compute_style_board",
    "count_matrix",
    "elo_online",
    "interval_coverage",
    "model_totals",
    "p_best",
    "predicted_matrix",
    "rank_intervals",
    "simulate_style_votes",
    "simulate_votes",
    "style_fit",
    "theta_intervals",
    "to_elo_scale",
    "win_rate_matrix",
]
