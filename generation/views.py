"""Serves stored outputs to staff under their content-hash names (the admin's links).

Voters never see these names: the voting pages use per-battle addresses instead
(``arena.addresses``), since a stored name repeats whenever an output is reused.
"""

from __future__ import annotations

import re

from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from generation.outputs import OUTPUT_DIR

_NAME = re.compile(r"^[0-9a-f]{64}\.(png|webp|jpg)$")
_TYPES = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg"}


@staff_member_required
@require_GET
def output_file(request: HttpRequest, name: str) -> FileResponse:
    """Stream one output; the response says nothing but its bytes and their type."""
    if not _NAME.match(name):
        raise Http404("No such output.")
    path = f"{OUTPUT_DIR}/{name}"
    if not default_storage.exists(path):
        raise Http404("No such output.")
    response = FileResponse(
        default_storage.open(path, "rb"), content_type=_TYPES[name.rsplit(".", 1)[1]]
    )
    # No Content-Disposition, no Last-Modified: nothing but the bytes and their type.
    response.headers.pop("Content-Disposition", None)
    response["Cache-Control"] = "private, max-age=86400"
    return response
