from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from generation.models import Generator
from ratings.api_keys import api_key_create, api_key_revoke
from ratings.models import ApiKey, EloRating, Snapshot, SnapshotRow
from ratings.vote_plan import vote_plan


class ReadOnly(admin.ModelAdmin):
    """Computed from votes: shown, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


DASH = "\u2013"  # an en dash: no value, and between the ends of a range


def _number(value, digits: int = 0) -> str:
    return DASH if value is None else f"{value:,.{digits}f}"


class SnapshotRowInline(admin.TabularInline):
    model = SnapshotRow
    extra = 0
    can_delete = False
    fields = ["generator", "rank_shown", "rating_shown", "interval", "p_best_shown", "elo_shown",
              "votes", "record"]  # fmt: skip
    readonly_fields = fields
    verbose_name_plural = "Rows (best first)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="rank")
    def rank_shown(self, row: SnapshotRow) -> str:
        if row.rank is None:
            return "unrated"
        return str(row.rank) if row.rank_lower == row.rank_upper else (
            f"{row.rank} ({row.rank_lower}{DASH}{row.rank_upper})"
        )  # fmt: skip

    @admin.display(description="rating")
    def rating_shown(self, row: SnapshotRow) -> str:
        return _number(row.rating)

    @admin.display(description="95% interval")
    def interval(self, row: SnapshotRow) -> str:
        return DASH if row.ci_lower is None else f"{row.ci_lower:,.0f} {DASH} {row.ci_upper:,.0f}"

    @admin.display(description="P(best)")
    def p_best_shown(self, row: SnapshotRow) -> str:
        return _number(row.p_best, 2)

    @admin.display(description="Elo")
    def elo_shown(self, row: SnapshotRow) -> str:
        return _number(row.elo)

    @admin.display(description="won / lost / tied")
    def record(self, row: SnapshotRow) -> str:
        return f"{row.wins:g} / {row.losses:g} / {row.ties:g}"


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnly):
    list_display = [
        "__str__", "category", "kind", "method", "vote_count", "duration_ms", "computed_at"
    ]  # fmt: skip
    list_filter = ["kind", "category", "method"]
    inlines = [SnapshotRowInline]
    date_hierarchy = "computed_at"
    fields = ["board", "method", "vote_count", "last_vote_id", "seed", "computed_at",
              "duration_ms", "position_shown", "parameters_table", "win_rates"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="board")
    def board(self, snapshot: Snapshot) -> str:
        return snapshot.category.name if snapshot.category else "Overall"

    @admin.display(description="left-side advantage")
    def position_shown(self, snapshot: Snapshot) -> str:
        return "not fitted" if snapshot.position is None else f"{snapshot.position:.1f} points"

    @admin.display(description="parameters")
    def parameters_table(self, snapshot: Snapshot) -> str:
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            (
                (k, f"{v:g}" if isinstance(v, float) else v)
                for k, v in sorted(snapshot.parameters.items())
            ),
        )
        return format_html('<table class="arena-facts">{}</table>', rows)

    @admin.display(description="observed win rate (row against column)")
    def win_rates(self, snapshot: Snapshot) -> str:
        return _win_rates(snapshot.matrices)

    def get_urls(self):
        plan = path(
            "vote-plan/",
            self.admin_site.admin_view(self.vote_plan_view),
            name="ratings_vote_plan",
        )
        return [plan, *super().get_urls()]

    def vote_plan_view(self, request):
        """Where votes are needed: what the matchmaker does with each category now."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Vote plan",
            "plans": vote_plan(),
            "pairing": settings.ARENA_PAIRING,
            "exploration": settings.ARENA_PAIRING_EXPLORATION,
        }
        return TemplateResponse(request, "admin/ratings/vote_plan.html", context)


def _win_rates(matrices: dict) -> str:
    """The stored win rates as a table of percentages with generator names, battles in brackets."""
    ids, rates, counts = (matrices.get(k, []) for k in ("generators", "win_rate", "counts"))
    names = dict(Generator.objects.filter(id__in=ids).values_list("id", "name"))
    head = format_html_join("", "<th>{}</th>", ((names.get(i, i),) for i in ids))
    body = []
    for r, row in enumerate(rates):
        cells = [
            DASH if v is None else f"{v:.0%} ({counts[r][c]:g})" if counts else f"{v:.0%}"
            for c, v in enumerate(row)
        ]
        body.append(
            format_html(
                "<tr><th>{}</th>{}</tr>",
                names.get(ids[r], ids[r]),
                format_html_join("", "<td>{}</td>", ((cell,) for cell in cells)),
            )
        )
    return format_html(
        '<table class="arena-facts"><tr><th></th>{}</tr>{}</table>',
        head,
        format_html_join("", "{}", ((row,) for row in body)),
    )


@admin.register(EloRating)
class EloRatingAdmin(ReadOnly):
    list_display = ["generator", "category_shown", "rating_shown", "votes"]
    list_filter = ["category"]
    list_select_related = ["generator", "category"]
    ordering = ["category", "-rating"]
    fields = ["generator", "category_shown", "rating_shown", "votes", "last_vote_id"]
    readonly_fields = fields

    @admin.display(description="board", ordering="category")
    def category_shown(self, row: EloRating) -> str:
        return row.category.name  # the overall boards keep no rows: they are replayed

    @admin.display(description="rating", ordering="rating")
    def rating_shown(self, row: EloRating) -> str:
        return f"{row.rating:,.1f}"


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

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} keys.")


# The rater audit lives beside the boards whose votes it judges.
from ratings import admin_voters  # noqa: E402, F401
