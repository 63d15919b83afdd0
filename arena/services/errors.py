"""What the arena's services raise when a request cannot be done; ``status`` is the HTTP answer."""

from __future__ import annotations


class ArenaError(Exception):
    """A request the arena cannot do; nothing was changed."""

    status = 400


class VoteError(ArenaError):
    """A vote that cannot be taken."""


class BattleNotFound(VoteError):
    status = 404


class BattleNotOpen(VoteError):
    status = 409


class VoteConflict(VoteError):
    status = 409


class PromptError(ArenaError):
    """A typed prompt that cannot start a battle."""


class NoPairAvailable(PromptError):
    status = 409


class CategoryUnclear(PromptError):
    """The arena cannot tell a prompt's category well enough to file it alone."""


class NothingUnseen(ArenaError):
    """The voter has seen every output there is, and no new one can be made."""

    status = 409


class RateLimited(ArenaError):
    """Too many requests; ``retry_after`` is how many seconds until it is worth trying again."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
