"""manage.py route_eval [--category SLUG] [--split 0.8] [--tolerance POINTS]: would routing by
prompt have done better on the newer votes than routing by category? (ratings.route_eval)"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from arena.models import Category
from ratings.route_eval import category_eval, wilson


class Command(BaseCommand):
    help = (
        "Fit the category board and the prompt route on the older votes, test them on the "
        "newer: held-out log-loss, and how often the prompt route's pick won where it differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--category", help="One category's slug (default: every one).")
        parser.add_argument("--split", type=float, default=0.8, help="Share of older votes.")
        parser.add_argument("--tolerance", type=float, help="Rating points (default: route's).")

    def handle(self, *args, category=None, split=0.8, tolerance=None, **options):
        if not 0.0 < split < 1.0:
            raise CommandError("--split must lie strictly between 0 and 1.")
        if tolerance is not None and not 0.0 <= tolerance <= 1000.0:
            raise CommandError("--tolerance must be from 0 to 1000 rating points.")
        categories = Category.objects.order_by("slug")
        if category is not None:
            categories = categories.filter(slug=category)
            if not categories.exists():
                raise CommandError(f"There is no category {category!r}.")
        self.stdout.write(
            "category | fit/test votes | log-loss category | log-loss prompt | prompt - category "
            "(95%) | prompt basis | picks differ | battles | prompt pick won (95%)"
        )
        for each in categories:
            result = category_eval(each, split=split, tolerance=tolerance)
            if result is None:
                self.stdout.write(f"{each.slug} | too few votes with their prompt to split")
                continue
            self.stdout.write(_line(result))


def _line(r) -> str:
    low, high = r.difference_interval
    won = "n/a"
    if r.battles:
        lo, hi = wilson(r.wins, r.battles)
        won = f"{r.win_rate:.3f} ({lo:.3f}-{hi:.3f})"
    return (
        f"{r.category} | {r.train}/{r.test} | {r.log_loss_category:.4f} | "
        f"{r.log_loss_prompt:.4f} | {low:+.4f} to {high:+.4f} | {r.prompt_basis} | "
        f"{r.picks_differ} | {r.battles} | {won}"
    )
