"""manage.py rater_audit [--json]: every voter's standing, the tests behind it and why."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from arena.core.queue import enqueue
from ratings.selectors import voter_audit
from ratings.services.raters import standings_refresh
from ratings.tasks import ratings_recompute_stale

COLUMNS = ("voter", "votes", "decoys", "left_share", "agreement", "team", "median_s", "state")


def _share(value) -> str:
    return "-" if value is None else f"{value:.0%}"


class Command(BaseCommand):
    help = "Run the voters' tests and print each voter's standing (the rater audit)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="One JSON list of voters.")
        parser.add_argument(
            "--no-refresh", action="store_true", help="Print the stored standings as they are."
        )

    def handle(self, *args, **options):
        if not options["no_refresh"] and standings_refresh():
            enqueue(ratings_recompute_stale)  # the boards now count other votes
        rows = voter_audit()
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No voter has voted or answered a decoy yet.")
            return
        self.stdout.write("  ".join(f"{c:>10}" for c in COLUMNS) + "  why")
        for row in rows:
            decoys = f"{row['decoys_passed']}/{row['decoys_checked']}"
            median = row["median_time_ms"]
            cells = (row["voter"], row["votes"], decoys, _share(row["left_share"]),
                     _share(row["agreement"]), _share(row["expected_agreement"]),
                     "-" if median is None else f"{median / 1000:.1f}",
                     row["state"] + (" (hand)" if row["by_hand"] else ""))  # fmt: skip
            why = "; ".join(row["reasons"]) or "-"
            self.stdout.write("  ".join(f"{c!s:>10}" for c in cells) + f"  {why}")
