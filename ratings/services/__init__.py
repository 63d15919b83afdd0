"""Writes of the ratings app: recomputes (with the online Elo), battle files."""

from __future__ import annotations

from ratings.services.elo import elo_replay
from ratings.services.recompute import board_aggregate, engine_options, leaderboard_recompute
from ratings.services.schedule import board_is_current, board_key, boards_behind, ratings_schedule

__all__ = ["board_aggregate", "board_is_current", "board_key", "boards_behind", "elo_replay",
           "engine_options", "leaderboard_recompute", "ratings_schedule"]  # fmt: skip
