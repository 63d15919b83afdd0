"""Voting pages and their small JSON endpoints: thin views over the arena's services and selectors.

Every page works as plain HTML forms; the voting page's script uses the same URLs with
``Accept: application/json``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arena import selectors
from arena.addresses import output_address_read
from arena.core.queue import enqueue
from arena.forms import VoterPromptForm
from arena.models import Battle
from arena.services import (
    ArenaError,
    BattleNotFound,
    CategoryUnclear,
    RateLimited,
    battle_assign_next,
    battle_hold_next,
    battle_mark_shown,
    battle_open_requested,
    daily_cap_check,
    vote_cast,
    voter_battle_start,
    voter_prompt_retry,
)
from arena.tasks import battles_refill
from generation.served import served_store
from generation.store import stored_response

_LOADED = {"1": True, "true": True, "0": False, "false": False}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error(request: HttpRequest, exc: ArenaError) -> HttpResponse:
    """The error in words, as JSON or as a page, with its status (and Retry-After on 429)."""
    if _wants_json(request):
        response = JsonResponse({"error": str(exc)}, status=exc.status)
    else:
        response = render(request, "arena/error.html", {"message": str(exc)}, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: staff on the admin, everyone else on the next battle."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return redirect("arena:vote")


@login_required
@require_GET
def vote_next(request: HttpRequest) -> HttpResponse:
    """Show the battle this voter should judge now, or say that none is ready yet."""
    try:
        daily_cap_check(voter=request.user)
        battle = battle_assign_next(voter=request.user)
    except ArenaError as exc:  # over the cap, or nothing left this voter has not seen
        return _error(request, exc)
    if battle is None:
        enqueue(battles_refill)
        return render(request, "arena/empty.html", status=200)
    return redirect("arena:battle", token=battle.token)


@login_required
@require_http_methods(["GET", "POST"])
def battle(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        return _cast(request, token)
    battle = selectors.battle_of_voter(voter=request.user, token=token)
    if battle is None:
        return _error(request, BattleNotFound("No such battle."))
    if battle.status == Battle.Status.ASSIGNED and battle.shown_at is None:
        # A battle held as the next one, opened by its address: it is on screen now.
        battle_mark_shown(voter=request.user, battle=battle)
    vote = selectors.vote_of(battle=battle, voter=request.user)
    left, right = selectors.battle_sides(battle)
    context = {
        "battle": battle,
        "prompt": battle.prompt,
        "source_url": selectors.source_url(battle.prompt),
        "vote": vote,
        "left": left,
        "right": right,
        "reveal": selectors.battle_reveal(battle, vote) if vote is not None else {},
        "votes_today": selectors.votes_today(voter=request.user),
        "daily_cap": settings.ARENA_DAILY_VOTE_CAP,
    }
    return render(request, "arena/battle.html", context)


def _cast(request: HttpRequest, token: str) -> HttpResponse:
    try:
        cast = vote_cast(
            voter=request.user,
            battle_token=token,
            choice=request.POST.get("choice", ""),
            images_loaded=_LOADED.get(request.POST.get("images_loaded", "")),
        )
    except ArenaError as exc:
        return _error(request, exc)
    if not _wants_json(request):
        return redirect("arena:battle", token=token)
    return JsonResponse(
        {
            "choice": cast.vote.choice,
            "choice_label": cast.vote.get_choice_display(),
            "counted": cast.created,
            "reveal": cast.reveal,
            "votes_today": cast.votes_today,
        }
    )


@login_required
@require_POST
def battle_prefetch(request: HttpRequest) -> JsonResponse:
    """The battle held for this voter as their next one, blind, so its images can preload;
    ``{"battle": null}`` when there is none (the vote page then says why)."""
    try:
        daily_cap_check(voter=request.user)
        held = battle_hold_next(voter=request.user)
    except ArenaError:
        return JsonResponse({"battle": None})
    if held is None:
        enqueue(battles_refill)
        return JsonResponse({"battle": None})
    battle = selectors.battle_of_voter(voter=request.user, token=held.token)
    card = selectors.battle_card(battle)
    card["url"] = reverse("arena:battle", args=[battle.token])
    card["shown_url"] = reverse("arena:battle-shown", args=[battle.token])
    return JsonResponse({"battle": card})


@login_required
@require_POST
def battle_shown(request: HttpRequest, token: str) -> JsonResponse:
    """The script put a preloaded battle on screen: from now on its time to vote counts."""
    battle = selectors.battle_of_voter(voter=request.user, token=token)
    if battle is None or not battle_mark_shown(voter=request.user, battle=battle):
        return JsonResponse({"error": "This battle is no longer yours to show."}, status=409)
    return JsonResponse({"shown": True})


@login_required
@require_GET
def battle_output(request: HttpRequest, signed: str) -> FileResponse:
    """One side of a battle by its per-battle address: the output's served form (its pixels,
    see generation.served), streamed from the storage, never a redirect to a bucket's URL."""
    address = output_address_read(signed)
    generation = None
    if address is not None:
        token, side = address
        generation = selectors.battle_output(user=request.user, token=token, side=side)
    if generation is None:
        raise Http404("No such output.")
    try:
        name = served_store(generation.file.name)  # written when its battle got ready, else now
    except (FileNotFoundError, OSError):
        raise Http404("No such output.") from None
    # One voter's address: a shared cache must never keep it for another.
    return stored_response(name, cache="private, max-age=86400")


@login_required
@require_http_methods(["GET", "POST"])
def prompt_new(request: HttpRequest) -> HttpResponse:
    """Type a prompt, pick a category (or let the arena pick), and start a blind battle on it."""
    return battle_start_page(request, VoterPromptForm, "arena/prompt_new.html")


def battle_start_page(
    request: HttpRequest, form_class, template: str, context: dict | None = None
) -> HttpResponse:
    """Both pages that start a battle on a voter's own prompt (typed, or a picture to edit)."""
    posted = request.method == "POST"
    form = form_class(request.POST if posted else None, request.FILES if posted else None)

    def again(*, status: int = 200, message: str = "") -> HttpResponse:
        page = {**(context or {}), "form": form, "message": message}
        return render(request, template, page, status=status)

    if not posted:
        return again()
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"error": form.first_error(), "fields": form.errors}, status=400)
        return again(status=400)
    try:
        battle = voter_battle_start(voter=request.user, **form.cleaned_data)
    except ArenaError as exc:
        if _wants_json(request):
            return _error(request, exc)
        if isinstance(exc, CategoryUnclear):
            form.add_error("category", str(exc))
            return again(status=exc.status)
        return again(status=exc.status, message=str(exc))
    return _started(request, battle)


def _started(request: HttpRequest, battle: Battle) -> HttpResponse:
    if not _wants_json(request):
        return redirect("arena:prompt-battle", token=battle.token)
    return JsonResponse(_prompt_links(battle), status=201)


def _prompt_links(battle: Battle) -> dict:
    return {
        "token": str(battle.token),
        "url": reverse("arena:prompt-battle", args=[battle.token]),
        "status_url": reverse("arena:prompt-status", args=[battle.token]),
        "retry_url": reverse("arena:prompt-retry", args=[battle.token]),
    }


@login_required
@require_GET
def prompt_battle(request: HttpRequest, token: str) -> HttpResponse:
    """Progress of a battle on the voter's own prompt; opens it for voting once both are done."""
    battle = selectors.battle_requested_by(voter=request.user, token=token)
    if battle is None:
        return _error(request, BattleNotFound("No such battle."))
    if battle_open_requested(voter=request.user, battle=battle):
        return redirect("arena:battle", token=battle.token)
    context = {
        "battle": battle,
        "progress": selectors.battle_progress(battle),
        "source_url": selectors.source_url(battle.prompt),
    }
    context.update(_prompt_links(battle))
    return render(request, "arena/prompt_battle.html", context)


@login_required
@require_GET
def prompt_status(request: HttpRequest, token: str) -> JsonResponse:
    """The progress as JSON, for the progress page to poll."""
    battle = selectors.battle_requested_by(voter=request.user, token=token)
    if battle is None:
        return JsonResponse({"error": "No such battle."}, status=404)
    return JsonResponse({**selectors.battle_progress(battle), **_prompt_links(battle)})


@login_required
@require_POST
def prompt_retry(request: HttpRequest, token: str) -> HttpResponse:
    """Try a failed prompt again with another pair of generators."""
    try:
        battle = voter_prompt_retry(voter=request.user, battle_token=token)
    except ArenaError as exc:
        return _error(request, exc)
    return _started(request, battle)
