"""Online Elo state and stored leaderboard snapshots, per board (overall or one category)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from arena.models import Kind


class EloRating(models.Model):
    """A generator's online Elo on one board, moved on by each recompute (ratings.services.elo)."""

    category = models.ForeignKey(
        "arena.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    generator = models.ForeignKey(
        "generation.Generator", on_delete=models.CASCADE, related_name="elo_ratings"
    )
    rating = models.FloatField()
    votes = models.PositiveIntegerField(default=0)
    last_vote_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["generator"],
                condition=Q(category__isnull=True),
                name="elo_one_overall_per_generator",
            ),
            models.UniqueConstraint(
                fields=["category", "generator"],
                condition=Q(category__isnull=False),
                name="elo_one_per_category_and_generator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.generator} {self.rating:.1f} ({self.category or 'overall'})"


class PlainSnapshots(models.Manager):
    """Plain boards only: a style-controlled one is reached through its plain snapshot."""

    def get_queryset(self):
        return super().get_queryset().filter(plain__isnull=True)


class SnapshotsWithControlled(models.Manager):
    """Plain and style-controlled boards alike."""


class Snapshot(models.Model):
    """A leaderboard as computed at one moment, with everything needed to compute it again.

    A board is a category's, or the overall board of one kind (no category): generation and
    edit votes are never rated together. ``Snapshot.objects`` holds the plain boards, the
    boards of record; ``Snapshot.with_controlled`` the style-controlled ones too.
    """

    category = models.ForeignKey(
        "arena.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.GENERATE,
        help_text="The kind of battles rated: the category's, or the overall board's.",
    )
    method = models.CharField(max_length=20)
    parameters = models.JSONField(default=dict)
    seed = models.BigIntegerField()
    vote_count = models.PositiveIntegerField()
    last_vote_id = models.BigIntegerField(null=True, blank=True)
    position = models.FloatField(
        null=True, blank=True, help_text="Left-side advantage in rating points, when fitted."
    )
    tie_param = models.FloatField(null=True, blank=True)
    matrices = models.JSONField(
        default=dict,
        help_text="Generator ids; the win-rate, count, predicted and covariance matrices.",
    )
    duration_ms = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A style-controlled board is stored beside the plain one it was computed with, and goes
    # with it: the boards' lists, history and pruning are the plain snapshots'.
    plain = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="controlled",
        help_text="For a style-controlled board: the plain snapshot computed with it.",
    )

    objects = PlainSnapshots()
    with_controlled = SnapshotsWithControlled()

    class Meta:
        ordering = ["-computed_at", "-id"]
        get_latest_by = ["computed_at", "id"]
        indexes = [models.Index(fields=["category", "kind", "-computed_at"])]

    def __str__(self) -> str:
        board = self.category.name if self.category else f"Overall ({self.get_kind_display()})"
        return (
            f"{board} · {self.method} · {self.vote_count} votes · {self.computed_at:%Y-%m-%d %H:%M}"
        )


class SnapshotRow(models.Model):
    """One generator's line on a stored leaderboard."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    generator = models.ForeignKey(
        "generation.Generator", on_delete=models.CASCADE, related_name="+"
    )
    rated = models.BooleanField()
    rating = models.FloatField(null=True, blank=True)
    ci_lower = models.FloatField(null=True, blank=True)
    ci_upper = models.FloatField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    rank_lower = models.PositiveIntegerField(null=True, blank=True)
    rank_upper = models.PositiveIntegerField(null=True, blank=True)
    p_best = models.FloatField(null=True, blank=True)
    tier = models.PositiveIntegerField(
        null=True, blank=True, help_text="Models the data cannot separate share a tier (1 = top)."
    )
    elo = models.FloatField(null=True, blank=True)
    votes = models.PositiveIntegerField(default=0)
    wins = models.FloatField(default=0)
    losses = models.FloatField(default=0)
    ties = models.FloatField(default=0)
    # The generator's outputs when the snapshot was computed (see generation.selectors).
    median_latency_ms = models.FloatField(null=True, blank=True)
    mean_cost = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["snapshot", "rank", "generator__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "generator"], name="snapshot_one_row_per_generator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.generator}: {'unrated' if self.rating is None else f'{self.rating:.0f}'}"


class ApiKey(models.Model):
    """A key for the REST API (the prompt router). Only its SHA-256 is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read ratings, boards and routes"
        EXPORT = "export", "Export votes (voters pseudonymised)"

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, unique=True, help_text="Shown to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(
        default=list, blank=True, help_text="What the key may do; none means nothing at all."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PromptRouteIndex(models.Model):
    """The prompt route's index of a category's board (ratings.prompt_index) as npz bytes: built
    once per snapshot by its recompute, read by every prompt route until the next."""

    snapshot = models.OneToOneField(
        Snapshot, on_delete=models.CASCADE, related_name="prompt_route_index"
    )
    data = models.BinaryField()
    prompts = models.PositiveIntegerField(help_text="Voted prompts with their text.")
    votes = models.PositiveIntegerField(help_text="Their votes: the board's, less imported ones.")
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"prompt index of {self.snapshot} ({self.prompts} prompts)"
