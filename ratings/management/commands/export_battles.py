"""manage.py export_battles: every vote as a line of the public arena battle format."""

from __future__ import annotations

import contextlib
import json

from django.core.management.base import BaseCommand, CommandError

from ratings.selectors import UnknownBoard, battle_records, board_category


class Command(BaseCommand):
    help = "Write votes as JSON lines (model_a, model_b, winner, category, tstamp, judge, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="File to write; - for stdout.")
        parser.add_argument("--category", help="Only this category's votes (a slug).")
        parser.add_argument(
            "--judge-names",
            action="store_true",
            help="Write voters' names; by default each is a stable keyed pseudonym.",
        )

    def handle(self, *args, **options):
        try:
            category = board_category(options["category"])
        except UnknownBoard as exc:
            raise CommandError(str(exc)) from None
        path = options["output"]
        target = (
            contextlib.nullcontext(self.stdout)
            if path == "-"
            else open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the with below
        )
        count = 0
        with target as out:
            for record in battle_records(category=category, names=options["judge_names"]):
                out.write(json.dumps(record) + "\n")
                count += 1
        self.stderr.write(f"Exported {count} battles.")
