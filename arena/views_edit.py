"""Edit battles' own pages: bring your own picture to edit, and the source images themselves."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from arena import selectors
from arena.forms import VoterEditForm
from arena.services import ArenaError, voter_edit_start
from arena.views import _error, _started, _wants_json
from generation.sources import SOURCE_DIR
from generation.store import stored_name, stored_response


@login_required
@require_http_methods(["GET", "POST"])
def edit_new(request: HttpRequest) -> HttpResponse:
    """Upload a picture, say what should change, and start a blind edit battle on it."""
    posted = request.method == "POST"
    form = VoterEditForm(request.POST if posted else None, request.FILES if posted else None)
    if not posted:
        return _edit_form(request, form)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"error": form.first_error(), "fields": form.errors}, status=400)
        return _edit_form(request, form, status=400)
    data = form.cleaned_data
    try:
        battle = voter_edit_start(
            voter=request.user,
            text=data["text"],
            image=data["image"],
            mask=data["mask"],
            category=data["category"],
        )
    except ArenaError as exc:
        if _wants_json(request):
            return _error(request, exc)
        return _edit_form(request, form, status=exc.status, message=str(exc))
    return _started(request, battle, status=201)


def _edit_form(request, form, *, status: int = 200, message: str = "") -> HttpResponse:
    context = {
        "form": form,
        "message": message,
        "max_megabytes": f"{settings.ARENA_SOURCE_MAX_BYTES / 1e6:g}",
        "max_pixels": f"{settings.ARENA_SOURCE_MAX_PIXELS:,}",
    }
    return render(request, "arena/edit_new.html", context, status=status)


@login_required
@require_GET
def source_file(request: HttpRequest, name: str) -> FileResponse:
    """One stored source image or mask, for those who may see it (see source_readable)."""
    path = stored_name(SOURCE_DIR, name)
    if path is None or not selectors.source_readable(user=request.user, name=path):
        raise Http404("No such image.")
    return stored_response(path, cache="private, max-age=31536000, immutable")
