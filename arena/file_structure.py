"""What a parser reads in an image file besides its pixels: for the blindness audit's attacker.

A served file may carry more than its pixels: chunk and segment lengths, the compressed
stream's own length and structure, bytes a decoder skips (a private PNG chunk, bytes after a
JPEG's end, an unknown RIFF chunk). Any of them may record what the file was before it was
made to look like its neighbour, the original byte size above all. ``file_features`` reads
them all, for PNG, JPEG and WebP, as numbers an attacker can learn from:

- ``payload``: the bytes of compressed image data (PNG ``IDAT``, a JPEG's scan, WebP's
  ``VP8 ``/``VP8L`` chunk);
- ``filler``: bytes a decoder skips (chunks it does not know, bytes after the end);
- ``original``: the file's length less the filler, what it was before any padding;
- ``chunks``, ``blocks`` and ``levels``: how many chunks, how many deflate blocks and of what
  kind, the compression level the zlib header records.

It never decodes pixels: what it finds is what the bytes say about themselves.
"""

from __future__ import annotations

import struct
import zlib

_PNG = b"\x89PNG\r\n\x1a\n"
_PNG_KNOWN = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"}
_WEBP_KNOWN = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}


def file_features(body: bytes) -> dict[str, float]:
    """The structural numbers of a PNG, JPEG or WebP file (``{}`` for anything else)."""
    try:
        if body[:8] == _PNG:
            return _png(body)
        if body[:2] == b"\xff\xd8":
            return _jpeg(body)
        if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
            return _webp(body)
    except (struct.error, ValueError, zlib.error):
        return {"malformed": 1.0}
    return {}


def _png(body: bytes) -> dict[str, float]:
    at, idat, filler, chunks = 8, bytearray(), 0, 0
    while at + 8 <= len(body):
        length, kind = struct.unpack(">I4s", body[at : at + 8])
        chunks += 1
        if kind == b"IDAT":
            idat += body[at + 8 : at + 8 + length]
        elif kind not in _PNG_KNOWN:
            filler += 12 + length
        at += 12 + length
        if kind == b"IEND":
            break
    filler += len(body) - at  # bytes after IEND
    return {
        "payload": len(idat),
        "filler": filler,
        "original": len(body) - filler,
        "chunks": chunks,
        **_deflate(bytes(idat)),
    }


def _deflate(stream: bytes) -> dict[str, float]:
    """The zlib header's level and the deflate blocks: how many, and how many are stored."""
    if len(stream) < 3:
        return {}
    features = {"levels": stream[1] >> 6, "first_block": (stream[2] >> 1) & 3}
    blocks = stored = 0
    at = 2
    # Stored blocks can be walked without inflating; a compressed block ends the walk.
    while at + 5 <= len(stream) and (stream[at] >> 1) & 3 == 0:
        blocks, stored = blocks + 1, stored + 1
        size = struct.unpack("<H", stream[at + 1 : at + 3])[0]
        final = stream[at] & 1
        at += 5 + size
        if final:
            break
    features.update(blocks=blocks, stored=stored, unwalked=len(stream) - at)
    return features


def _jpeg(body: bytes) -> dict[str, float]:
    at, headers, segments = 2, 0, 0
    while at + 4 <= len(body) and body[at] == 0xFF:
        marker = body[at + 1]
        length = struct.unpack(">H", body[at + 2 : at + 4])[0]
        segments += 1
        headers += 2 + length
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
    end = body.rfind(b"\xff\xd9")
    end = len(body) if end < at else end + 2
    filler = len(body) - end
    return {
        "payload": end - at,
        "filler": filler,
        "original": len(body) - filler,
        "chunks": segments,
        "headers": headers,
    }


def _webp(body: bytes) -> dict[str, float]:
    at, payload, filler, chunks = 12, 0, 0, 0
    while at + 8 <= len(body):
        kind, length = body[at : at + 4], struct.unpack("<I", body[at + 4 : at + 8])[0]
        chunks += 1
        padded = 8 + length + length % 2
        if kind in (b"VP8 ", b"VP8L"):
            payload += length
        elif kind not in _WEBP_KNOWN:
            filler += padded
        at += padded
    filler += max(len(body) - at, 0)
    return {
        "payload": payload,
        "filler": filler,
        "original": len(body) - filler,
        "chunks": chunks,
        "riff": struct.unpack("<I", body[4:8])[0],
    }
