from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from arena.models import Battle, Category, Prompt, Vote


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "routing_weight", "prompt_count"]
    list_editable = ["routing_weight"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_prompts=Count("prompts"))

    @admin.display(description="prompts", ordering="_prompts")
    def prompt_count(self, obj: Category) -> int:
        return obj._prompts


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["short_text", "category", "source", "active", "created_at"]
    list_filter = ["category", "source", "active"]
    search_fields = ["text"]
    list_editable = ["active"]
    raw_id_fields = ["created_by"]

    @admin.display(description="text")
    def short_text(self, obj: Prompt) -> str:
        return obj.text[:100]


@admin.register(Battle)
class BattleAdmin(admin.ModelAdmin):
    list_display = [
        "token",
        "prompt",
        "generator_a",
        "generator_b",
        "status",
        "voter",
        "created_at",
    ]
    list_filter = ["status", "prompt__category", "generator_a", "generator_b"]
    search_fields = ["token", "prompt__text"]
    list_select_related = ["prompt", "generator_a", "generator_b", "voter"]
    raw_id_fields = ["prompt", "generation_a", "generation_b", "voter"]
    readonly_fields = ["token", "assigned_at", "shown_at", "requested_by", "created_at"]
    date_hierarchy = "created_at"


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = [
        "battle",
        "voter",
        "choice",
        "shown_left",
        "shown_right",
        "time_to_vote_ms",
        "flagged",
        "flag_reason",
        "created_at",
    ]
    list_filter = ["choice", "flagged", "category", "shown_left", "shown_right"]
    list_select_related = ["battle", "voter", "shown_left", "shown_right"]
    raw_id_fields = ["battle", "voter"]
    date_hierarchy = "created_at"

    # Votes are the source of truth for every rating: read them here, never rewrite them.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
