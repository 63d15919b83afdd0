"""manage.py leaderboard [CATEGORY] [--method bt|elo] [--control none|style] [--json]: print a
stored board."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from arena.models import Kind
from generation.models import Generator
from ratings.selectors import (
    CONTROLS,
    NO_CONTROL,
    STYLE,
    TooFewStyleVotes,
    UnknownBoard,
    board_category,
    board_kind,
    board_slug,
    elo_board,
    snapshot_in_view,
    snapshot_rows,
)
from ratings.services.elo import elo_of
from ratings.services.recompute import rated_votes

FIELDS = ["generator", "rating", "ci_lower", "ci_upper", "rank_lower", "rank_upper", "tier",
          "p_best", "elo", "votes"]  # fmt: skip


def _round(value, digits=1):
    return None if value is None else round(value, digits)


class Command(BaseCommand):
    help = "Print the newest stored leaderboard of a board ('overall' when no category)."

    def add_arguments(self, parser):
        parser.add_argument("category", nargs="?", default="overall")
        parser.add_argument(
            "--kind", choices=Kind.values, help="Overall: generate (default), edit."
        )
        parser.add_argument("--method", choices=["bt", "elo"], default="bt")
        parser.add_argument(
            "--control",
            choices=CONTROLS,
            default=NO_CONTROL,
            help="style: the style-controlled board, with what each style feature is worth.",
        )
        parser.add_argument("--json", action="store_true", help="JSON rows instead of a table.")

    def handle(self, *args, **options):
        try:
            category = board_category(options["category"])
            kind = board_kind(category, options["kind"])
        except UnknownBoard as exc:
            raise CommandError(str(exc)) from None
        if options["method"] == "elo":
            rows = self._elo_rows(category, kind)
            position = None
        else:
            snapshot = self._snapshot(category, kind, options["control"])
            rows = [self._bt_row(r) for r in snapshot_rows(snapshot)]
            position = snapshot.position
        if options["json"]:
            self.stdout.write(json.dumps(self._with_position(rows, position), indent=2))
        else:
            self._table(rows, position)
            if options["method"] == "bt" and options["control"] == STYLE:
                self._effects(snapshot)

    def _snapshot(self, category, kind: str, control: str):
        try:
            snapshot = snapshot_in_view(category=category, kind=kind, control=control)
        except TooFewStyleVotes as exc:
            raise CommandError(str(exc)) from None
        if snapshot is None:
            raise CommandError(
                f"No snapshot of {board_slug(category)} yet: run manage.py recompute_ratings."
            )
        return snapshot

    def _effects(self, snapshot) -> None:
        self.stdout.write("What voters reward here (rating points per SD, 95% interval):")
        for effect in snapshot.parameters["style"]["features"]:
            if effect["points"] is None:
                self.stdout.write(f"  {effect['label']}: did not vary")
                continue
            self.stdout.write(
                f"  {effect['label']}: {effect['points']:+.1f} "
                f"({effect['lower']:+.1f} to {effect['upper']:+.1f})"
            )

    def _elo_rows(self, category, kind: str) -> list[dict]:
        if category is not None:
            ranked = [(r.generator.name, r) for r in elo_board(category=category)]
        else:
            # The overall board of a kind keeps no rows: its votes replayed, as the recompute does.
            replayed = elo_of(rated_votes(category=None, kind=kind))
            names = dict(Generator.objects.filter(id__in=replayed).values_list("id", "name"))
            rows = [(names[gid], r) for gid, r in replayed.items()]
            ranked = sorted(rows, key=lambda item: (-item[1].rating, item[0]))
        return [
            {"generator": name, "elo": _round(r.rating), "votes": r.votes} for name, r in ranked
        ]

    def _bt_row(self, row) -> dict:
        return {
            "generator": row.generator.name,
            "rating": _round(row.rating),
            "ci_lower": _round(row.ci_lower),
            "ci_upper": _round(row.ci_upper),
            "rank_lower": row.rank_lower,
            "rank_upper": row.rank_upper,
            "tier": row.tier,
            "p_best": _round(row.p_best, 3),
            "elo": _round(row.elo),
            "votes": row.votes,
        }

    def _with_position(self, rows: list[dict], position: float | None) -> list[dict]:
        if position is None:
            return rows
        return [{**row, "position": round(position, 1)} for row in rows]

    def _table(self, rows: list[dict], position: float | None) -> None:
        columns = [c for c in FIELDS if any(c in row for row in rows)] or ["generator"]
        cells = [
            [("-" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows
        ]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
        self.stdout.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for row in cells:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
        if position is not None:
            self.stdout.write(f"Left-side advantage: {position:+.1f} rating points")
