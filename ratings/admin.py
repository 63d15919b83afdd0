from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path

from ratings.api_keys import api_key_create, api_key_revoke
from ratings.models import ApiKey, EloRating, Snapshot, SnapshotRow
from ratings.vote_plan import vote_plan


class ReadOnly(admin.ModelAdmin):
    """Computed from votes: shown, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SnapshotRowInline(admin.TabularInline):
    model = SnapshotRow
    extra = 0
    can_delete = False
    fields = ["generator", "rank", "rating", "ci_lower", "ci_upper", "rank_lower", "rank_upper",
              "p_best", "elo", "votes", "wins", "losses", "ties"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnly):
    list_display = ["__str__", "category", "method", "vote_count", "duration_ms", "computed_at"]
    list_filter = ["category", "method"]
    inlines = [SnapshotRowInline]
    date_hierarchy = "computed_at"

    def get_urls(self):
        plan = path(
            "vote-plan/",
            self.admin_site.admin_view(self.vote_plan_view),
            name="ratings_vote_plan",
        )
        return [plan, *super().get_urls()]

    def vote_plan_view(self, request):
        """Where votes are needed: what the matchmaker does with each category now."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Vote plan",
            "plans": vote_plan(),
            "pairing": settings.ARENA_PAIRING,
            "exploration": settings.ARENA_PAIRING_EXPLORATION,
        }
        return TemplateResponse(request, "admin/ratings/vote_plan.html", context)


@admin.register(EloRating)
class EloRatingAdmin(ReadOnly):
    list_display = ["generator", "category", "rating", "votes"]
    list_filter = ["category"]
    list_select_related = ["generator", "category"]
    ordering = ["category", "-rating"]


class ApiKeyForm(forms.ModelForm):
    # Ticked scopes, stored as a list; none ticked means the key can do nothing.
    scopes = forms.MultipleChoiceField(
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What the key may do; a key with none ticked is refused everywhere.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "scopes", "is_active", "created_at", "last_used_at"]
    fields = ["name", "scopes", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: ApiKey) -> bool:
        return obj.is_active

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        row, key = api_key_create(name=obj.name, scopes=list(obj.scopes or []))
        obj.pk, obj.prefix = row.pk, row.prefix
        self.message_user(
            request,
            f"The key for {row.name!r} is {key} — copy it now, it is not shown again.",
            messages.WARNING,
        )
        return None

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} keys.")
