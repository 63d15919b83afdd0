"""Voting pages: thin views over the arena's services and selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from arena import selectors
from arena.services import VoteError, battle_assign_next, vote_cast
from arena.tasks import battles_refill


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("arena:vote")


@login_required
@require_GET
def vote_next(request: HttpRequest) -> HttpResponse:
    """Show the battle this voter should judge now, or say that none is ready yet."""
    battle = battle_assign_next(voter=request.user)
    if battle is None:
        battles_refill.delay()
        return render(request, "arena/empty.html", status=200)
    return redirect("arena:battle", token=battle.token)


@login_required
@require_http_methods(["GET", "POST"])
def battle(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        return _cast(request, token)
    battle = selectors.battle_of_voter(voter=request.user, token=token)
    if battle is None:
        raise Http404("No such battle.")
    vote = selectors.vote_of(battle=battle, voter=request.user)
    left, right = selectors.battle_sides(battle)
    context = {
        "battle": battle,
        "prompt": battle.prompt,
        "vote": vote,
        "left": left,
        "right": right,
    }
    if vote is None:
        return render(request, "arena/battle.html", context)
    context.update(
        reveal=selectors.battle_reveal(battle),
        votes_today=selectors.votes_today(voter=request.user),
    )
    return render(request, "arena/reveal.html", context)


def _cast(request: HttpRequest, token: str) -> HttpResponse:
    try:
        vote, created = vote_cast(
            voter=request.user, battle_token=token, choice=request.POST.get("choice", "")
        )
    except VoteError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=exc.status)
        return render(request, "arena/error.html", {"message": str(exc)}, status=exc.status)
    if _wants_json(request):
        reveal = selectors.battle_reveal(vote.battle)
        return JsonResponse({"choice": vote.choice, "counted": created, "reveal": reveal})
    return redirect("arena:battle", token=token)
