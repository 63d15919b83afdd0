"""Reads of the ratings app: boards, their newest snapshots, their rows."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from django.utils.crypto import salted_hmac

from arena.models import Category, Kind, Vote, VoterStanding
from generation.sources import source_hash
from ratings.battles_io import battle_record
from ratings.models import EloRating, Snapshot, SnapshotRow

OVERALL = "overall"
NO_CONTROL, STYLE = "none", "style"
CONTROLS = (NO_CONTROL, STYLE)
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


class UnknownBoard(LookupError):
    pass


def board_category(slug: str | None) -> Category | None:
    """The category of a board slug; ``overall`` (or nothing) is the board of all votes."""
    if slug in (None, "", OVERALL):
        return None
    category = Category.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if category is None:
        known = ", ".join([OVERALL, *Category.objects.values_list("slug", flat=True)])
        raise UnknownBoard(f"Unknown category {slug!r}; known: {known}.")
    return category


def board_slug(category: Category | None) -> str:
    return OVERALL if category is None else category.slug


def board_name(category: Category | None, kind: str) -> str:
    """A board as messages name it: its category's slug, or the overall board with its kind."""
    return f"overall ({kind})" if category is None else category.slug


def board_kind(category: Category | None, kind: str | None) -> str:
    """The kind of a board: a category's own; for the overall board, the one asked (default
    generation). A kind that contradicts the category's is refused."""
    if kind is not None and kind not in Kind.values:
        raise UnknownBoard(f"Unknown kind {kind!r}; use one of: {', '.join(Kind.values)}.")
    if category is None:
        return kind or Kind.GENERATE
    if kind is not None and kind != category.kind:
        raise UnknownBoard(f"{category.slug!r} is a {category.kind} board, not {kind}.")
    return category.kind


def rating_points(parameters: dict | None) -> float:
    """Rating points per natural-log unit of strength, on a snapshot's Elo scale."""
    parameters = parameters or {}
    return parameters.get("scale", 400.0) / math.log(parameters.get("base", 10.0))


def board_snapshots(*, category: Category | None, kind: str = Kind.GENERATE):
    """The plain snapshots of one board: a category's, or the overall board of one kind."""
    if category is not None:
        return Snapshot.objects.filter(category=category)
    return Snapshot.objects.filter(category__isnull=True, kind=kind)


def snapshot_latest(
    *, category: Category | None, kind: str = Kind.GENERATE, control: str = NO_CONTROL
) -> Snapshot | None:
    """The newest snapshot of a board, without its matrices; with ``control="style"`` the
    style-controlled one stored beside it (None: too few votes with measured outputs)."""
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {CONTROLS}, got {control!r}")
    plain = (
        board_snapshots(category=category, kind=kind)
        .defer("matrices")
        .order_by("-computed_at", "-id")
        .first()
    )
    if plain is None or control == NO_CONTROL:
        return plain
    return Snapshot.with_controlled.defer("matrices").filter(plain=plain).first()


class TooFewStyleVotes(LookupError):
    """A style-controlled board was asked for, and its board had too few measured votes."""


def snapshot_in_view(*, category: Category | None, kind: str, control: str) -> Snapshot | None:
    """The newest snapshot of a board as asked, plain or style-controlled (None: none yet);
    ``TooFewStyleVotes`` says why there is no style-controlled one."""
    plain = snapshot_latest(category=category, kind=kind)
    if plain is None or control == NO_CONTROL:
        return plain
    controlled = snapshot_latest(category=category, kind=kind, control=control)
    if controlled is None:
        votes, needed = style_votes(plain)
        name = board_name(category, kind)
        raise TooFewStyleVotes(
            f"Too few votes with measured outputs for a style-controlled board of {name!r}: "
            f"{votes} of the {needed or 'needed'} votes whose battles have both outputs' styles "
            "measured. The plain board counts every vote."
        )
    return controlled


def style_votes(plain: Snapshot) -> tuple[int, int]:
    """Votes a plain snapshot's board had with both outputs' styles measured, and how many a
    style-controlled board needed then."""
    counted = (plain.parameters or {}).get("style", {})
    return counted.get("votes", 0), counted.get("min_votes", 0)


def snapshot_rows(snapshot: Snapshot) -> list[SnapshotRow]:
    """Rated rows by rank, then unrated ones by name."""
    rows = list(snapshot.rows.select_related("generator"))
    return sorted(rows, key=lambda r: (not r.rated, r.rank or 0, r.generator.name))


def elo_board(*, category: Category | None) -> list[EloRating]:
    return list(
        EloRating.objects.filter(category=category)
        .select_related("generator")
        .order_by("-rating", "generator__name")
    )


def judge_pseudonym(name: str) -> str:
    """A stable stand-in for a voter's name, keyed by SECRET_KEY so it cannot be reversed by
    hashing a list of usernames; the same voter has the same pseudonym in every export."""
    if not name:
        return ""
    return "judge-" + salted_hmac("arena.export.judge", name).hexdigest()[:16]


def battle_records(*, category: Category | None, names: bool = False) -> Iterator[dict]:
    """Votes in id order as public-format records, streamed in chunks.

    Judges are pseudonymised unless ``names`` is given (staff only, decided by the caller).
    """
    judge_of = (lambda name: name) if names else judge_pseudonym
    votes = Vote.objects.order_by("id")
    if category is not None:
        votes = votes.filter(category=category)
    fields = (
        "shown_left__name", "shown_right__name", "choice", "category__slug", "created_at",
        "judge", "voter__username", "question_id", "battle__prompt_id",
        "battle__prompt__source_image", "import_key", "battle__token",
    )  # fmt: skip
    for row in votes.values_list(*fields).iterator(chunk_size=2000):
        left, right, choice, slug, created, judge, username, question, prompt_id, source = row[:10]
        import_key, token = row[10:]
        yield battle_record(
            model_a=left,
            model_b=right,
            choice=choice,
            category=slug,
            tstamp=created,
            judge=judge_of(judge or username or ""),
            question_id=question or (str(prompt_id) if prompt_id else ""),
            source_sha256=source_hash(source or ""),
            # A vote cast here is named by its battle's token: one vote a battle, and the
            # token opens the battle to its own voter only. An imported vote keeps its key.
            uid=import_key or str(token),
        )


def rating_history(
    *, category: Category | None, kind: str, generator_ids: list[int], snapshots: int = 100
):
    """(computed_at, generator id, rating) of the newest ``snapshots`` snapshots of a board."""
    ids = list(
        board_snapshots(category=category, kind=kind)
        .order_by("-computed_at", "-id")
        .values_list("id", flat=True)[:snapshots]
    )
    return (
        SnapshotRow.objects.filter(
            snapshot_id__in=ids, generator_id__in=generator_ids, rating__isnull=False
        )
        .order_by("snapshot__computed_at")
        .values_list("snapshot__computed_at", "generator_id", "rating")
    )


def voter_audit() -> list[dict]:
    """Every voter's standing as the rater audit shows it, strongest evidence first."""
    rows = VoterStanding.objects.select_related("voter", "suspect").order_by(
        "-evidence", "voter_id"
    )
    return [
        {
            "voter": row.voter.get_username(),
            "votes": row.votes,
            "state": row.state,
            "tested_state": row.tested_state,
            "by_hand": row.by_hand,
            "set_by": row.set_by_name or None,
            "hand_reason": row.hand_reason or None,
            "reasons": ([f"by hand: {row.hand_reason}"] if row.by_hand else []) + row.reasons,
            "evidence": round(row.evidence, 4),
            "e_values": row.e_values,
            "decoys_passed": row.decoys_passed,
            "decoys_checked": row.decoys_checked,
            "left_share": row.left_share,
            "agreement": row.agreement,
            "expected_agreement": row.expected_agreement,
            "median_time_ms": row.median_time_ms,
            "suspect": row.suspect.name if row.suspect is not None else None,
        }
        for row in rows
    ]
