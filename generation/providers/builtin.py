"""The built-in provider: draws a real picture of the prompt with Pillow, no network, no keys.

The look (palette, background, placement, texture) follows from the prompt and a seed, never
from the generator, so that a voter cannot tell generators apart by style; they differ in hidden
quality knobs a voter can judge. The parameters are listed in docs/builtin-provider.md.
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
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from generation.providers.base import Output, Provider, ProviderError
from generation.providers.builtin_scene import (
    UNKNOWN,
    add_artefacts,
    card_words,
    faithful_subject,
    garble,
    letter_card,
    paint_subject,
    pixelated_text,
    subject_box,
)

PALETTES: dict[str, list[str]] = {
    "sunset": ["#2d1e2f", "#f26a4f", "#f9b95b", "#fbe3b4", "#8c2f39"],
    "ocean": ["#03254c", "#1167b1", "#187bcd", "#2a9df4", "#d0efff"],
    "forest": ["#1b2d1b", "#3a5a40", "#588157", "#a3b18a", "#dad7cd"],
    "mono": ["#111111", "#444444", "#888888", "#cccccc", "#f5f5f5"],
    "neon": ["#0d0221", "#ff2a6d", "#05d9e8", "#d1f7ff", "#7b2cbf"],
}
LAYOUTS = ("centered", "grid", "stripes", "radial", "split")
# At vividness 1: saturation and contrast raised by these shares.
VIVID_SATURATION = 0.9
VIVID_CONTRAST = 0.35


class BuiltinProvider(Provider):
    name = "builtin"
    seed_parameter = "seed"
    needs_key = False

    def generate(self, prompt: str, params: dict[str, Any]) -> Output:
        started = time.monotonic()
        options = _options(params)
        stand_in(options, started=started)
        return png_output(draw(prompt, options, model_id=self.model_id), "builtin-1")


def png_output(image: Image.Image, model_version: str) -> Output:
    buffer = io.BytesIO()
    # Read once and stored re-encoded (generation.outputs): the fastest level will do.
    image.save(buffer, format="PNG", compress_level=1)
    return Output(content=buffer.getvalue(), media_type="image/png", model_version=model_version)


def stand_in(options: dict[str, Any], *, started: float) -> None:
    """Answer as slowly (``delay_ms`` since ``started``) or fail as the options ask, standing in
    for a slow or failing API."""
    delay = options["delay_ms"] / 1000 - (time.monotonic() - started)
    if delay > 0:
        time.sleep(delay)
    if options["fail"]:
        raise ProviderError(
            f"built-in provider told to fail ({options['fail']})",
            permanent=options["fail"] == "permanent",
        )


def _options(params: dict[str, Any]) -> dict[str, Any]:
    common = common_options(params)
    layout = params.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise ProviderError(f"unknown layout {layout!r}; use one of {LAYOUTS}", permanent=True)
    try:
        seed = params.get("seed")
        return {
            **common,
            "layout": layout,
            "faithfulness": unit(params, "faithfulness", 1.0),
            "text_quality": unit(params, "text_quality", 1.0),
            "artefacts": unit(params, "artefacts", 0.0),
            "balance": unit(params, "balance", 1.0),
            "noise": unit(params, "noise", 0.0),
            "vividness": unit(params, "vividness", 0.0),
            "seed": None if seed is None else int(seed),
            "size": min(max(int(params.get("size", 512)), 64), 2048),
        }
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"bad built-in parameters: {exc}", permanent=True) from None


def common_options(params: dict[str, Any], *, palette: str | None = None) -> dict[str, Any]:
    """Colours (``palette`` unless the parameters name one), and a delay or failure to act out."""
    chosen = params.get("palette", palette)
    colours = PALETTES.get(chosen) if isinstance(chosen, str) else chosen
    if chosen is not None and (
        not colours or not all(isinstance(c, str) and c.startswith("#") for c in colours)
    ):
        raise ProviderError(f"unknown palette {chosen!r}", permanent=True)
    fail = params.get("fail", "")
    if fail not in ("", "transient", "permanent"):
        raise ProviderError("fail must be 'transient' or 'permanent'", permanent=True)
    try:
        delay_ms = max(int(params.get("delay_ms", 0)), 0)
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"bad built-in parameters: {exc}", permanent=True) from None
    return {"colours": list(colours) if colours else None, "delay_ms": delay_ms, "fail": fail}


def unit(params: dict[str, Any], name: str, default: float) -> float:
    """A knob from 0 to 1, clamped."""
    return min(max(float(params.get(name, default)), 0.0), 1.0)


def seed_of(*parts: Any) -> int:
    """A 64-bit seed from JSON-able parts: the same parts, the same picture."""
    key = json.dumps(parts, sort_keys=True).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def style_of(prompt: str, options: dict[str, Any], *, model_id: str) -> dict[str, Any]:
    """The look of one output, from the prompt and seed only; without a ``seed`` the model id
    stands in, so each generator's outputs still range over every look."""
    seed = options["seed"] if options["seed"] is not None else seed_of(model_id)
    rng = random.Random(seed_of(prompt, seed, options["colours"], options["layout"]))
    return {
        "colours": options["colours"] or PALETTES[rng.choice(sorted(PALETTES))],
        "layout": options["layout"] or rng.choice(LAYOUTS),
        "grain": rng.choice((0.0, 0.0, 0.03, 0.06, 0.1)),
        "rng": rng,
    }


def draw(prompt: str, options: dict[str, Any], *, model_id: str = "builtin") -> Image.Image:
    """The picture for a prompt; the same prompt, options and model give the same pixels."""
    style = style_of(prompt, options, model_id=model_id)
    # Vividness changes only the colours: the flaws strike where they would without it.
    plain = {name: value for name, value in options.items() if name != "vividness"}
    flaws = random.Random(seed_of(prompt, plain, model_id))
    size, colours = options["size"], style["colours"]
    image = Image.new("RGB", (size, size), colours[0])
    canvas = ImageDraw.Draw(image)
    _LAYOUT_PAINTERS[style["layout"]](canvas, size, colours, style["rng"], len(prompt.split()))
    shape, colour = faithful_subject(prompt, colours[-1], options["faithfulness"], flaws)
    box = subject_box(size, style["rng"], options["balance"], flaws)
    paint_subject(canvas, shape, box, colour, colours[0])
    if shape == UNKNOWN:
        letter_card(image, box, card_words(prompt), colours[0], options["text_quality"], flaws)
    _draw_caption(image, prompt, {**options, "colours": colours}, flaws)
    if options["artefacts"] > 0:
        image = add_artefacts(image, options["artefacts"], flaws)
    if style["grain"] > 0:
        image = _add_paper(image, style["grain"], flaws.getrandbits(32))
    if options["noise"] > 0:
        image = _add_noise(image, options["noise"], flaws.getrandbits(32))
    if options["vividness"] > 0:
        image = vivid(image, options["vividness"])
    return image


def vivid(image: Image.Image, amount: float) -> Image.Image:
    """More saturated and more contrasted colours; every shape and letter where it was."""
    image = ImageEnhance.Contrast(image).enhance(1 + VIVID_CONTRAST * amount)
    return ImageEnhance.Color(image).enhance(1 + VIVID_SATURATION * amount)


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


def _draw_caption(image: Image.Image, prompt: str, options: dict[str, Any], rng) -> None:
    size = options["size"]
    lines = textwrap.wrap(garble(prompt, 0.4 + 0.6 * options["text_quality"], rng), width=28)[:4]

    # Low quality letters on a small canvas scaled up with nearest-neighbour: pixelated text.
    def paint(pen, small):
        # In proportion to the canvas, so that pixelated lettering covers no more picture.
        font = ImageFont.load_default(size=max(small[0] // 18, 3))
        line_height = max(small[0] // 14, 2)
        top = small[1] - line_height * (len(lines) + 1)
        pen.rectangle((0, top - line_height // 2, *small), fill=(0, 0, 0, 150))
        for i, line in enumerate(lines):
            at = (small[0] // 20, top + i * line_height)
            pen.text(at, line, font=font, fill=options["colours"][-1])

    layer = pixelated_text((size, size), options["text_quality"], paint)
    image.paste(layer, (0, 0), layer)


def _add_paper(image: Image.Image, amount: float, seed: int) -> Image.Image:
    """Soft blotches of light and shade: smooth, unlike film grain, so it compresses quickly."""
    cells = max(image.width // 16, 2)
    shade = np.random.default_rng(seed).normal(128, 150 * amount, (cells, cells))
    blotches = Image.fromarray(np.clip(shade, 0, 255).astype(np.uint8), "L")
    blotches = blotches.resize(image.size, Image.Resampling.BICUBIC)
    offset = np.asarray(blotches, dtype=np.int16)[:, :, None] - 128
    pixels = np.asarray(image, dtype=np.int16)
    return Image.fromarray(np.clip(pixels + offset, 0, 255).astype(np.uint8), "RGB")


def _add_noise(image: Image.Image, amount: float, seed: int) -> Image.Image:
    pixels = np.asarray(image, dtype=np.int16)
    grain = np.random.default_rng(seed).normal(0, 60 * amount, pixels.shape)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")
