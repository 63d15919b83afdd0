"""manage.py vote_plan [--json]: where votes are needed, per category."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from ratings.vote_plan import vote_plan


class Command(BaseCommand):
    help = (
        "Per category: settled / deciding / no data, the votes still needed (estimate), "
        "its share of the next votes, and the pairs the matchmaker favours and why."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON instead of text.")
        parser.add_argument("--pairs", type=int, default=5, help="Favoured pairs per category.")

    def handle(self, *args, **options):
        plans = vote_plan(pairs=max(options["pairs"], 0))
        if options["json"]:
            self.stdout.write(json.dumps(plans, indent=2))
            return
        self.stdout.write(
            f"pairing {settings.ARENA_PAIRING}, "
            f"exploration {settings.ARENA_PAIRING_EXPLORATION:.0%}"
        )
        for plan in plans:
            needed = plan["votes_needed"]
            needed = "no estimate" if needed is None else f"about {needed} more needed"
            self.stdout.write(
                f"\n{plan['category']}: {plan['state']}, {plan['votes']} votes, {needed}, "
                f"{plan['vote_share']:.1%} of the next votes "
                f"(routing weight {plan['routing_weight']:g})"
            )
            bound = plan["regret_bound"]
            bound = "no regret bound yet" if bound is None else f"regret bound {bound:g} points"
            self.stdout.write(f"  tolerance {plan['tolerance']:g} points, {bound}")
            self.stdout.write(f"  why: {plan['reason']}")
            if plan["placing"]:
                self.stdout.write(f"  placing: {', '.join(plan['placing'])}")
            for pair in plan["pairs"]:
                a, b = pair["pair"]
                self.stdout.write(f"  {a} vs {b}: {pair['share']:.1%}  {pair['why']}")
