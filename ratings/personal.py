"""A voter's own board: the models ranked by their votes alone, beside the team's board. Read
on request, never stored: one voter's votes are few, and the engine fits them in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from arena.models import Category, Vote
from generation.models import Generator
from ratings.engine import PairCounts, compute_board
from ratings.selectors import snapshot_latest
from ratings.services.elo import SCORES
from ratings.services.recompute import engine_options, rated_votes

# A board of fewer votes than this says more about chance than about the voter.
PERSONAL_MIN_VOTES = 30


@dataclass(frozen=True)
class Agreement:
    """The voter's decisive votes on pairs the team board orders, and how many it agrees with."""

    decisive: int
    agreeing: int

    @property
    def share(self) -> float | None:
        return self.agreeing / self.decisive if self.decisive else None


@dataclass(frozen=True)
class PersonalBoard:
    votes: int  # the voter's votes on this board
    rows: list[dict]  # rated models by the voter's rank, with the team's rank beside
    agreement: Agreement
    team_computed_at: datetime | None  # when the team board compared with was computed


def personal_votes_total(voter) -> int:
    """The voter's votes cast in the arena and not voided: what opens their own board."""
    return Vote.objects.filter(voter=voter, voided_at__isnull=True).count()


def personal_board(*, voter, category: Category | None, kind: str) -> PersonalBoard:
    """The models ranked by this voter's votes on one board (a category, or overall)."""
    votes = list(
        rated_votes(category=category, kind=kind)
        .filter(voter=voter)
        .values_list("shown_left_id", "shown_right_id", "choice")
    )
    team = snapshot_latest(category=category, kind=kind)
    team_rows = {} if team is None else {r.generator_id: r for r in team.rows.filter(rated=True)}
    return PersonalBoard(
        votes=len(votes),
        rows=_ranked(votes, team_rows),
        agreement=_agreement(votes, team_rows),
        team_computed_at=None if team is None else team.computed_at,
    )


def _ranked(votes: list[tuple], team_rows: dict) -> list[dict]:
    """Bradley-Terry with intervals from the voter's votes, by the engine the boards use."""
    ids = sorted({gid for left, right, _ in votes for gid in (left, right)})
    if not ids:
        return []
    index = {gid: i for i, gid in enumerate(ids)}
    counts = PairCounts.from_votes(
        len(ids),
        np.array([index[left] for left, _, _ in votes]),
        np.array([index[right] for _, right, _ in votes]),
        np.array([SCORES[choice] for _, _, choice in votes]),
    )
    board = compute_board(counts, **engine_options())
    names = dict(Generator.objects.filter(id__in=ids).values_list("id", "name"))
    rows = [
        {
            "name": names[gid],
            "rank": int(board.rank[i]),
            "rank_lower": int(board.rank_lower[i]),
            "rank_upper": int(board.rank_upper[i]),
            "rating": float(board.rating[i]),
            "ci_lower": float(board.ci_lower[i]),
            "ci_upper": float(board.ci_upper[i]),
            "votes": int(board.votes[i]),
            "team_rank": getattr(team_rows.get(gid), "rank", None),
            "team_rating": getattr(team_rows.get(gid), "rating", None),
        }
        for i, gid in enumerate(ids)
    ]
    return sorted(rows, key=lambda row: (row["rank"], row["name"]))


def _agreement(votes: list[tuple], team_rows: dict) -> Agreement:
    """Of the voter's decisive votes on two models the team board rates apart, how many chose
    the one it predicts to win (the higher rated: above even odds by Bradley-Terry)."""
    rating = {gid: row.rating for gid, row in team_rows.items() if row.rating is not None}
    decisive = agreeing = 0
    for left, right, choice in votes:
        if choice not in (Vote.Choice.LEFT, Vote.Choice.RIGHT):
            continue
        if left not in rating or right not in rating or rating[left] == rating[right]:
            continue
        winner, loser = (left, right) if choice == Vote.Choice.LEFT else (right, left)
        decisive += 1
        agreeing += rating[winner] > rating[loser]
    return Agreement(decisive, agreeing)
