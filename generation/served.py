"""What a voter is sent of an output: its pixels in a file whose length only its size decides.

A compressed file's length follows its content, and padding to one length still leaves the
original size in the padding's own length field or the compressed stream inside. So what is sent
is the decoded pixels written again as an uncompressed PNG by one rule (docs/blindness.md):
8-bit RGB, or RGBA when some pixel is not opaque; every row with filter 0 in one zlib stream of
stored deflate blocks, cut into ``IDAT`` chunks of ``IDAT_BYTES``; no other chunk. Every byte is
then the pixels or a function of width, height and mode.

It is written once per stored output (under ``SERVED_DIR``) when a battle that shows it becomes
ready, or when a voter's request finds it missing, so serving is reading a file in fixed blocks.
"""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.storage import default_storage
from PIL import Image

from generation.store import store_named

SERVED_DIR = "served"
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_STORED_BLOCK = 65_535
IDAT_BYTES = 1 << 20


def served_png(data: bytes) -> bytes:
    """The pixels of an image (PNG, JPEG or WebP) as the uncompressed PNG of the rule above."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        pixels = _rgb_or_rgba(image)
    width, height = pixels.size
    stride = width * len(pixels.getbands())
    flat = pixels.tobytes()
    rows = b"".join(b"\x00" + flat[y * stride : (y + 1) * stride] for y in range(height))
    stream = _stored_zlib(rows)
    colour = 6 if pixels.mode == "RGBA" else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    chunks += [
        _chunk(b"IDAT", stream[at : at + IDAT_BYTES]) for at in range(0, len(stream), IDAT_BYTES)
    ]
    return _SIGNATURE + b"".join(chunks) + _chunk(b"IEND", b"")


def _rgb_or_rgba(image: Image.Image) -> Image.Image:
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            return rgba
    return image.convert("RGB")


def _stored_zlib(raw: bytes) -> bytes:
    """A zlib stream of stored deflate blocks: its bytes depend on ``raw``'s length alone."""
    parts = [b"\x78\x01"]  # deflate, 32 KB window, no preset dictionary, "fastest"
    starts = range(0, max(len(raw), 1), _STORED_BLOCK)
    for at in starts:
        block = raw[at : at + _STORED_BLOCK]
        final = 1 if at + _STORED_BLOCK >= len(raw) else 0
        parts.append(struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF) + block)
    parts.append(struct.pack(">I", zlib.adler32(raw)))
    return b"".join(parts)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def served_name(output_name: str) -> str:
    """Where the served form of a stored output lives: named after the output's hash."""
    digest = output_name.rsplit("/", 1)[-1].split(".", 1)[0]
    return f"{SERVED_DIR}/{digest}.png"


def served_store(output_name: str, content: bytes | None = None) -> str:
    """Write the served form of a stored output once (reading it when ``content`` is None)."""
    name = served_name(output_name)
    if default_storage.exists(name):
        return name
    if content is None:
        with default_storage.open(output_name, "rb") as stored:
            content = stored.read()
    return store_named(name, served_png(content))
