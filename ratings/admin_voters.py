"""The rater audit: every voter's standing, the tests behind it, and staff's hand decisions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from arena.core.queue import enqueue_on_commit
from arena.models import VoterStanding
from ratings.engine.raters import decoy_interval
from ratings.services.raters import StandingError, standing_set
from ratings.tasks import ratings_recompute_stale

DASH = "\u2013"


def _share(value: float | None) -> str:
    return DASH if value is None else f"{value:.0%}"


class StandingActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (to clear or exclude)",
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(VoterStanding)
class VoterStandingAdmin(admin.ModelAdmin):
    """The rater audit (staff): sortable by every figure; hand decisions are actions."""

    action_form = StandingActionForm
    actions = ["clear_by_hand", "exclude_by_hand", "release_to_tests"]
    list_display = ["voter", "votes", "decoys", "side", "agreement_shown", "median_time",
                    "state", "by_hand", "evidence_shown", "suspect", "why"]  # fmt: skip
    list_filter = ["state", "tested_state", "by_hand"]
    list_select_related = ["voter", "suspect"]
    search_fields = ["voter__username"]
    readonly_fields = [f.name for f in VoterStanding._meta.fields]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Rater audit", **(extra_context or {})})

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="decoys passed (95% interval)", ordering="decoys_checked")
    def decoys(self, row: VoterStanding) -> str:
        if not row.decoys_checked:
            return "none yet"
        low, high = decoy_interval(row.decoys_passed, row.decoys_checked)
        return f"{row.decoys_passed} of {row.decoys_checked} ({low:.0%}{DASH}{high:.0%})"

    @admin.display(description="left side chosen", ordering="left_share")
    def side(self, row: VoterStanding) -> str:
        return _share(row.left_share)

    @admin.display(description="agrees with the board (team)", ordering="agreement")
    def agreement_shown(self, row: VoterStanding) -> str:
        return f"{_share(row.agreement)} ({_share(row.expected_agreement)})"

    @admin.display(description="median time", ordering="median_time_ms")
    def median_time(self, row: VoterStanding) -> str:
        return DASH if row.median_time_ms is None else f"{row.median_time_ms / 1000:.1f} s"

    @admin.display(description="evidence (e-value)", ordering="evidence")
    def evidence_shown(self, row: VoterStanding) -> str:
        return f"{row.evidence:,.1f}"

    @admin.display(description="why")
    def why(self, row: VoterStanding) -> str:
        words = list(row.reasons)
        if row.by_hand:
            words.insert(0, f"by hand ({row.set_by_name or 'staff'}): {row.hand_reason}")
        return "; ".join(words) or DASH

    def _decide(self, request, queryset, state: str | None, done: str) -> None:
        reason = request.POST.get("reason", "")
        for row in queryset:
            try:
                standing_set(voter_id=row.voter_id, state=state, by=request.user, reason=reason)
            except StandingError as exc:
                self.message_user(request, f"{exc} Type it beside the action.", messages.ERROR)
                return
            words = " ".join(reason.split())
            self.log_change(request, row, f"{done}: {words}" if state else done)
        enqueue_on_commit(ratings_recompute_stale)
        self.message_user(request, f"{done}: {queryset.count()} voters; boards follow.")

    @admin.action(description="Clear the selected voters by hand (their votes count)",
                  permissions=["change"])  # fmt: skip
    def clear_by_hand(self, request, queryset):
        self._decide(request, queryset, VoterStanding.State.OK, "Cleared by hand")

    @admin.action(description="Exclude the selected voters by hand (votes kept, left out)",
                  permissions=["change"])  # fmt: skip
    def exclude_by_hand(self, request, queryset):
        self._decide(request, queryset, VoterStanding.State.EXCLUDED, "Excluded by hand")

    @admin.action(description="Release the selected voters to the tests", permissions=["change"])
    def release_to_tests(self, request, queryset):
        self._decide(request, queryset, None, "Released to the tests")
