"""Pure-maths ratings engine: online Elo, Bradley-Terry fits, uncertainty, leaderboards.

Only the standard library, numpy and scipy are imported below this package (a test parses
every module to prove it); models are integer indices and mapping generators to indices is the
ratings app's job. :func:`compute_board` (:mod:`.board`) is the one call the Django side makes
per board, :func:`compute_style_board` (:mod:`.style`) the style-controlled one; the route's
maths is in :mod:`.decision`, :mod:`.regret`, :mod:`.pairing`, :mod:`.flip` and :mod:`.local`,
the voters' tests in :mod:`.raters`.
"""

from __future__ import annotations

from .board import Board, compute_board
from .bootstrap import bootstrap_thetas
from .bt import bt_fit, predicted_matrix, to_elo_scale
from .counts import PairCounts, count_matrix, model_totals, win_rate_matrix
from .elo import elo_online
from .intervals import DEFAULT_INTERVAL, bt_covariance, competition_ranks, p_best, rank_intervals
from .likelihood import DEFAULT_PRIOR
from .simulate import interval_coverage, simulate_style_votes, simulate_votes
from .style import StyleFit, StyleRows, compute_style_board, style_fit

__all__ = [
    "DEFAULT_INTERVAL",
    "DEFAULT_PRIOR",
    "Board",
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
    "to_elo_scale",
    "win_rate_matrix",
]
