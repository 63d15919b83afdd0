"""Recomputing a board: one grouped SQL query, the engine, one stored snapshot."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate

from arena.models import Category, Kind, Vote
from arena.selectors import votes_of_kind
from generation.models import Generator
from generation.selectors import generator_stats
from ratings.engine import PairCounts, compute_board
from ratings.models import Snapshot, SnapshotRow
from ratings.selectors import board_name, board_snapshots
from ratings.services.elo import elo_of, elo_replay
from ratings.services.prompt_index import prompt_index_store
from ratings.services.raters import counted_voters, excluded_voter_votes
from ratings.services.style import StyleBoard, style_board

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoardVotes:
    """Votes of one board aggregated per ordered (left, right) pair."""

    generator_ids: list[int]
    counts: PairCounts
    vote_count: int
    last_vote_id: int | None


def _board(category: Category | None, kind: str | None):
    if category is not None:
        return Vote.objects.filter(category=category)
    # No kind: every vote of both kinds.
    return Vote.objects.all() if kind is None else votes_of_kind(kind)


def rated_votes(*, category: Category | None, kind: str | None = None) -> Vote.objects.__class__:
    """The votes a board counts, in its ratings and its online Elo alike: not voided, less
    "both bad" and flagged ones when they are dropped."""
    votes = counted_voters(_board(category, kind).filter(voided_at__isnull=True))
    if settings.RATINGS_BOTH_BAD == "drop":
        votes = votes.exclude(choice=Vote.Choice.BOTH_BAD)
    if settings.RATINGS_FLAGGED == "drop":
        votes = votes.filter(flagged=False)
    return votes


def votes_excluded(*, category: Category | None, kind: str) -> dict:
    """How many of a board's votes its ratings leave out, by reason; a vote is counted once,
    under the first of: void, flagged, its voter excluded (with the voters' reasons), "both
    bad"."""
    live = Q(voided_at__isnull=True)
    board = _board(category, kind)
    counts = board.aggregate(
        void=Count("id", filter=~live), flagged=Count("id", filter=live & Q(flagged=True))
    )
    kept = board.filter(live)
    if settings.RATINGS_FLAGGED == "drop":
        kept = kept.filter(flagged=False)
    else:
        counts["flagged"] = 0
    voters = excluded_voter_votes(kept)
    both_bad = 0
    if settings.RATINGS_BOTH_BAD == "drop":
        both_bad = counted_voters(kept).filter(choice=Vote.Choice.BOTH_BAD).count()
    return {
        **counts,
        "both_bad": both_bad,
        "voter": voters["votes"],
        "voter_reasons": voters["reasons"],
    }


def board_aggregate(*, category: Category | None, kind: str = Kind.GENERATE) -> BoardVotes:
    """Pair counts of a board from one GROUP BY query; generators without votes are included."""
    cells = list(
        rated_votes(category=category, kind=kind)
        .values("shown_left_id", "shown_right_id")
        .annotate(
            left_wins=Count("id", filter=Q(choice=Vote.Choice.LEFT)),
            right_wins=Count("id", filter=Q(choice=Vote.Choice.RIGHT)),
            ties=Count("id", filter=Q(choice__in=[Vote.Choice.TIE, Vote.Choice.BOTH_BAD])),
            last=Max("id"),
        )
        .order_by()
    )
    voted = {c["shown_left_id"] for c in cells} | {c["shown_right_id"] for c in cells}
    # Unvoted generators are listed as unrated where they can be drawn: by the board's kind.
    capable = [kind, Generator.Capability.BOTH]
    enabled = Generator.objects.filter(enabled=True, capabilities__in=capable)
    enabled = set(enabled.values_list("id", flat=True))
    generator_ids = sorted(voted | enabled)
    index = {gid: i for i, gid in enumerate(generator_ids)}

    def column(name: str, dtype=float) -> np.ndarray:
        return np.array([c[name] for c in cells], dtype=dtype)

    counts = PairCounts(
        n_models=len(generator_ids),
        left=np.array([index[c["shown_left_id"]] for c in cells], dtype=np.int64),
        right=np.array([index[c["shown_right_id"]] for c in cells], dtype=np.int64),
        left_wins=column("left_wins"),
        right_wins=column("right_wins"),
        ties=column("ties"),
    )
    total = int(sum(c["left_wins"] + c["right_wins"] + c["ties"] for c in cells))
    last = max((c["last"] for c in cells), default=None)
    return BoardVotes(generator_ids, counts, total, last)


def _elo(category: Category | None, kind: str, *, from_start: bool) -> dict[int, float]:
    """The online Elo shown on a board. A category's rows move on by its new votes; the
    overall board of a kind keeps no rows and is replayed from that kind's votes."""
    votes = rated_votes(category=category, kind=kind)
    if category is not None:
        return elo_replay(category=category, votes=votes, from_start=from_start)
    return {gid: row.rating for gid, row in elo_of(votes).items()}


def engine_options(**overrides) -> dict:
    """The engine's options from settings; a snapshot stores exactly these."""
    return {
        "method": "bt",
        "ties": settings.RATINGS_TIES,
        "position_bias": settings.RATINGS_POSITION_BIAS,
        "interval": settings.RATINGS_INTERVAL,
        "rounds": settings.RATINGS_BOOTSTRAP_ROUNDS,
        "seed": settings.RATINGS_SEED,
        "anchor": settings.RATINGS_ANCHOR,
        "scale": settings.RATINGS_ELO_SCALE,
        "base": settings.RATINGS_ELO_BASE,
        "prior": settings.RATINGS_PRIOR,
        "error_rate": settings.RATINGS_ERROR_RATE,
        **overrides,
    }


def leaderboard_recompute(
    *,
    category: Category | None,
    kind: str = Kind.GENERATE,
    elo_from_start: bool = False,
    **overrides,
) -> Snapshot:
    """Compute a board from all its votes and store it as a new snapshot. The online Elo moves on
    after the counts are read, so it counts every vote the snapshot does."""
    started = time.monotonic()
    kind = category.kind if category is not None else kind
    data = board_aggregate(category=category, kind=kind)
    options = engine_options(**overrides)
    board = compute_board(data.counts, **options)
    elo = _elo(category, kind, from_start=elo_from_start)
    excluded = votes_excluded(category=category, kind=kind)
    style = _style(category, kind, data, options)
    duration_ms = round((time.monotonic() - started) * 1000)
    with transaction.atomic():
        extra = {"style": style.summary()}
        snapshot = _store(category, kind, data, board, options, elo, duration_ms, excluded, extra)
        if style.board is not None:
            _store_style(snapshot, data, style, options, excluded)
    if category is not None:
        prompt_index_store(snapshot=snapshot, votes=rated_votes(category=category, kind=kind))
    logger.info(
        "recomputed %s: %d votes in %d ms",
        board_name(category, kind),
        data.vote_count,
        duration_ms,
    )
    return snapshot


def _style(category, kind: str, data: BoardVotes, options: dict) -> StyleBoard:
    """The style-controlled fit of the votes the plain board counted (ratings.services.style)."""
    votes = rated_votes(category=category, kind=kind).filter(id__lte=data.last_vote_id or 0)
    return style_board(votes=votes, kind=kind, generator_ids=data.generator_ids, options=options)


def _store_style(plain: Snapshot, data: BoardVotes, style: StyleBoard, options, excluded):
    """The style-controlled board, stored beside its plain snapshot (and deleted with it)."""
    votes = BoardVotes(data.generator_ids, style.fit.counts, style.votes, style.last_vote_id)
    extra = {"style": style.parameters()}
    return _store(
        plain.category, plain.kind, votes, style.board, options, {}, style.duration_ms,
        excluded, extra, plain=plain,
    )  # fmt: skip


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _integer(value) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


@transaction.atomic
def _store(category, kind, data, board, options, elo, duration_ms, excluded, extra, plain=None):
    parameters = {
        **board.params,
        "both_bad": settings.RATINGS_BOTH_BAD,
        "flagged": settings.RATINGS_FLAGGED,
        "excluded": excluded,
        **extra,
    }
    snapshot = Snapshot.objects.create(
        category=category,
        kind=kind,
        plain=plain,
        method=board.params["method"],
        parameters=parameters,
        seed=options["seed"],
        vote_count=data.vote_count,
        last_vote_id=data.last_vote_id,
        position=None if board.position is None else _number(board.position),
        tie_param=None if board.tie_param is None else _number(board.tie_param),
        matrices={
            "generators": data.generator_ids,
            "win_rate": _matrix(board.win_rate_matrix),
            "counts": _matrix(board.count_matrix),
            "predicted": _matrix(board.predicted_matrix),
            # Rating points squared; what the route's decision rests on (ratings.routing).
            "covariance": _matrix(board.covariance),
        },
        duration_ms=duration_ms,
    )
    stats = generator_stats()
    SnapshotRow.objects.bulk_create(
        [_row(snapshot, gid, board, i, elo, stats) for i, gid in enumerate(data.generator_ids)]
    )
    if plain is None:  # a style-controlled board goes with its plain one
        snapshots_prune(category=category, kind=kind)
    return snapshot


def snapshots_prune(*, category: Category | None, kind: str = Kind.GENERATE) -> int:
    """Thin a board's history: keep the newest RATINGS_SNAPSHOTS_KEPT, then one a day (the
    history plot and audits need recent detail and a daily trail); how many were deleted."""
    board = board_snapshots(category=category, kind=kind)
    recent = list(
        board.order_by("-computed_at", "-id").values_list("id", flat=True)[
            : settings.RATINGS_SNAPSHOTS_KEPT
        ]
    )
    daily = (
        board.annotate(day=TruncDate("computed_at"))
        .values("day")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    stale = board.exclude(id__in=recent).exclude(id__in=list(daily))
    deleted, _ = stale.delete()
    return deleted


def _row(
    snapshot: Snapshot, generator_id: int, board, i: int, elo: dict, stats: dict
) -> SnapshotRow:
    rated = bool(board.rated[i])
    own = stats.get(generator_id, {})
    return SnapshotRow(
        snapshot=snapshot,
        generator_id=generator_id,
        rated=rated,
        rating=_number(board.rating[i]) if rated else None,
        ci_lower=_number(board.ci_lower[i]) if rated else None,
        ci_upper=_number(board.ci_upper[i]) if rated else None,
        rank=_integer(board.rank[i]) if rated else None,
        rank_lower=_integer(board.rank_lower[i]) if rated else None,
        rank_upper=_integer(board.rank_upper[i]) if rated else None,
        p_best=_number(board.p_best[i]) if rated else None,
        tier=_integer(board.tier[i]) if rated else None,
        elo=elo.get(generator_id),
        votes=int(board.votes[i]),
        wins=float(board.wins[i]),
        losses=float(board.losses[i]),
        ties=float(board.ties[i]),
        median_latency_ms=own.get("median_latency_ms"),
        mean_cost=own.get("mean_cost"),
    )


def _matrix(values: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else round(float(v), 6) for v in row] for row in values]
