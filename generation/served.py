"""What a voter is sent of an output: its pixels in a file whose length only its size decides.

A compressed file's length follows its content (grain, texture, an edit's artefacts), and a
voter who keeps notes compares lengths. Padding both sides of a battle to one length hid the
total but not the parts: the padding's own length field, or the compressed stream inside,
still gave each side's original size to anyone who parses the file. So what is sent is not
the stored output but its decoded pixels written again as an uncompressed PNG, by one rule:

- 8-bit RGB, or RGBA when some pixel is not fully opaque (which the pixels show anyway);
- every row with filter 0 (none), in one zlib stream of stored (uncompressed) deflate blocks
  of 65,535 bytes, cut into ``IDAT`` chunks of ``IDAT_BYTES``;
- no other chunk: signature, ``IHDR``, the ``IDAT`` chunks, ``IEND``.

Every byte is then the pixels themselves or a function of width, height and mode: two
outputs of one size and mode are sent at exactly one length (``served_length``), with the
same chunk, block and header bytes, and a parser finds nothing to measure but the pixels.
The cost is size: 3 bytes a pixel (1024 x 1024 RGB: 3.1 MB), against a compressed PNG's 1 to
2.5 MB on generated pictures. A lossy format would be smaller but no lossy encoder hits an
exact length without filler, and a stream compressed on the fly (gzip) would let its
transfer size vary again.

It is written once per stored output (named after it, under ``SERVED_DIR``) when a battle
that shows the output becomes ready (``arena.services.battles.battles_settle``), so serving
is reading a file in fixed blocks: no work that depends on the original. Outputs no battle
waits on (the demo's, judged by simulated voters) get none until one does, or until a
voter's request finds it missing and the view writes it then.
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
    """The pixels of an image (PNG, JPEG or WebP) as the uncompressed PNG the rule above makes."""
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


def served_length(width: int, height: int, bands: int) -> int:
    """The exact length of every served file of this size and number of bands (3 or 4)."""
    raw = height * (1 + width * bands)
    blocks = max(-(-raw // _STORED_BLOCK), 1)
    stream = 2 + 5 * blocks + raw + 4
    idats = max(-(-stream // IDAT_BYTES), 1)
    return len(_SIGNATURE) + (12 + 13) + 12 * idats + stream + 12


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
