"""manage.py measure_styles: measure the style of outputs stored before styles were measured."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from generation.style import output_styles_fill, unmeasured_outputs


class Command(BaseCommand):
    help = (
        "Measure the style features (colourfulness, saturation, contrast, brightness, "
        "sharpness, detail; preservation for edits) of stored outputs that have none yet. "
        "New outputs are measured when they are stored; running this again measures nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="Measure at most this many outputs.")

    def handle(self, *args, **options):
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be 1 or more.")
        total = unmeasured_outputs().count()
        total = total if limit is None else min(total, limit)
        stored = failed = 0
        for ok in tqdm(
            output_styles_fill(limit=limit),
            total=total,
            desc="Measuring styles",
            unit=" outputs",
            disable=None,
            file=self.stderr,
        ):
            stored += ok
            failed += not ok
        message = f"Styles measured: {stored}."
        if failed:
            message += f" Not measured (unreadable, see the log): {failed}."
        self.stdout.write(message)
