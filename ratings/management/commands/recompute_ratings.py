"""manage.py recompute_ratings [CATEGORY]: recompute boards now and store new snapshots."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize
from tqdm import tqdm

from arena.models import Category
from ratings.selectors import UnknownBoard, board_category, board_slug
from ratings.services import leaderboard_recompute


class Command(BaseCommand):
    help = "Recompute the overall board and every category (or one board) from all votes."

    def add_arguments(self, parser):
        parser.add_argument("category", nargs="?", help="A category slug, or 'overall'.")
        parser.add_argument(
            "--elo", action="store_true", help="Replay the online Elo from the first vote."
        )

    def handle(self, *args, **options):
        if options["category"]:
            try:
                boards = [board_category(options["category"])]
            except UnknownBoard as exc:
                raise CommandError(str(exc)) from None
        else:
            boards = [None, *Category.objects.order_by("name")]
        for board in tqdm(
            boards, desc="Recomputing", unit=" boards", disable=None, file=self.stderr
        ):
            snapshot = leaderboard_recompute(category=board, elo_from_start=options["elo"])
            self.stdout.write(
                f"{board_slug(board)}: {snapshot.vote_count} vote{pluralize(snapshot.vote_count)}, "
                f"{snapshot.rows.filter(rated=True).count()} rated generators, "
                f"{snapshot.duration_ms} ms"
            )
