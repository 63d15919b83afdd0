"""Source images of edit prompts: decoded, checked, stripped to bare pixels, named by hash.

An upload is trusted for nothing: its type is what the bytes decode as (never its name or the
browser's content type), its size and pixel count are bounded by settings before the pixels
are decoded, and only the pixels are kept. EXIF (GPS included), XMP, ICC profiles, PNG text
chunks and C2PA manifests stay behind, so a voter's photo cannot leak where it was taken, and
the same picture uploaded twice is stored once. The EXIF orientation is applied first, so a
phone photo stays upright once its EXIF is gone.
"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from generation.outputs import bare_pixels
from generation.store import store_hashed

SOURCE_DIR = "sources"
FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
MIN_EDGE = 16
# What Pillow raises on bytes that are not a picture it can read.
UNREADABLE = (
    OSError,
    ValueError,
    SyntaxError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
)


class SourceImageError(ValueError):
    """An upload that cannot be a source image; the message says why, for the uploader."""


def source_decode(data: bytes, *, what: str = "image") -> Image.Image:
    """The bare pixels of an uploaded PNG, JPEG or WebP, upright; raises ``SourceImageError``."""
    limit = settings.ARENA_SOURCE_MAX_BYTES
    if not data:
        raise SourceImageError(f"The {what} file is empty.")
    if len(data) > limit:
        raise SourceImageError(
            f"The {what} is {_megabytes(len(data))}; at most {_megabytes(limit)} is accepted."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _check_header(image, what)
                image.load()
                upright = ImageOps.exif_transpose(image)
    except SourceImageError:
        raise
    except (*UNREADABLE, Warning) as exc:
        raise SourceImageError(
            f"The {what} could not be decoded as a PNG, JPEG or WebP picture "
            f"({type(exc).__name__})."
        ) from None
    return bare_pixels(upright)


def _check_header(image: Image.Image, what: str) -> None:
    if image.format not in FORMATS:
        raise SourceImageError(f"The {what} is a {image.format} file; use PNG, JPEG or WebP.")
    width, height = image.size
    if width * height > settings.ARENA_SOURCE_MAX_PIXELS:
        raise SourceImageError(
            f"The {what} has {width} x {height} pixels; at most "
            f"{settings.ARENA_SOURCE_MAX_PIXELS:,} pixels are accepted."
        )
    if min(width, height) < MIN_EDGE:
        raise SourceImageError(f"The {what} is {width} x {height}; each side needs {MIN_EDGE} px.")


def mask_decode(data: bytes, *, size: tuple[int, int]) -> Image.Image:
    """A mask of the source's size as RGBA whose transparent pixels may change (OpenAI's
    convention); one without transparency is read as black and white (white: may change)."""
    mask = source_decode(data, what="mask")
    if mask.size != size:
        raise SourceImageError(
            f"The mask is {mask.width} x {mask.height} but the image is {size[0]} x {size[1]}; "
            "they must be the same size."
        )
    if mask.mode == "RGBA" and mask.getchannel("A").getextrema()[0] < 255:
        return mask
    editable = mask.convert("L").point(lambda v: 255 if v >= 128 else 0)
    keep = ImageOps.invert(editable)
    stored = Image.new("RGBA", size, (0, 0, 0, 255))
    stored.putalpha(keep)
    return stored


def source_store(image: Image.Image) -> str:
    """Store bare pixels as PNG under their SHA-256 and return the storage name."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return store_hashed(SOURCE_DIR, buffer.getvalue(), "image/png")


def source_hash(name: str) -> str:
    """The content hash in a stored source's name ("" for none)."""
    return name.rsplit("/", 1)[-1].split(".", 1)[0] if name else ""


def read_source(name: str) -> bytes | None:
    """The stored PNG bytes of a source image or mask, or None for none."""
    if not name:
        return None
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def conform(content: bytes, size: tuple[int, int]) -> bytes:
    """An edit at the source's size, so that no provider betrays itself by its dimensions:
    cropped around its centre, never stretched; non-pictures are left to the re-encoder."""
    try:
        with Image.open(io.BytesIO(content)) as answer:
            if answer.size == size:
                return content
            fitted = ImageOps.fit(answer.convert("RGBA"), size, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return content
    buffer = io.BytesIO()
    fitted.save(buffer, format="PNG")
    return buffer.getvalue()


def image_size(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
