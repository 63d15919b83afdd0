"""Seed the demo: categories, curated prompts, built-in generators, logins, simulated votes and
ready battles."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from arena.demo_data import CATEGORIES, GENERATORS
from arena.models import Battle, Category, Prompt
from arena.services import battles_refill
from arena.services.demo import demo_votes_cast
from generation.models import Generator


class Command(BaseCommand):
    help = (
        "Seed demo categories, prompts, built-in generators and logins, cast simulated votes "
        "and fill the battle buffer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-arena")
        parser.add_argument("--admin-password", default="admin-arena")
        parser.add_argument(
            "--battles",
            type=int,
            default=None,
            help="Open battles per category (default: the buffer setting).",
        )
        parser.add_argument(
            "--votes",
            type=int,
            default=3000,
            help="Simulated votes the demo holds, from voters who follow the generators' "
            "hidden quality (default 3000; 0 for none). Only the missing ones are cast.",
        )

    def handle(self, *args, **options):
        created = self._seed()
        self.stdout.write(
            f"Categories {created['categories']} new, prompts {created['prompts']} new, "
            f"generators {created['generators']} new."
        )
        self._users(options)
        self._votes(options["votes"])
        self._battles(options["battles"])

    @transaction.atomic
    def _seed(self) -> dict[str, int]:
        counts = {"categories": 0, "prompts": 0, "generators": 0}
        for spec in CATEGORIES:
            category, new = Category.objects.get_or_create(
                slug=spec["slug"],
                defaults={"name": spec["name"], "description": spec["description"]},
            )
            counts["categories"] += new
            for text in spec["prompts"]:
                _, new = Prompt.objects.get_or_create(
                    text=text, category=category, defaults={"source": Prompt.Source.CURATED}
                )
                counts["prompts"] += new
        for spec in GENERATORS:
            _, new = Generator.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "provider": "builtin",
                    "model_id": spec["model_id"],
                    "parameters": spec["parameters"],
                    "price_per_output": Decimal(spec["price_per_output"]),
                },
            )
            counts["generators"] += new
        return counts

    def _users(self, options) -> None:
        users = get_user_model()
        voter, _ = users.objects.get_or_create(username=options["username"])
        voter.set_password(options["password"])
        voter.save()
        admin, _ = users.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.set_password(options["admin_password"])
        admin.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {voter.username} / {options['password']}   "
                f"(admin: admin / {options['admin_password']})"
            )
        )

    def _votes(self, count: int) -> None:
        if count < 0:
            raise CommandError("--votes must be 0 or more.")
        added = demo_votes_cast(count=count)
        if added:
            self.stdout.write(f"Simulated votes cast: {added}; recomputing the boards and Elo.")
            call_command("recompute_ratings", elo=True, stdout=self.stdout, stderr=self.stderr)

    def _battles(self, per_category: int | None) -> None:
        per_category = settings.ARENA_BATTLE_BUFFER if per_category is None else per_category
        categories = list(Category.objects.values_list("id", flat=True))
        for category_id in tqdm(categories, desc="Filling battles", unit="category", disable=None):
            battles_refill(category_id=category_id, buffer=per_category)
        ready = Battle.objects.filter(status=Battle.Status.READY).count()
        pending = Battle.objects.filter(status=Battle.Status.PENDING).count()
        message = f"Battles ready: {ready}"
        if pending:
            message += f", still generating: {pending} (workers are on it)"
        self.stdout.write(message)
