from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from PIL import Image, ImageDraw

from generation.concurrency import GeneratorBusy
from generation.models import Generation, Generator
from generation.providers import provider_names
from generation.selectors import generator_stats
from generation.services import generation_run_now
from generation.sources import source_store

MAX_TESTS = 3
ERROR_CHARS = 300
TEST_PROMPTS = {
    Generator.Modality.IMAGE: "A red bicycle leaning against a blue door in morning light",
    Generator.Modality.TEXT: "In one sentence, describe a red bicycle leaning against a blue door.",
}
TEST_EDIT = "Paint the box in the middle blue"


class GeneratorForm(forms.ModelForm):
    provider = forms.ChoiceField(choices=[])
    base_url = forms.URLField(
        label="API base URL",
        required=False,
        assume_scheme="https",
        help_text="Empty means the provider's public URL.",
    )

    class Meta:
        model = Generator
        fields = [
            "name",
            "slug",
            "provider",
            "model_id",
            "modality",
            "capabilities",
            "parameters",
            "edit_parameters",
            "base_url",
            "api_key_env",
            "price_per_output",
            "max_concurrency",
            "enabled",
            "disabled_reason",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(name, name) for name in provider_names()]

    def clean(self):
        cleaned = super().clean()
        for name, label in (("parameters", "Parameters"), ("edit_parameters", "Edit parameters")):
            if name in cleaned and not isinstance(cleaned[name], dict):
                self.add_error(name, f"{label} must be a JSON object.")
        return cleaned


class GeneratorChangeList(ChangeList):
    """Attaches each listed generator's output statistics, read once per page."""

    def get_results(self, request):
        super().get_results(request)
        stats = generator_stats()
        for generator in self.result_list:
            generator.stats = stats.get(generator.id, {})


@admin.register(Generator)
class GeneratorAdmin(admin.ModelAdmin):
    form = GeneratorForm
    # The admin builds a form field for each model field, the declared ones too: https is
    # what an address typed without a scheme means (Django 6.0's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "name",
        "provider_model",
        "capabilities",
        "enabled",
        "price_per_output",
        "outputs",
        "failures",
        "median_latency",
        "mean_cost",
        "max_concurrency",
        "changed_at",
        "disabled_because",
    ]
    list_filter = ["provider", "modality", "capabilities", "enabled"]
    readonly_fields = ["changed_at", "fingerprint"]
    search_fields = ["name", "slug", "model_id"]
    prepopulated_fields = {"slug": ["name"]}
    list_editable = ["enabled"]
    actions = ["test_generator"]

    def get_changelist(self, request, **kwargs):
        return GeneratorChangeList

    def save_model(self, request, obj, form, change):
        if obj.enabled:
            obj.disabled_reason = ""  # a reason only explains a generator that is off
        super().save_model(request, obj, form, change)

    @admin.display(description="provider · model", ordering="provider")
    def provider_model(self, generator: Generator) -> str:
        return f"{generator.provider} · {generator.model_id}"

    def disabled_because(self, generator: Generator) -> str:
        return Truncator(generator.disabled_reason).chars(80)

    def outputs(self, generator: Generator) -> int:
        return _stats(generator).get("outputs", 0)

    def failures(self, generator: Generator) -> int:
        return _stats(generator).get("failures", 0)

    def median_latency(self, generator: Generator) -> str:
        value = _stats(generator).get("median_latency_ms")
        return "-" if value is None else f"{value:.0f} ms"

    def mean_cost(self, generator: Generator) -> str:
        value = _stats(generator).get("mean_cost")
        return "-" if value is None else f"${value:.4f}"

    def has_test_generator_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.test_generator")

    # A test is a paid call to the provider: its own permission, not the change permission.
    @admin.action(
        description="Test the selected generators (one generation each, now)",
        permissions=["test_generator"],
    )
    def test_generator(self, request, queryset):
        for generator in queryset[:MAX_TESTS]:
            self._test_one(request, generator)
        if queryset.count() > MAX_TESTS:
            self.message_user(
                request, f"Tested the first {MAX_TESTS} generators only.", messages.WARNING
            )

    def _test_one(self, request, generator: Generator) -> None:
        try:
            generation = generation_run_now(generator=generator, prompt=_test_prompt(generator))
        except GeneratorBusy as exc:
            message = f"{generator}: every concurrency slot is taken ({exc}); try again shortly."
            self.message_user(request, message, messages.WARNING)
            return
        if generation.status != Generation.Status.SUCCEEDED:
            # The provider's own message, already cut short; never a body verbatim.
            error = Truncator(generation.error).chars(ERROR_CHARS)
            self.message_user(request, f"{generator} failed: {error}", messages.ERROR)
            return
        self.message_user(request, _success_message(generation), messages.SUCCESS)


def _stats(generator: Generator) -> dict:
    return getattr(generator, "stats", {})


def _test_prompt(generator: Generator):
    """A fixed prompt, kept out of battles (no category, inactive); an edit for an editor only.

    Prompts belong to the arena, which builds on this app: the model is reached through the
    relation a generation declares, not by importing the arena.
    """
    Prompt = Generation._meta.get_field("prompt").related_model
    if generator.can(Generator.Capability.GENERATE):
        text = TEST_PROMPTS.get(generator.modality, TEST_PROMPTS[Generator.Modality.IMAGE])
        source = ""
    else:
        text, source = TEST_EDIT, source_store(_test_source())
    prompt = Prompt.objects.filter(text=text, category=None, source_image=source).first()
    return prompt or Prompt.objects.create(
        text=text, category=None, source=Prompt.Source.CURATED, active=False, source_image=source
    )


def _test_source() -> Image.Image:
    """The picture an editor's test edits: a grey field with a red box in the middle."""
    image = Image.new("RGB", (256, 256), "#c0c0c0")
    ImageDraw.Draw(image).rectangle((85, 85, 170, 170), fill="#b03020")
    return image


def _success_message(generation: Generation) -> str:
    head = format_html(
        "{}: one {} in {} ms, cost ${}, model {}.",
        generation.generator,
        "edit" if generation.prompt.source_image else "output",
        generation.latency_ms,
        generation.cost,
        generation.model_version or "not reported",
    )
    if not generation.file:
        return format_html("{} Text: “{}”", head, Truncator(generation.text).chars(300))
    url = reverse("output-file", args=[generation.file.name.rsplit("/", 1)[-1]])
    link = '{} <a href="{}" target="_blank" rel="noopener">Open the output</a>'
    return format_html(link, head, url)


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["id", "generator", "prompt", "status", "latency_ms", "cost", "created_at"]
    list_filter = ["status", "generator"]
    search_fields = ["prompt__text", "error"]
    list_select_related = ["generator", "prompt"]
    raw_id_fields = ["prompt"]
    readonly_fields = [
        "params_hash",
        "claimed_by",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    ]
    date_hierarchy = "created_at"
