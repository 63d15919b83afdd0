"""Prompts, battles and votes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

PROMPT_MAX_LENGTH = 2000


def _user(on_delete, related_name=None, **options):
    """An optional account."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=on_delete,
        related_name=related_name,
        **options,
    )


def _generator():
    return models.ForeignKey("generation.Generator", on_delete=models.PROTECT, related_name="+")


class Kind(models.TextChoices):
    """What a battle asks of its two generators: a new picture, or an edit of a given one."""

    GENERATE = "generate", "Generate"
    EDIT = "edit", "Edit"


class Category(models.Model):
    """A kind of prompt (product shots, logos, ...); each has its own leaderboard."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.GENERATE,
        help_text="Edit categories hold prompts with a source image; their battles are edits.",
    )
    routing_weight = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0)],
        help_text="How much this category's route matters, e.g. its share of routed traffic. "
        "Undecided categories get votes in proportion to it.",
    )
    route_tolerance = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0)],
        help_text="Rating points: how far below the best a pick may be and still be called "
        "confident (25 points is a 53.6% head-to-head win rate; 0 asks for the best itself). "
        "Empty: RATINGS_ROUTE_TOLERANCE.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(routing_weight__gte=0), name="category_routing_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(route_tolerance__isnull=True) | Q(route_tolerance__gte=0),
                name="category_route_tolerance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Prompt(models.Model):
    class Source(models.TextChoices):
        CURATED = "curated", "Curated"
        VOTER = "voter", "Typed by a voter"

    text = models.TextField(max_length=PROMPT_MAX_LENGTH)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="prompts"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CURATED)
    created_by = _user(models.SET_NULL)
    active = models.BooleanField(default=True, help_text="Used when new battles are made.")
    # An edit prompt: ``text`` is the instruction, applied to this picture. Storage names of
    # bare-pixel PNGs named by their SHA-256 (see generation/sources.py), never the upload's name.
    source_image = models.CharField(max_length=200, blank=True)
    source_mask = models.CharField(
        max_length=200, blank=True, help_text="Optional: where the edit may change the source."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category__name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="prompt_text_not_empty"),
            models.CheckConstraint(
                condition=Q(source_mask="") | ~Q(source_image=""),
                name="prompt_mask_needs_source_image",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def kind(self) -> str:
        return Kind.EDIT if self.source_image else Kind.GENERATE


class Battle(models.Model):
    """Two outputs of two different generators for one prompt, shown blind to one voter."""

    class Status(models.TextChoices):
        PENDING = "pending", "Generating"
        READY = "ready", "Ready"
        ASSIGNED = "assigned", "Shown to a voter"
        VOTED = "voted", "Voted"
        FAILED = "failed", "Failed"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="battles")
    generator_a = _generator()
    generator_b = _generator()
    generation_a = models.ForeignKey(
        "generation.Generation", on_delete=models.PROTECT, related_name="battles_as_a"
    )
    generation_b = models.ForeignKey(
        "generation.Generation", on_delete=models.PROTECT, related_name="battles_as_b"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    voter = _user(models.SET_NULL, "battles")
    # A voter who typed the prompt: the battle is kept for them and never handed to others.
    requested_by = _user(models.SET_NULL, "+")
    left_is_a = models.BooleanField(null=True, blank=True, help_text="Side drawn when assigned.")
    assigned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the voter claimed it (shown, or held as the next)."
    )
    shown_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was put on the voter's screen."
    )
    failure = models.TextField(blank=True)
    # An attention check: output b was made for another prompt of the same category (for an
    # edit, another instruction on the same source). It looks like any battle; its answer is a
    # DecoyCheck, never a Vote, so it reaches no board.
    decoy = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(generator_a=F("generator_b")), name="battle_two_different_generators"
            ),
            models.CheckConstraint(
                condition=~Q(generation_a=F("generation_b")), name="battle_two_different_outputs"
            ),
            # A battle held for a voter as their next one is assigned but not shown yet.
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "voted"])
                | (
                    Q(voter__isnull=False)
                    & Q(left_is_a__isnull=False)
                    & Q(assigned_at__isnull=False)
                ),
                name="battle_assigned_has_voter_and_sides",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Battle {self.token} ({self.status})"

    def as_shown(self, a, b) -> tuple:
        """Two things of side a and side b (generations, generators), as (left, right)."""
        return (a, b) if self.left_is_a else (b, a)


class Vote(models.Model):
    """One judgement of one battle: cast in the arena, or imported from a battles file."""

    class Choice(models.TextChoices):
        LEFT = "left", "Left is better"
        RIGHT = "right", "Right is better"
        TIE = "tie", "Tie"
        BOTH_BAD = "both_bad", "Both are bad"

    # Every vote updates each index of this table, the hottest write there is: battle, voter
    # and category are indexed only as the first column of a constraint or an index below.
    battle = models.ForeignKey(
        Battle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="votes",
        db_index=False,
    )
    voter = _user(models.PROTECT, "+", db_index=False)
    # Copied from the battle's prompt so that ratings aggregate per category without joins.
    # Protected: a category's votes are the record its board is computed from.
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="votes",
        db_index=False,
    )
    choice = models.CharField(max_length=10, choices=Choice.choices)
    shown_left = _generator()
    shown_right = _generator()
    time_to_vote_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From showing the battle to the vote."
    )
    # Kept, never dropped: analysts decide whether a hasty vote counts.
    flagged = models.BooleanField(
        default=False, help_text="Cast too fast, or before both outputs had loaded."
    )
    flag_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Imported votes: who judged, which question, and a key that makes a second import a no-op.
    judge = models.CharField(max_length=200, blank=True)
    question_id = models.CharField(max_length=200, blank=True)
    # Unique among imported votes. NULL, not "", for votes cast here: they stay out of the
    # partial unique index (see Meta).
    import_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # A void keeps the vote (the record of what was cast) but takes it out of every rating.
    # Database defaults, so inserts that name only the vote's own columns still work.
    voided_at = models.DateTimeField(null=True, blank=True)
    # Who voided it is part of the audit: the account cannot be deleted while a void names it
    # (deactivate it instead), and the name it voided under is kept as it was then.
    voided_by = _user(models.PROTECT, "+", db_index=False)
    voided_by_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    void_reason = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        ordering = ["id"]
        # Votes are never changed or deleted from the admin; voiding is its own right.
        permissions = [("void_vote", "Can void a vote (kept, left out of every rating)")]
        constraints = [
            models.UniqueConstraint(fields=["battle", "voter"], name="vote_once_per_voter_battle"),
            models.UniqueConstraint(
                fields=["import_key"],
                condition=Q(import_key__isnull=False),
                name="vote_import_key_unique",
            ),
            models.CheckConstraint(
                condition=~Q(shown_left=F("shown_right")), name="vote_sides_differ"
            ),
            models.CheckConstraint(
                condition=Q(choice__in=["left", "right", "tie", "both_bad"]),
                name="vote_choice_valid",
            ),
            models.CheckConstraint(
                condition=Q(battle__isnull=True) | Q(voter__isnull=False),
                name="vote_in_arena_has_voter",
            ),
            models.CheckConstraint(
                condition=Q(battle__isnull=False) | Q(import_key__isnull=False),
                name="vote_has_battle_or_import_key",
            ),
            models.CheckConstraint(
                condition=Q(flagged=False, flag_reason="") | (Q(flagged=True) & ~Q(flag_reason="")),
                name="vote_flag_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False) & ~Q(void_reason="")),
                name="vote_void_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "id"]),
            # The running tally of votes today, and the daily cap.
            models.Index(fields=["voter", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.voter or self.judge} on {self.battle_id}: {self.choice}"


class SeenOutput(models.Model):
    """An output handed to a voter's browser, never handed to them again (see services.unseen).

    Recorded by content (``digest``, its SHA-256): two generations with the same pixels are
    one output. The unique constraint settles two claims racing for battles sharing one.
    """

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    generation = models.ForeignKey(
        "generation.Generation", on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=64)
    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voter", "digest"], name="seen_output_content_once"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} saw generation {self.generation_id}"


class DecoyCheck(models.Model):
    """A voter's answer to a decoy battle: passed unless they preferred the off-prompt output."""

    battle = models.OneToOneField(Battle, on_delete=models.CASCADE, related_name="decoy_check")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decoy_checks"
    )
    choice = models.CharField(max_length=10, choices=Vote.Choice.choices)
    passed = models.BooleanField()
    time_to_vote_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["voter", "created_at"])]

    def __str__(self) -> str:
        return f"{self.voter_id} {'passed' if self.passed else 'failed'} decoy {self.battle_id}"


class VoterStanding(models.Model):
    """Whether a voter's votes count (refreshed by ratings.services.raters).

    ``state`` is in force: staff's while ``by_hand``, else the tests'. An excluded voter keeps
    every vote; the boards and the Elo leave them out.
    """

    class State(models.TextChoices):
        OK = "ok", "OK"
        REVIEW = "review", "Review: evidence building"
        EXCLUDED = "excluded", "Excluded: left out of every board"

    voter = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OK)
    tested_state = models.CharField(
        max_length=10, choices=State.choices, default=State.OK, help_text="What the tests say."
    )
    reasons = models.JSONField(default=list, blank=True, help_text="Tests with evidence, in words.")
    reason_keys = models.JSONField(default=list, blank=True)
    evidence = models.FloatField(default=1.0, help_text="Combined e-value of the tests.")
    e_values = models.JSONField(default=dict, blank=True)
    votes = models.PositiveIntegerField(default=0)
    decoys_passed = models.PositiveIntegerField(default=0)
    decoys_checked = models.PositiveIntegerField(default=0)
    left_share = models.FloatField(null=True, blank=True)
    agreement = models.FloatField(null=True, blank=True, help_text="Share agreeing with the board.")
    expected_agreement = models.FloatField(
        null=True, blank=True, help_text="The share the board predicts for the team's voters."
    )
    median_time_ms = models.FloatField(null=True, blank=True)
    suspect = models.ForeignKey(
        "generation.Generator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The generator the promoter test names while it has some evidence: the "
        "voter's decoys put its outputs on the off-prompt side.",
    )
    by_hand = models.BooleanField(default=False, help_text="Staff decided; the tests wait.")
    set_by = _user(models.SET_NULL, "+")
    set_by_name = models.CharField(max_length=150, blank=True, default="")
    set_at = models.DateTimeField(null=True, blank=True)
    hand_reason = models.CharField(max_length=500, blank=True, default="")
    tested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-evidence", "voter_id"]
        indexes = [models.Index(fields=["state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(by_hand=False) | ~Q(hand_reason=""), name="standing_hand_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter}: {self.state}{' (by hand)' if self.by_hand else ''}"
