from __future__ import annotations

from django import forms
from django.contrib import admin

from generation.models import Generation, Generator
from generation.providers import provider_names


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
            "parameters",
            "base_url",
            "api_key_env",
            "price_per_output",
            "enabled",
            "disabled_reason",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(name, name) for name in provider_names()]

    def clean_parameters(self):
        parameters = self.cleaned_data["parameters"]
        if not isinstance(parameters, dict):
            raise forms.ValidationError("Parameters must be a JSON object.")
        return parameters


@admin.register(Generator)
class GeneratorAdmin(admin.ModelAdmin):
    form = GeneratorForm
    list_display = ["name", "provider", "model_id", "modality", "enabled", "price_per_output"]
    list_filter = ["provider", "modality", "enabled"]
    search_fields = ["name", "slug", "model_id"]
    prepopulated_fields = {"slug": ["name"]}
    list_editable = ["enabled"]


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
