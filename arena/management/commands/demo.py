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

from arena.demo_data import (
    CATEGORIES,
    EDIT_CATEGORIES,
    GENERATORS,
    LOGO_VOTES,
    LOGO_VOTES_SEED,
)
from arena.models import Battle, Category, Kind, Prompt
from arena.services import battles_refill, edit_prompt_create
from arena.services.demo import demo_votes_cast
from generation.models import Generator
from generation.providers import get_provider_class

# How the built-in provider draws the demo's source images: plain, legible, unlike any editor.
SOURCE_PARAMETERS = {"layout": "centered", "palette": "mono", "text_quality": 1.0, "size": 384}
# What a demo generator takes from its spec as it is.
GENERATOR_FIELDS = ("name", "model_id", "parameters", "capabilities", "edit_parameters")


def _older_demo(generator: Generator, spec: dict) -> bool:
    """Whether a generator is an older demo's (no note, or an older truth), to be brought to
    this demo's parameters; one with this demo's note keeps whatever else an admin changed."""
    if generator.provider != "builtin":
        return False
    note = generator.parameters.get("note")
    return note is None or (note.startswith("Demo truth") and note != spec["parameters"]["note"])


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
        parser.add_argument(
            "--logo-votes",
            type=int,
            default=LOGO_VOTES,
            help="More simulated votes on the logos only, wordmarks and symbols alike, so that "
            f"the prompt route can tell them apart (default {LOGO_VOTES}; none when --votes "
            "is 0).",
        )

    def handle(self, *args, **options):
        created = self._seed()
        edits = self._seed_edits()
        self.stdout.write(
            f"Categories {created['categories']} new, prompts {created['prompts']} new, "
            f"generators {created['generators']} new, edit prompts {edits} new."
        )
        self._users(options)
        self._votes(options["votes"], options["logo_votes"])
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
            generator, new = Generator.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    **{field: spec[field] for field in GENERATOR_FIELDS},
                    "provider": "builtin",
                    "price_per_output": Decimal(spec["price_per_output"]),
                },
            )
            counts["generators"] += new
            if not new and _older_demo(generator, spec):
                generator.parameters = spec["parameters"]
                generator.save(update_fields=["parameters"])
        return counts

    @transaction.atomic
    def _seed_edits(self) -> int:
        """Edit categories, and their prompts with source images the built-in provider draws."""
        painter = get_provider_class("builtin")(model_id="builtin-demo-source")
        count = 0
        for spec in EDIT_CATEGORIES:
            category, _ = Category.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "description": spec["description"],
                    "kind": Kind.EDIT,
                },
            )
            for scene, instruction in spec["prompts"]:
                if Prompt.objects.filter(text=instruction, category=category).exists():
                    continue
                source = painter.generate(scene, SOURCE_PARAMETERS).content
                edit_prompt_create(text=instruction, category=category, image=source)
                count += 1
        return count

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

    def _votes(self, count: int, logos: int) -> None:
        if count < 0:
            raise CommandError("--votes must be 0 or more.")
        if logos < 0:
            raise CommandError("--logo-votes must be 0 or more.")
        added = demo_votes_cast(count=count)
        if count:
            added += demo_votes_cast(count=logos, seed=LOGO_VOTES_SEED, categories=["logos"])
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
