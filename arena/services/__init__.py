"""Writes of the arena app: battles, claims, votes and voters' own prompts."""

from __future__ import annotations

from arena.services.battles import (
    battle_create,
    battles_refill,
    battles_settle,
    generations_requeue_stalled,
)
from arena.services.claims import (
    battle_assign_next,
    battle_hold_next,
    battle_mark_shown,
    battle_open_requested,
)
from arena.services.edits import edit_prompt_create
from arena.services.errors import (
    ArenaError,
    BattleNotFound,
    BattleNotOpen,
    CategoryUnclear,
    NoPairAvailable,
    NothingUnseen,
    PromptError,
    RateLimited,
    VoteConflict,
    VoteError,
)
from arena.services.limits import daily_cap_check
from arena.services.prompts import source_check, voter_battle_start, voter_prompt_retry
from arena.services.void import vote_void
from arena.services.votes import vote_cast

__all__ = [
    "ArenaError",
    "BattleNotFound",
    "BattleNotOpen",
    "CategoryUnclear",
    "NoPairAvailable",
    "NothingUnseen",
    "PromptError",
    "RateLimited",
    "VoteConflict",
    "VoteError",
    "battle_assign_next",
    "battle_create",
    "battle_hold_next",
    "battle_mark_shown",
    "battle_open_requested",
    "battles_refill",
    "battles_settle",
    "daily_cap_check",
    "edit_prompt_create",
    "generations_requeue_stalled",
    "source_check",
    "vote_cast",
    "vote_void",
    "voter_battle_start",
    "voter_prompt_retry",
]
