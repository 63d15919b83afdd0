"""The one content-addressed store: files named by what they hold, and one way to send one.

Outputs, what voters are sent of them, and edit sources all live in the configured storage
(local files or a bucket) under a name made from a SHA-256, written once: the same bytes
stored twice are one file. Every view that sends a stored file sends it the same way: read
from the storage (never a redirect to a bucket's URL), streamed in fixed blocks, with its
type and nothing else (no name, no date, no ETag).
"""

from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

# A stored name's last part: a SHA-256 and an extension.
HASHED = re.compile(r"^[0-9a-f]{64}\.(png|webp|jpg)$")
MEDIA_TYPES = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg"}
EXTENSIONS = {media_type: extension for extension, media_type in MEDIA_TYPES.items()}
# Every response is read in blocks of this size, whatever it holds.
BLOCK = 64 * 1024


def store_named(name: str, content: bytes) -> str:
    """Write ``content`` under ``name`` unless it is there already; returns ``name``."""
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return name


def store_hashed(folder: str, content: bytes, media_type: str) -> str:
    """Write ``content`` under ``folder/<its SHA-256>.<extension>`` and return that name."""
    extension = EXTENSIONS.get(media_type, "bin")
    return store_named(f"{folder}/{hashlib.sha256(content).hexdigest()}.{extension}", content)


def stored_response(name: str, *, cache: str) -> FileResponse:
    """A stored file as the response, 404 when it is not there; ``cache``: Cache-Control."""
    try:
        if not default_storage.exists(name):
            raise FileNotFoundError(name)
        stream = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file.") from None
    response = FileResponse(stream, content_type=MEDIA_TYPES[name.rsplit(".", 1)[-1]])
    response.block_size = BLOCK
    # No Content-Disposition (it would carry the stored name), no Last-Modified, no ETag.
    response.headers.pop("Content-Disposition", None)
    response["Cache-Control"] = cache
    return response


def stored_name(folder: str, name: str) -> str | None:
    """``folder/name`` when ``name`` is a content hash with its extension, else None."""
    return f"{folder}/{name}" if HASHED.match(name) else None
