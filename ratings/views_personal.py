"""A voter's own board: the models by their own votes, beside the team's. Theirs alone; staff
may open anyone's."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from arena.models import Kind
from ratings.personal import PERSONAL_MIN_VOTES, personal_board, personal_votes_total
from ratings.selectors import OVERALL, UnknownBoard, board_category, board_kind
from ratings.views import board_link, board_tabs


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _whose(request: HttpRequest, username: str | None):
    """The voter whose board is asked for: the user's own, or for staff anyone's."""
    me = request.user
    if not username or username == me.get_username():
        return me
    if not me.is_staff:
        # Whether the account exists is not a voter's to learn either.
        raise _Refused(403, "You can see only your own board.")
    other = get_user_model().objects.filter(username=username).first()
    if other is None:
        raise _Refused(404, f"No voter named {username!r}.")
    return other


def _link(voter, own: bool):
    def link(slug: str | None, kind: str) -> str:
        name = "ratings:personal" if own else "ratings:voter"
        args = [] if own else [voter.get_username()]
        if slug is not None:
            name, args = f"{name}-board", [*args, slug]
        url = reverse(name, args=args)
        return url if slug is not None or kind == Kind.GENERATE else f"{url}?kind={kind}"

    return link


@login_required
@require_GET
def personal(request: HttpRequest, slug: str = OVERALL, username: str | None = None):
    """``/leaderboard/mine/`` (``?voter=`` for staff) and ``/leaderboard/voter/<name>/``."""
    try:
        voter = _whose(request, username or request.GET.get("voter"))
        category = board_category(slug)
        kind = board_kind(category, request.GET.get("kind"))
    except _Refused as exc:
        return _refuse(request, exc.status, str(exc))
    except UnknownBoard as exc:
        return _refuse(request, 404, str(exc))
    own = voter.pk == request.user.pk
    total = personal_votes_total(voter)
    context = {
        "voter_name": voter.get_username(),
        "own": own,
        "category": category,
        "kind": kind,
        "tabs": board_tabs(category, kind, link=_link(voter, own)),
        "team_url": board_link(None if category is None else category.slug, kind),
        "min_votes": PERSONAL_MIN_VOTES,
        "votes_total": total,
        "votes_missing": max(PERSONAL_MIN_VOTES - total, 0),
    }
    if total >= PERSONAL_MIN_VOTES:
        context["board"] = personal_board(voter=voter, category=category, kind=kind)
    return render(request, "ratings/personal.html", context)


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "arena/error.html", {"message": message}, status=status)
