"""Generators (configured model endpoints) and their generations (one output each)."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from generation.safety import key_host_problem, validate_base_url, validate_key_variable


class Generator(models.Model):
    """A model endpoint the arena asks for outputs; its identity stays hidden until a vote."""

    class Modality(models.TextChoices):
        IMAGE = "image", "Image"
        TEXT = "text", "Text"

    name = models.CharField("public name", max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    provider = models.CharField(max_length=50, help_text="Provider adapter, e.g. builtin.")
    model_id = models.CharField(
        "provider model id", max_length=200, help_text="The model name the provider's API expects."
    )

    class Capability(models.TextChoices):
        GENERATE = "generate", "Generate only"
        EDIT = "edit", "Edit only"
        BOTH = "both", "Generate and edit"

    modality = models.CharField(max_length=10, choices=Modality.choices, default=Modality.IMAGE)
    capabilities = models.CharField(
        max_length=10,
        choices=Capability.choices,
        default=Capability.GENERATE,
        help_text="Which battles it is drawn for: new pictures, edits of a source image, or both.",
    )
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Sent to the provider with every prompt (JSON object)."
    )
    edit_parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text="For edits: laid over the parameters above (JSON object), e.g. the edit "
        "model or the name of the image input.",
    )
    base_url = models.URLField(
        "API base URL",
        blank=True,
        validators=[validate_base_url],
        help_text="Empty means the provider's public URL. Must be a public address, or a host "
        "in GENERATION_ALLOWED_HOSTS.",
    )
    api_key_env = models.CharField(
        "API key variable",
        max_length=100,
        blank=True,
        validators=[validate_key_variable],
        help_text="Name of the environment variable that holds the key (it must start with "
        "GENERATION_KEY_PREFIX, ARENA_KEY_ by default); keys never live here.",
    )
    price_per_output = models.DecimalField(
        max_digits=10, decimal_places=6, default=0, help_text="US dollars per output."
    )
    max_concurrency = models.PositiveIntegerField(
        "concurrency cap",
        default=0,
        help_text="At most this many generations at once, across all workers; 0 means no cap.",
    )
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of its provider, model id and parameters, as last saved.",
    )
    changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When its provider, model id or parameters last changed (empty: never). "
        "Matchmaking places a changed generator again, as it does a new one.",
    )
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(
        blank=True, help_text="Why it was turned off, e.g. the provider rejected its key."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # A test is a paid call; the right to edit a generator does not include it.
        permissions = [("test_generator", "Can test a generator (one paid generation)")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_per_output__gte=0), name="generator_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if problem := key_host_problem(self.api_key_env, self.provider, self.base_url):
            raise ValidationError({"api_key_env": problem}, code="key_host")

    def behaviour_fingerprint(self) -> str:
        """The fingerprint of what decides its outputs, from its fields as they are now."""
        return behaviour_fingerprint(
            self.provider, self.model_id, self.parameters, self.edit_parameters
        )

    def can(self, kind: str) -> bool:
        """Whether it may be drawn for a battle of this kind (``generate`` or ``edit``)."""
        return self.capabilities in (kind, self.Capability.BOTH)

    def parameters_for(self, kind: str) -> dict:
        """The parameters of one call: an edit's lie over the generation ones."""
        if kind == self.Capability.EDIT:
            return {**self.parameters, **self.edit_parameters}
        return dict(self.parameters)


def behaviour_fingerprint(
    provider: str, model_id: str, parameters: dict, edit_parameters: dict
) -> str:
    """SHA-256 of what decides a generator's outputs; its name, price or key do not."""
    key = {"provider": provider, "model": model_id, "params": parameters, "edit": edit_parameters}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


class Generation(models.Model):
    """One output of one generator for one prompt, with the exact parameters used."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    prompt = models.ForeignKey("arena.Prompt", on_delete=models.CASCADE, related_name="generations")
    generator = models.ForeignKey(Generator, on_delete=models.PROTECT, related_name="generations")
    parameters = models.JSONField(default=dict, blank=True)
    params_hash = models.CharField(max_length=64, db_index=True)
    reusable = models.BooleanField(
        default=True, help_text="May be shown again in new battles instead of generating anew."
    )
    variant = models.PositiveIntegerField(
        default=0,
        help_text="Which of the reusable outputs for this prompt, generator and parameters: "
        "1, 2, … are drawn anew (a seed of their own) for voters who have seen the ones before.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(blank=True)
    text = models.TextField(blank=True)
    digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the output as stored (its file's bytes, or its text): what a voter "
        "is shown, whichever generation made it.",
    )
    media_type = models.CharField(max_length=50, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(
        max_length=255, blank=True, help_text="Id of the task run that owns this generation."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live output per (prompt, generator, parameters, variant): reuse never pays twice.
            models.UniqueConstraint(
                fields=["prompt", "generator", "params_hash", "variant"],
                condition=Q(reusable=True) & ~Q(status="failed"),
                name="generation_one_reusable_per_prompt_generator_params",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | ~Q(file="") | ~Q(text=""),
                name="generation_success_has_output",
            ),
            # What a voter has seen is judged by this: an output without it would pass unseen.
            models.CheckConstraint(
                condition=~Q(status="succeeded") | ~Q(digest=""),
                name="generation_success_has_digest",
            ),
        ]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.generator} on prompt {self.prompt_id} ({self.status})"


class OutputStyle(models.Model):
    """How one image output looks, apart from what it shows (see generation.features).

    Measured once, when the output is stored; ``manage.py measure_styles`` fills outputs stored
    before. The ratings app fits how much each feature sways voters (style control).
    """

    generation = models.OneToOneField(
        Generation, on_delete=models.CASCADE, primary_key=True, related_name="style"
    )
    colourfulness = models.FloatField(help_text="Hasler-Süsstrunk colourfulness (0-255 scale).")
    saturation = models.FloatField(help_text="Mean HSV saturation, 0-1.")
    contrast = models.FloatField(help_text="RMS contrast: standard deviation of the luma, 0-1.")
    brightness = models.FloatField(help_text="Mean luma, 0-1.")
    sharpness = models.FloatField(help_text="Variance of the Laplacian of the luma.")
    detail = models.FloatField(help_text="Bytes per pixel of the luma compressed losslessly.")
    preservation = models.FloatField(
        null=True,
        blank=True,
        help_text="Edits: mean absolute difference to the source (0-1) where the mask keeps it, "
        "or over the whole picture without a mask.",
    )
    measured_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"style of generation {self.generation_id}"
