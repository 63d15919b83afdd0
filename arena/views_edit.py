"""Edit battles' own pages: bring your own picture to edit, and the source images themselves."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from arena import selectors
from arena.forms import VoterEditForm
from arena.views import battle_start_page
from generation.sources import SOURCE_DIR
from generation.store import stored_name, stored_response


@login_required
@require_http_methods(["GET", "POST"])
def edit_new(request: HttpRequest) -> HttpResponse:
    """Upload a picture, say what should change, and start a blind edit battle on it."""
    limits = {
        "max_megabytes": f"{settings.ARENA_SOURCE_MAX_BYTES / 1e6:g}",
        "max_pixels": f"{settings.ARENA_SOURCE_MAX_PIXELS:,}",
    }
    return battle_start_page(request, VoterEditForm, "arena/edit_new.html", limits)


@login_required
@require_GET
def source_file(request: HttpRequest, name: str) -> FileResponse:
    """One stored source image or mask, for those who may see it (see source_readable)."""
    path = stored_name(SOURCE_DIR, name)
    if path is None or not selectors.source_readable(user=request.user, name=path):
        raise Http404("No such image.")
    return stored_response(path, cache="private, max-age=31536000, immutable")
