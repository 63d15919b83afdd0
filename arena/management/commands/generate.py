"""manage.py generate GENERATOR "PROMPT" [--category SLUG] [--json]: one generation, now."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from arena.models import PROMPT_MAX_LENGTH, Category, Prompt
from generation.concurrency import GeneratorBusy
from generation.models import Generation, Generator
from generation.selectors import generation_summary, generator_lookup
from generation.services import generation_run_now

LABELS = {
    "status": "status",
    "stored_at": "stored at",
    "text": "text",
    "latency_ms": "latency (ms)",
    "cost": "cost (USD)",
    "model_version": "model version",
    "error": "error",
}


class Command(BaseCommand):
    help = (
        "Run one generation in this process (no broker, no reuse) and print where its output "
        "is stored, its latency, cost, model version and any error. Exits 1 when it fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("generator", help="The generator's slug or name.")
        parser.add_argument("prompt", help="The prompt; stored as a curated prompt when new.")
        parser.add_argument("--category", help="Slug of the category a new prompt belongs to.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of lines.")

    def handle(self, *args, **options):
        generator = _generator(options["generator"])
        prompt = _prompt(options["prompt"].strip(), options["category"])
        if not generator.enabled:
            reason = generator.disabled_reason or "no reason given"
            self.stderr.write(f"note: {generator.name} is disabled ({reason})")
        try:
            generation = generation_run_now(generator=generator, prompt=prompt)
        except GeneratorBusy as exc:
            raise CommandError(f"{generator.name} is at its concurrency cap: {exc}") from None
        summary = generation_summary(generation)
        self.stdout.write(json.dumps(summary, indent=2) if options["json"] else _lines(summary))
        if generation.status != Generation.Status.SUCCEEDED:
            raise CommandError(f"generation failed: {generation.error}")


def _generator(identifier: str) -> Generator:
    generator = generator_lookup(identifier)
    if generator is None:
        known = ", ".join(Generator.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"No generator {identifier!r}; known slugs: {known}")
    return generator


def _prompt(text: str, category_slug: str | None) -> Prompt:
    if not text or len(text) > PROMPT_MAX_LENGTH:
        raise CommandError(f"The prompt must have 1 to {PROMPT_MAX_LENGTH} characters.")
    category = None
    if category_slug:
        category = Category.objects.filter(slug=category_slug).first()
        if category is None:
            known = ", ".join(Category.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No category {category_slug!r}; known: {known}")
    prompt = Prompt.objects.filter(text=text, category=category).first()
    return prompt or Prompt.objects.create(
        text=text, category=category, source=Prompt.Source.CURATED
    )


def _lines(summary: dict) -> str:
    rows = [("generator", summary["generator"])]
    rows += [(label, summary[key]) for key, label in LABELS.items() if summary[key] is not None]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)
