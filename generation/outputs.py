"""Blind output storage: re-encode every image to one format with no metadata, name it by hash.

Nothing that reaches a voter may betray the generator: not the file name, not EXIF/XMP/ICC
or PNG text chunks, not C2PA manifests, not a format or a size that one provider always uses.
Decoding to pixels and encoding anew from the pixels alone drops every one of those; scaling
into one canonical box (``ARENA_OUTPUT_SIZE``) and padding to fill it makes every output of
every model the same width and height.
"""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from generation.providers.base import ProviderError
from generation.store import store_hashed

OUTPUT_DIR = "outputs"
MAX_PIXELS = 40_000_000
STORED_PNG_LEVEL = 3
# Each ARENA_IMAGE_FORMAT's Pillow format, media type and encoder options. PNG is lossless
# either way: level 3 writes a generated picture about twice as fast as the default 6, for
# files about a fifth larger.
_FORMATS = {
    "png": ("PNG", "image/png", {"optimize": False, "compress_level": STORED_PNG_LEVEL}),
    "webp": ("WEBP", "image/webp", {"quality": 92, "method": 4}),
    "jpeg": ("JPEG", "image/jpeg", {"quality": 92, "optimize": True}),
}
_UNSET = object()
# Padding around an output whose aspect differs from the box: plain, the same for everyone.
PAD_COLOUR = (24, 24, 24)


def reencode_image(data: bytes, *, fmt: str | None = None, size=_UNSET) -> tuple[bytes, str]:
    """``(bytes, media_type)`` of the bare pixels in the configured format and size; bytes that
    are not an image are a permanent ``ProviderError``: asking again would not fix them."""
    fmt = fmt or settings.ARENA_IMAGE_FORMAT
    pil_format, media_type, options = _FORMATS[fmt]
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > MAX_PIXELS:
                raise ProviderError("image is too large to store", permanent=True)
            source.load()
            pixels = bare_pixels(source, keep_alpha=fmt != "jpeg")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ProviderError(
            f"provider returned bytes that are not an image ({exc})", permanent=True
        ) from None
    box = settings.ARENA_OUTPUT_SIZE if size is _UNSET else size
    if box is not None:
        pixels = normalise_size(pixels, box)
    buffer = io.BytesIO()
    pixels.save(buffer, format=pil_format, **options)
    return buffer.getvalue(), media_type


def bare_pixels(source: Image.Image, *, keep_alpha: bool = True) -> Image.Image:
    """Copy only the pixel values into a fresh image, leaving every metadata block behind."""
    alpha = keep_alpha and ("A" in source.getbands() or "transparency" in source.info)
    mode = "RGBA" if alpha else "RGB"
    converted = source.convert(mode)
    fresh = Image.new(mode, converted.size)
    fresh.paste(converted)
    return fresh


def normalise_size(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Scale to fit inside ``box`` keeping the aspect, then pad (centred) to exactly ``box``."""
    if image.size == box:
        return image
    scale = min(box[0] / image.width, box[1] / image.height)
    fitted = (max(round(image.width * scale), 1), max(round(image.height * scale), 1))
    image = image.resize(fitted, Image.Resampling.LANCZOS)
    if fitted == box:
        return image
    fill = (*PAD_COLOUR, 0) if image.mode == "RGBA" else PAD_COLOUR
    canvas = Image.new(image.mode, box, fill)
    canvas.paste(image, ((box[0] - fitted[0]) // 2, (box[1] - fitted[1]) // 2))
    return canvas


def output_digest(content: bytes | None, text: str = "") -> str:
    """SHA-256 of an output as stored: its bytes, or its text when it has no file.

    Outputs with equal digests are one output to a voter, whichever generation made them.
    """
    return hashlib.sha256(content if content is not None else text.encode()).hexdigest()


def store_output(content: bytes, media_type: str) -> str:
    """Store an output under its content hash; what voters are sent of it is written when a
    battle first shows it (see :mod:`generation.served`)."""
    return store_hashed(OUTPUT_DIR, content, media_type)


def output_location(name: str) -> str:
    """Where a stored output lives, for operators: a local path or an ``s3://`` address."""
    try:
        return default_storage.path(name)
    except NotImplementedError:  # remote storage has no local path
        bucket = getattr(default_storage, "bucket_name", "")
        prefix = getattr(default_storage, "location", "").strip("/")
        key = f"{prefix}/{name}" if prefix else name
        return f"s3://{bucket}/{key}" if bucket else f"{type(default_storage).__name__}:{name}"
