"""manage.py recompute_ratings [CATEGORY]: recompute boards now and store new snapshots."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize
from tqdm import tqdm

from arena.models import Category, Kind
from ratings.selectors import UnknownBoard, board_category, board_kind, board_name
from ratings.services import leaderboard_recompute


class Command(BaseCommand):
    help = "Recompute both overall boards and every category (or one board) from all votes."

    def add_arguments(self, parser):
        parser.add_argument("category", nargs="?", help="A category slug, or 'overall'.")
        parser.add_argument("--kind", choices=Kind.values, help="Of overall: generate, edit.")
        parser.add_argument(
            "--elo", action="store_true", help="Replay the online Elo from the first vote."
        )

    def handle(self, *args, **options):
        try:
            boards = self._boards(options["category"], options["kind"])
        except UnknownBoard as exc:
            raise CommandError(str(exc)) from None
        for board, kind in tqdm(
            boards, desc="Recomputing", unit=" boards", disable=None, file=self.stderr
        ):
            snapshot = leaderboard_recompute(
                category=board, kind=kind, elo_from_start=options["elo"]
            )
            name = board_name(board, kind)
            self.stdout.write(
                f"{name}: {snapshot.vote_count} vote{pluralize(snapshot.vote_count)}, "
                f"{snapshot.rows.filter(rated=True).count()} rated generators, "
                f"{snapshot.duration_ms} ms"
            )

    def _boards(self, slug: str | None, kind: str | None) -> list[tuple]:
        """(category, kind) of each board to recompute; both overall boards unless one asked."""
        if slug:
            category = board_category(slug)
            if category is not None or kind is not None:
                return [(category, board_kind(category, kind))]
            return [(None, of) for of in Kind.values]
        categories = Category.objects.order_by("name")
        return [(None, of) for of in Kind.values] + [(c, c.kind) for c in categories]
