"""manage.py import_battles FILE: votes from a battles file in the public arena format."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from arena.models import Category, Kind
from ratings.services import leaderboard_recompute
from ratings.services.importer import BattlesFileError, battles_check, battles_import


class Command(BaseCommand):
    help = (
        "Import battles (JSON lines: model_a, model_b, winner, optional category, tstamp, judge, "
        "question_id, id). Creates missing generators and categories; model_a is the side shown "
        "left; identical lines without ids are separate battles; a line whose id is already "
        "here (imported, or this arena's own export) is skipped, so a second run of the same "
        "file adds nothing; a malformed line stops the import with its line number before "
        "anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the .jsonl file, or - for standard input.")
        parser.add_argument(
            "--no-recompute", action="store_true", help="Do not recompute the boards afterwards."
        )

    def handle(self, *args, **options):
        path = options["file"]
        if path == "-":
            raise CommandError("Read from a file: the import reads it twice (check, then write).")
        try:
            with open(path, encoding="utf-8") as stream, self._bar("Checking") as bar:
                checked = battles_check(stream, bar.update)
            with (
                open(path, encoding="utf-8") as stream,
                self._bar("Importing", checked.count) as bar,
            ):
                summary = battles_import(stream, checked=checked, progress=bar.update)
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except (BattlesFileError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}. Nothing was imported.") from None
        self.stdout.write(
            f"{summary.lines} battles read, {summary.created} new votes; "
            f"new generators: {len(summary.generators_created)}, "
            f"new categories: {len(summary.categories_created)}."
        )
        if summary.created and not options["no_recompute"]:
            self._recompute(summary.categories_touched)

    def _bar(self, label: str, total: int | None = None):
        return tqdm(total=total, desc=label, unit=" lines", disable=None, file=self.stderr)

    def _recompute(self, category_ids: list[int]) -> None:
        # Both overall boards: a line without a category is a generation, the others follow
        # their categories, and both overall boards are cheap next to reading the file.
        categories = Category.objects.filter(id__in=category_ids).order_by("name")
        boards = [(None, kind) for kind in Kind.values] + [(c, c.kind) for c in categories]
        for board, kind in tqdm(
            boards, desc="Recomputing", unit=" boards", disable=None, file=self.stderr
        ):
            leaderboard_recompute(category=board, kind=kind, elo_from_start=True)
        self.stdout.write(f"Recomputed {len(boards)} boards.")
