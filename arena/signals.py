"""Signals the arena sends to the rooms built on it (ratings), which it may not import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a void has committed, with ``vote_id`` and ``category_id`` (None: no category).
# Ratings rebuilds the online Elo and recomputes the boards the vote was counted on.
vote_voided = Signal()

# Sent once a new vote has committed (never for a retry of one already stored), with
# ``vote_id`` and ``category_id`` (None: no category), by :func:`arena.services.vote_cast`.
# Ratings schedules the recompute of the vote's board, which moves the online Elo.
vote_recorded = Signal()
