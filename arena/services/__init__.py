"""Writes of the arena app: battles and votes."""

from __future__ import annotations

from arena.services.battles import (
    battle_assign_next,
    battle_create,
    battles_refill,
    battles_settle,
    generations_requeue_stalled,
)
from arena.services.votes import (
    BattleNotFound,
    BattleNotOpen,
    VoteConflict,
    VoteError,
    vote_cast,
)

__all__ = [
    "BattleNotFound",
    "BattleNotOpen",
    "VoteConflict",
    "VoteError",
    "battle_assign_next",
    "battle_create",
    "battles_refill",
    "battles_settle",
    "generations_requeue_stalled",
    "vote_cast",
]
