from __future__ import annotations

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.utils.html import format_html

from arena.models import Battle, Category, Kind, Prompt, Vote
from arena.selectors import source_url
from arena.services import PromptError, VoteError, source_check, vote_void


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "routing_weight", "route_tolerance", "prompt_count"]
    list_editable = ["routing_weight", "route_tolerance"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_prompts=Count("prompts"))

    @admin.display(description="prompts", ordering="_prompts")
    def prompt_count(self, obj: Category) -> int:
        return obj._prompts

    def get_deleted_objects(self, objs, request):
        # Asked before Django's own walk, which would load and list every protected vote.
        voted = (
            Vote.objects.filter(category__in=objs)
            .values("category__name")
            .annotate(votes=Count("id"))
            .order_by("category__name")
        )
        protected = [
            f"{row['category__name']}: {row['votes']} vote{pluralize(row['votes'])}. A "
            "category's votes are the record its ratings are computed from; make its prompts "
            "inactive instead."
            for row in voted
        ]
        if protected:
            return [], {}, set(), protected
        return super().get_deleted_objects(objs, request)


class PromptForm(forms.ModelForm):
    """A prompt; for an edit prompt, its source picture (and mask) uploaded and checked here."""

    source_upload = forms.FileField(
        label="Source image",
        required=False,
        help_text="For edit categories: PNG, JPEG or WebP. Stored without its metadata.",
    )
    mask_upload = forms.FileField(
        label="Mask", required=False, help_text="Optional: transparent where the edit may change."
    )

    class Meta:
        model = Prompt
        fields = ["text", "category", "source", "active", "created_by"]

    def clean(self):
        cleaned = super().clean()
        upload, mask = cleaned.get("source_upload"), cleaned.get("mask_upload")
        category = cleaned.get("category")
        has_source = bool(upload or self.instance.source_image)
        if category is not None and (category.kind == Kind.EDIT) != has_source:
            raise forms.ValidationError(
                "A prompt of an edit category needs a source image, and only those have one."
            )
        if upload:
            try:
                checked = source_check(image=upload.read(), mask=mask.read() if mask else None)
            except PromptError as exc:
                raise forms.ValidationError(str(exc)) from None
            self.instance.source_image, self.instance.source_mask = checked.store()
        return cleaned


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    form = PromptForm
    list_display = ["short_text", "category", "kind", "source", "active", "created_at"]
    list_filter = ["category__kind", "category", "source", "active"]
    search_fields = ["text"]
    list_editable = ["active"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["source_preview"]

    @admin.display(description="source image")
    def source_preview(self, obj: Prompt) -> str:
        url = source_url(obj)
        if not url:
            return "None: a generation prompt."
        return format_html('<img src="{}" alt="" style="max-height:200px">', url)

    @admin.display(description="text")
    def short_text(self, obj: Prompt) -> str:
        return obj.text[:100]


@admin.register(Battle)
class BattleAdmin(admin.ModelAdmin):
    list_display = [
        "token", "prompt", "generator_a", "generator_b", "status", "voter", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "prompt__category", "generator_a", "generator_b"]
    search_fields = ["token", "prompt__text"]
    list_select_related = ["prompt", "generator_a", "generator_b", "voter"]
    raw_id_fields = ["prompt", "generation_a", "generation_b", "voter"]
    readonly_fields = ["token", "assigned_at", "shown_at", "requested_by", "created_at"]
    date_hierarchy = "created_at"


class VoteActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (to void)",
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    action_form = VoteActionForm
    actions = ["void_votes"]
    list_display = [
        "battle", "voter", "choice", "shown_left", "shown_right", "time_to_vote_ms", "flagged",
        "flag_reason", "void", "created_at",
    ]  # fmt: skip
    list_filter = [
        ("voided_at", admin.EmptyFieldListFilter),
        "choice", "flagged", "category", "shown_left", "shown_right",
    ]  # fmt: skip
    list_select_related = ["battle", "voter", "shown_left", "shown_right"]
    raw_id_fields = ["battle", "voter"]
    date_hierarchy = "created_at"

    # Votes are the source of truth for every rating: read them here, never rewrite or delete
    # them. A vote that should not count is voided instead, which keeps it and says why.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def void(self, vote: Vote) -> str:
        if vote.voided_at is None:
            return ""
        by = vote.voided_by_name or "unknown"
        return f"{vote.voided_at:%Y-%m-%d %H:%M} by {by}: {vote.void_reason}"

    def has_void_vote_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.void_vote")

    @admin.action(
        description="Void the selected votes (kept, left out of every rating)",
        permissions=["void_vote"],
    )
    def void_votes(self, request, queryset):
        reason = request.POST.get("reason", "")
        voided = 0
        for vote in queryset.filter(voided_at__isnull=True):
            try:
                done = vote_void(vote_id=vote.pk, by=request.user, reason=reason)
            except VoteError as exc:
                self.message_user(request, f"{exc} Type it beside the action.", messages.ERROR)
                return
            if done:
                voided += 1
                self.log_change(request, vote, f"Voided: {' '.join(reason.split())}")
        self.message_user(
            request, f"Voided {voided} votes; their boards are being recomputed.", messages.SUCCESS
        )


class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """django-axes' list of login failures, its clean-up action held to the delete permission."""

    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        # django-axes reads the time of the login being checked from the request, which only
        # a login request has; None means "now".
        request.axes_attempt_time = None
        super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)
