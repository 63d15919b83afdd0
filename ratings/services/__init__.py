"""Writes of the ratings app: online Elo, recomputes, battle files."""

from __future__ import annotations

from ratings.services.elo import elo_apply, elo_lock, elo_rebuild, vote_score
from ratings.services.recompute import board_aggregate, engine_options, leaderboard_recompute
from ratings.services.schedule import board_is_current, board_key, boards_behind, ratings_schedule

__all__ = [
    "board_aggregate",
    "board_is_current",
    "board_key",
    "boards_behind",
    "elo_apply",
    "elo_lock",
    "elo_rebuild",
    "engine_options",
    "leaderboard_recompute",
    "ratings_schedule",
    "vote_score",
]
