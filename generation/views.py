"""Serves stored outputs to staff under their content-hash names (the admin's links).

Voters never see these names: the voting pages use per-battle addresses instead
(``arena.addresses``), since a stored name repeats whenever an output is reused.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from generation.outputs import OUTPUT_DIR
from generation.store import stored_name, stored_response


@staff_member_required
@require_GET
def output_file(request: HttpRequest, name: str) -> FileResponse:
    """Stream one output as it is stored."""
    path = stored_name(OUTPUT_DIR, name)
    if path is None:
        raise Http404("No such output.")
    return stored_response(path, cache="private, max-age=86400")
