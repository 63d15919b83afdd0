"""The built-in provider: draws a real image from the prompt with Pillow, no network, no keys.

The picture is deterministic for (prompt, parameters). Parameters make built-in generators
differ visibly, so the demo and the tests have something worth voting on:

``palette``       a name in ``PALETTES`` or a list of ``#rrggbb`` colours
``layout``        ``centered``, ``grid``, ``stripes``, ``radial`` or ``split``
``text_quality``  0..1; 1 renders the prompt crisply, lower values blur and garble it
``noise``         0..1; grain added over the picture
``size``          edge length in pixels (64..2048, default 512)
``delay_ms``      sleep before answering, to stand in for a slow API
``fail``          ``transient`` or ``permanent`` makes every call fail that way (for tests)
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import textwrap
import time
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from generation.providers.base import Output, Provider, ProviderError

PALETTES: dict[str, list[str]] = {
    "sunset": ["#2d1e2f", "#f26a4f", "#f9b95b", "#fbe3b4", "#8c2f39"],
    "ocean": ["#03254c", "#1167b1", "#187bcd", "#2a9df4", "#d0efff"],
    "forest": ["#1b2d1b", "#3a5a40", "#588157", "#a3b18a", "#dad7cd"],
    "mono": ["#111111", "#444444", "#888888", "#cccccc", "#f5f5f5"],
    "neon": ["#0d0221", "#ff2a6d", "#05d9e8", "#d1f7ff", "#7b2cbf"],
}
LAYOUTS = ("centered", "grid", "stripes", "radial", "split")


class BuiltinProvider(Provider):
    name = "builtin"
    seed_parameter = "seed"
    needs_key = False

    def generate(self, prompt: str, params: dict[str, Any]) -> Output:
        started = time.monotonic()
        options = _options(params)
        delay = options["delay_ms"] / 1000 - (time.monotonic() - started)
        if delay > 0:
            time.sleep(delay)
        if options["fail"]:
            raise ProviderError(
                f"built-in provider told to fail ({options['fail']})",
                permanent=options["fail"] == "permanent",
            )
        image = draw(prompt, options)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return Output(content=buffer.getvalue(), media_type="image/png", model_version="builtin-1")


def _options(params: dict[str, Any]) -> dict[str, Any]:
    palette = params.get("palette", "sunset")
    colours = PALETTES.get(palette) if isinstance(palette, str) else palette
    if not colours or not all(isinstance(c, str) and c.startswith("#") for c in colours):
        raise ProviderError(f"unknown palette {palette!r}", permanent=True)
    layout = params.get("layout", "centered")
    if layout not in LAYOUTS:
        raise ProviderError(f"unknown layout {layout!r}; use one of {LAYOUTS}", permanent=True)
    fail = params.get("fail", "")
    if fail not in ("", "transient", "permanent"):
        raise ProviderError("fail must be 'transient' or 'permanent'", permanent=True)
    try:
        return {
            "colours": list(colours),
            "layout": layout,
            "text_quality": min(max(float(params.get("text_quality", 1.0)), 0.0), 1.0),
            "noise": min(max(float(params.get("noise", 0.0)), 0.0), 1.0),
            "size": min(max(int(params.get("size", 512)), 64), 2048),
            "delay_ms": max(int(params.get("delay_ms", 0)), 0),
            "fail": fail,
        }
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"bad built-in parameters: {exc}", permanent=True) from None


def _seed(prompt: str, options: dict[str, Any]) -> int:
    key = json.dumps([prompt, options], sort_keys=True).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def draw(prompt: str, options: dict[str, Any]) -> Image.Image:
    """Draw the picture for a prompt; the same prompt and options give the same pixels."""
    rng = random.Random(_seed(prompt, options))
    size, colours = options["size"], options["colours"]
    image = Image.new("RGB", (size, size), colours[0])
    canvas = ImageDraw.Draw(image)
    _LAYOUT_PAINTERS[options["layout"]](canvas, size, colours, rng, len(prompt.split()))
    _draw_caption(image, prompt, options, rng)
    if options["noise"] > 0:
        image = _add_noise(image, options["noise"], rng.getrandbits(32))
    return image


def _paint_centered(canvas, size, colours, rng, words):
    for i in range(3 + words % 5):
        r = size * (0.45 - i * 0.06)
        if r <= 4:
            break
        c = size / 2 + rng.uniform(-0.05, 0.05) * size
        canvas.ellipse((c - r, c - r, c + r, c + r), fill=colours[1 + i % (len(colours) - 1)])


def _paint_grid(canvas, size, colours, rng, words):
    cells = 3 + words % 4
    step = size / cells
    for row in range(cells):
        for col in range(cells):
            box = (col * step + 3, row * step + 3, (col + 1) * step - 3, (row + 1) * step - 3)
            canvas.rounded_rectangle(box, radius=step / 6, fill=rng.choice(colours[1:]))


def _paint_stripes(canvas, size, colours, rng, words):
    count = 5 + words % 7
    for i in range(count):
        y0, y1 = i * size / count, (i + 1) * size / count
        tilt = rng.uniform(-0.2, 0.2) * size
        polygon = [(0, y0), (size, y0 + tilt), (size, y1 + tilt), (0, y1)]
        canvas.polygon(polygon, fill=colours[1 + i % (len(colours) - 1)])


def _paint_radial(canvas, size, colours, rng, words):
    rays = 8 + words % 16
    centre = (size / 2, size / 2)
    for i in range(rays):
        start = 360 * i / rays + rng.uniform(0, 5)
        box = (-size / 2, -size / 2, size * 1.5, size * 1.5)
        canvas.pieslice(box, start, start + 180 / rays, fill=colours[1 + i % (len(colours) - 1)])
    canvas.ellipse((centre[0] - 20, centre[1] - 20, centre[0] + 20, centre[1] + 20), colours[-1])


def _paint_split(canvas, size, colours, rng, words):
    canvas.rectangle((0, 0, size / 2, size), fill=colours[1])
    canvas.rectangle((size / 2, 0, size, size), fill=colours[2 % len(colours)])
    for _ in range(2 + words % 6):
        x, y, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(size / 20, size / 6)
        canvas.rectangle((x - r, y - r, x + r, y + r), outline=colours[-1], width=4)


_LAYOUT_PAINTERS = {
    "centered": _paint_centered,
    "grid": _paint_grid,
    "stripes": _paint_stripes,
    "radial": _paint_radial,
    "split": _paint_split,
}


def _garble(text: str, quality: float, rng: random.Random) -> str:
    """Swap letters the way weak image models misspell text in pictures."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(
        rng.choice(letters) if ch.isalpha() and rng.random() > quality else ch for ch in text
    )


def _draw_caption(image: Image.Image, prompt: str, options: dict[str, Any], rng) -> None:
    size, quality = options["size"], options["text_quality"]
    # Low quality renders on a small canvas and scales up with nearest-neighbour: pixelated text.
    shrink = 1 + round((1 - quality) * 5)
    small = size // shrink
    font = ImageFont.load_default(size=max(small // 18, 6))
    lines = textwrap.wrap(_garble(prompt, quality, rng), width=28)[:4]
    layer = Image.new("RGBA", (small, small), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    line_height = max(small // 14, 8)
    top = small - line_height * (len(lines) + 1)
    pen.rectangle((0, top - line_height // 2, small, small), fill=(0, 0, 0, 150))
    for i, line in enumerate(lines):
        pen.text((small // 20, top + i * line_height), line, font=font, fill=options["colours"][-1])
    if quality < 0.5:
        layer = layer.filter(ImageFilter.GaussianBlur(radius=(0.5 - quality) * 2))
    layer = layer.resize((size, size), Image.Resampling.NEAREST)
    image.paste(layer, (0, 0), layer)


def _add_noise(image: Image.Image, amount: float, seed: int) -> Image.Image:
    pixels = np.asarray(image, dtype=np.int16)
    grain = np.random.default_rng(seed).normal(0, 60 * amount, pixels.shape)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")
