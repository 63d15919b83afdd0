"""The built-in provider's edits: change a given picture as an instruction says, with Pillow.

The same source, mask, instruction and parameters give the same pixels. The instruction's words
pick the edit and hidden quality knobs make some editors better (docs/builtin-provider.md).
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import time
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

from generation.providers import builtin
from generation.providers.base import Output, ProviderError

QUOTED = re.compile('["\u201c]([^"\u201d]{1,40})["\u201d]')
STYLE_WORDS = ("style", "painting", "sketch", "watercolor", "watercolour", "cartoon", "restyle")
REMOVE_WORDS = ("remove", "erase", "delete", "get rid")


class BuiltinProvider(builtin.BuiltinProvider):
    def edit(
        self, instruction: str, image: bytes, mask: bytes | None, params: dict[str, Any]
    ) -> Output:
        return edit(instruction, image, mask, params)


def edit(instruction: str, image: bytes, mask: bytes | None, params: dict[str, Any]) -> Output:
    started = time.monotonic()
    options = _options(params)
    builtin.stand_in(options, started=started)
    source = _open(image, options["max_size"])
    area = _open(mask, options["max_size"]).resize(source.size) if mask else None
    sources = hashlib.sha256(image).hexdigest(), hashlib.sha256(mask).hexdigest() if mask else ""
    rng = random.Random(builtin.seed_of(instruction, options, *sources))
    return builtin.png_output(apply_edit(source, area, instruction, options, rng), "builtin-edit-1")


def _options(params: dict[str, Any]) -> dict[str, Any]:
    common = builtin.common_options(params, palette="sunset")
    try:
        return {
            **common,
            "following": builtin.unit(params, "instruction_following", 1.0),
            "fidelity": builtin.unit(params, "fidelity", 1.0),
            "text_quality": builtin.unit(params, "text_quality", 1.0),
            "max_size": min(max(int(params.get("max_size", 1024)), 64), 2048),
            # A fresh output of the same edit (a new seed) is a different picture.
            "seed": None if params.get("seed") is None else int(params["seed"]),
        }
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"bad built-in edit parameters: {exc}", permanent=True) from None


def _open(data: bytes, max_size: int) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGBA")
    except (OSError, ValueError, SyntaxError) as exc:
        raise ProviderError(f"the source image cannot be decoded ({exc})", permanent=True) from None
    image.thumbnail((max_size, max_size))
    return image


def apply_edit(source, area, instruction: str, options: dict[str, Any], rng) -> Image.Image:
    """Blend what the instruction asks for into its area, then let low fidelity wear it down."""
    words = instruction.lower()
    base = source.convert("RGB")
    region = _region(base.size, area, words, rng)
    target = _target(base, words, options["colours"], rng)
    weight = region.point(lambda v: round(v * options["following"]))
    edited = Image.composite(target, base, weight)
    quoted = QUOTED.search(instruction)
    if quoted:
        _letter(edited, region, quoted.group(1), options, rng)
    return _wear(edited, options, rng)


def _region(size, area, words: str, rng) -> Image.Image:
    """Where the edit goes: 255 may change, 0 stays."""
    if area is not None:
        return ImageOps.invert(area.getchannel("A"))
    width, height = size
    if any(word in words for word in STYLE_WORDS):
        return Image.new("L", size, 255)
    region = Image.new("L", size, 0)
    pen = ImageDraw.Draw(region)
    if "background" in words:
        pen.rectangle((0, 0, width, height), fill=255)
        pen.ellipse((width * 0.22, height * 0.18, width * 0.78, height * 0.86), fill=0)
    else:
        cx, cy = width * rng.uniform(0.4, 0.6), height * rng.uniform(0.4, 0.6)
        rx, ry = width * rng.uniform(0.18, 0.3), height * rng.uniform(0.18, 0.3)
        pen.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    return region.filter(ImageFilter.GaussianBlur(radius=max(width, height) / 100))


def _target(base: Image.Image, words: str, colours: list[str], rng) -> Image.Image:
    """The picture as the instruction wants it, everywhere; the region decides where it shows."""
    width, height = base.size
    if any(word in words for word in REMOVE_WORDS):
        return base.filter(ImageFilter.GaussianBlur(radius=max(width, height) / 10))
    if any(word in words for word in STYLE_WORDS):
        grey = ImageOps.posterize(ImageOps.grayscale(base), 3)
        return ImageOps.colorize(grey, colours[0], colours[-1], mid=colours[1])
    if "background" in words:
        return _gradient(base.size, rng.choice(colours[1:]), rng.choice(colours[1:]))
    grey = ImageOps.grayscale(base)
    return ImageOps.colorize(grey, colours[0], rng.choice(colours[1:]))


def _gradient(size, top: str, bottom: str) -> Image.Image:
    width, height = size
    ramp = Image.linear_gradient("L").resize((width, height))
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)


def misspell(text: str, quality: float, rng: random.Random) -> str:
    """Exactly round((1 - quality) * letters) letters come out wrong: better is always better."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    wrong = set(rng.sample(positions, round((1 - quality) * len(positions))))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    # A wrong letter is never the right one by chance.
    return "".join(
        rng.choice(letters.replace(ch.upper(), "")) if i in wrong else ch
        for i, ch in enumerate(text)
    )


def _letter(image: Image.Image, region: Image.Image, text: str, options, rng) -> None:
    quality = options["text_quality"]
    shown = misspell(text, quality, rng)
    left, top, right, bottom = region.getbbox() or (0, 0, *image.size)
    font = ImageFont.load_default(size=max((bottom - top) // 6, 10))
    pen = ImageDraw.Draw(image)
    box = pen.textbbox((0, 0), shown, font=font)
    x = (left + right - (box[2] - box[0])) / 2 + rng.uniform(-1, 1) * (1 - quality) * 20
    y = (top + bottom - (box[3] - box[1])) / 2
    pen.text((x, y), shown, font=font, fill=options["colours"][-1], stroke_width=2,
             stroke_fill=options["colours"][0])  # fmt: skip


def _wear(image: Image.Image, options: dict[str, Any], rng) -> Image.Image:
    """What a careless editor does to the parts it should have left alone."""
    loss = 1 - options["fidelity"]
    if loss <= 0:
        return image
    cast = Image.new("RGB", image.size, rng.choice(options["colours"]))
    image = Image.blend(image, cast, loss * 0.35)
    image = image.filter(ImageFilter.GaussianBlur(radius=loss * 2.5))
    shifted = ImageChops.offset(image, round(loss * 6), round(loss * 4))
    image = Image.blend(image, shifted, loss * 0.3)
    pixels = np.asarray(image, dtype=np.int16)
    grain = np.random.default_rng(rng.getrandbits(32)).normal(0, 40 * loss, pixels.shape)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")
