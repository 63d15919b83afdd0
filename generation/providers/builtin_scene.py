"""What the built-in provider draws besides the background: the prompt's subject, and flaws."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

COLOURS: dict[str, str] = {
    "red": "#d62828", "pink": "#f4a6c0", "orange": "#f77f00", "yellow": "#fcbf49",
    "gold": "#d4a017", "green": "#3a9a4a", "blue": "#1f6fd1", "purple": "#7b2cbf",
    "brown": "#7f4f24", "black": "#151515", "white": "#f8f8f8", "grey": "#8d8d8d",
    "gray": "#8d8d8d", "silver": "#c0c0c8", "teal": "#138a8a", "navy": "#14213d",
}  # fmt: skip

# Words of the demo's prompts (and common others) and the shape that stands for each.
OBJECTS: dict[str, str] = {}
for _shape, _words in {
    "bag": "bag handbag purse tote case",
    "backpack": "backpack rucksack",
    "bottle": "bottle perfume serum oil dropper",
    "jar": "jar honey jam",
    "mug": "mug cup coffee espresso latte teacup",
    "vase": "vase",
    "shoe": "shoe shoes sneaker sneakers boot boots",
    "watch": "watch wristwatch clock",
    "bicycle": "bicycle bike cyclist cycling scooter",
    "ring": "wheel earbuds circle badge emblem",
    "lighthouse": "lighthouse tower",
    "shirt": "shirt shirts t-shirt",
    "kite": "kite",
    "panel": "sign poster banner menu label ticket cover sticker book chalkboard window",
    "cake": "cake bread dough",
    "leaf": "leaf tree wheat hops lotus rosemary citrus",
    "animal": "fox dog paws owl owls",
    "figure": "portrait woman man child chef chefs violinist family astronaut "
    "skateboarder hands businesswoman fisherman crowd",
    "mountain": "mountain trail",
}.items():
    OBJECTS.update(dict.fromkeys(_words.split(), _shape))
# A prompt that names no known object gets a plain card lettered with its own words.
UNKNOWN = "card"
SHAPES = sorted(set(OBJECTS.values()) | {"star"})
_PLAIN = "a an the of on in at by with and or for to from its under over into while top logo style"
_PLAIN_WORDS = frozenset(_PLAIN.split(" "))


def _words(prompt: str) -> list[str]:
    return [w.strip(".,:;!?'\"()").lower() for w in prompt.split()]


def subject_of(prompt: str) -> tuple[str, str | None]:
    """(shape, colour or None) the prompt asks for; a card when it names no known object."""
    words = _words(prompt)
    shape = next((OBJECTS[w] for w in words if w in OBJECTS), UNKNOWN)
    colour = next((COLOURS[w] for w in words if w in COLOURS), None)
    return shape, colour


def card_words(prompt: str, limit: int = 2) -> str:
    """The words a card letters: the prompt's first words that are not colours or glue."""
    words = [w for w in _words(prompt) if w.isalpha() and w not in _PLAIN_WORDS | COLOURS.keys()]
    return " ".join(words[:limit]).upper()


def faithful_subject(prompt, accent, faithfulness, rng) -> tuple[str, str]:
    """The subject actually drawn: the prompt's, or (less often when faithful) a wrong one."""
    shape, colour = subject_of(prompt)
    colour = colour or accent
    if rng.random() > faithfulness:
        shape = rng.choice([s for s in SHAPES if s != shape])
    if rng.random() > faithfulness:
        colour = rng.choice([c for c in COLOURS.values() if c != colour])
    return shape, colour


def subject_box(size: int, style: random.Random, balance: float, rng: random.Random):
    """Where the subject sits: a style's anchor; unbalanced ones crowd or leave the frame."""
    anchor_x = style.choice((0.5, 0.5, 1 / 3, 2 / 3))
    anchor_y = style.choice((0.4, 0.45, 1 / 3))
    scale = style.uniform(0.22, 0.3)
    if rng.random() > balance:
        anchor_x = rng.choice((0.06, 0.94))
        anchor_y = rng.choice((0.08, 0.55))
        scale *= rng.choice((0.45, 1.6))
    half = size * scale
    cx, cy = size * anchor_x, size * anchor_y
    return (cx - half, cy - half, cx + half, cy + half)


def paint_subject(canvas: ImageDraw.ImageDraw, shape: str, box, colour: str, line: str):
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    width = max(int(w / 40), 1)
    _PAINTERS[shape](canvas, x0, y0, w, h, colour, line, width)


def _bag(c, x, y, w, h, fill, line, width):
    c.arc((x + w * 0.3, y, x + w * 0.7, y + h * 0.5), 180, 360, fill=line, width=width * 3)
    c.polygon([(x + w * 0.15, y + h * 0.3), (x + w * 0.85, y + h * 0.3), (x + w, y + h),
               (x, y + h)], fill=fill, outline=line)  # fmt: skip


def _bottle(c, x, y, w, h, fill, line, width):
    c.rectangle((x + w * 0.42, y, x + w * 0.58, y + h * 0.3), fill=line)
    c.rounded_rectangle((x + w * 0.25, y + h * 0.25, x + w * 0.75, y + h), w / 8, fill=fill,
                        outline=line, width=width)  # fmt: skip


def _mug(c, x, y, w, h, fill, line, width):
    c.ellipse((x + w * 0.55, y + h * 0.35, x + w, y + h * 0.75), outline=fill, width=width * 5)
    c.rounded_rectangle((x, y + h * 0.2, x + w * 0.75, y + h), w / 12, fill=fill, outline=line,
                        width=width)  # fmt: skip


def _shoe(c, x, y, w, h, fill, line, width):
    c.polygon([(x, y + h * 0.55), (x + w * 0.45, y + h * 0.35), (x + w * 0.6, y + h * 0.55),
               (x + w, y + h * 0.7), (x + w, y + h * 0.9), (x, y + h * 0.9)],
              fill=fill, outline=line)  # fmt: skip
    c.rectangle((x, y + h * 0.88, x + w, y + h * 0.95), fill=line)


def _ring(c, x, y, w, h, fill, line, width):
    c.ellipse((x, y, x + w, y + h), fill=fill, outline=line, width=width * 2)
    c.ellipse((x + w * 0.2, y + h * 0.2, x + w * 0.8, y + h * 0.8), fill=line)
    c.line((x + w / 2, y + h / 2, x + w / 2, y + h * 0.3), fill=fill, width=width * 2)


def _panel(c, x, y, w, h, fill, line, width):
    c.rectangle((x, y + h * 0.15, x + w, y + h * 0.85), fill=fill, outline=line, width=width * 3)
    for i in range(3):
        top = y + h * (0.3 + i * 0.17)
        c.rectangle((x + w * 0.12, top, x + w * (0.88 - 0.15 * i), top + h * 0.07), fill=line)


def _cake(c, x, y, w, h, fill, line, width):
    for i, (left, top) in enumerate(((0.0, 0.65), (0.12, 0.4), (0.25, 0.18))):
        c.rectangle((x + w * left, y + h * top, x + w * (1 - left), y + h * (top + 0.25)),
                    fill=fill if i % 2 == 0 else line, outline=line)  # fmt: skip
    c.rectangle((x + w * 0.48, y, x + w * 0.52, y + h * 0.18), fill=line)


def _leaf(c, x, y, w, h, fill, line, width):
    c.ellipse((x + w * 0.15, y, x + w * 0.85, y + h * 0.85), fill=fill, outline=line)
    c.line((x + w / 2, y + h * 0.1, x + w / 2, y + h), fill=line, width=width * 2)


def _animal(c, x, y, w, h, fill, line, width):
    c.polygon([(x, y), (x + w * 0.35, y + h * 0.3), (x + w * 0.1, y + h * 0.5)], fill=fill)
    c.polygon([(x + w, y), (x + w * 0.65, y + h * 0.3), (x + w * 0.9, y + h * 0.5)], fill=fill)
    c.ellipse((x + w * 0.1, y + h * 0.2, x + w * 0.9, y + h), fill=fill, outline=line)
    for ex in (0.35, 0.65):
        c.ellipse((x + w * (ex - 0.05), y + h * 0.5, x + w * (ex + 0.05), y + h * 0.6), fill=line)


def _figure(c, x, y, w, h, fill, line, width):
    c.ellipse((x + w * 0.32, y, x + w * 0.68, y + h * 0.36), fill=fill, outline=line)
    c.rounded_rectangle((x + w * 0.15, y + h * 0.4, x + w * 0.85, y + h), w / 6, fill=fill,
                        outline=line, width=width)  # fmt: skip


def _mountain(c, x, y, w, h, fill, line, width):
    c.polygon([(x, y + h), (x + w * 0.45, y), (x + w, y + h)], fill=fill, outline=line)
    c.polygon([(x + w * 0.35, y + h * 0.22), (x + w * 0.45, y), (x + w * 0.55, y + h * 0.22)],
              fill=line)  # fmt: skip


def _star(c, x, y, w, h, fill, line, width):
    points = []
    for i in range(10):
        radius = 0.5 if i % 2 == 0 else 0.22
        angle = math.pi * i / 5 - math.pi / 2
        points.append(
            (x + w * (0.5 + radius * math.cos(angle)), y + h * (0.5 + radius * math.sin(angle)))
        )
    c.polygon(points, fill=fill, outline=line)


def _backpack(c, x, y, w, h, fill, line, width):
    c.arc((x + w * 0.35, y, x + w * 0.65, y + h * 0.25), 180, 360, fill=line, width=width * 3)
    c.rounded_rectangle((x + w * 0.15, y + h * 0.1, x + w * 0.85, y + h), w / 5, fill=fill,
                        outline=line, width=width)  # fmt: skip
    c.rounded_rectangle((x + w * 0.28, y + h * 0.55, x + w * 0.72, y + h * 0.88), w / 12,
                        fill=fill, outline=line, width=width * 2)  # fmt: skip
    c.line((x + w * 0.28, y + h * 0.62, x + w * 0.72, y + h * 0.62), fill=line, width=width)


def _jar(c, x, y, w, h, fill, line, width):
    c.rectangle((x + w * 0.22, y + h * 0.05, x + w * 0.78, y + h * 0.2), fill=line)
    c.rounded_rectangle((x + w * 0.15, y + h * 0.2, x + w * 0.85, y + h), w / 8, fill=fill,
                        outline=line, width=width)  # fmt: skip
    c.rectangle((x + w * 0.22, y + h * 0.45, x + w * 0.78, y + h * 0.75), outline=line,
                width=width * 2)  # fmt: skip


def _vase(c, x, y, w, h, fill, line, width):
    c.polygon([(x + w * 0.35, y), (x + w * 0.65, y), (x + w * 0.6, y + h * 0.2),
               (x + w * 0.9, y + h * 0.55), (x + w * 0.7, y + h), (x + w * 0.3, y + h),
               (x + w * 0.1, y + h * 0.55), (x + w * 0.4, y + h * 0.2)],
              fill=fill, outline=line)  # fmt: skip


def _watch(c, x, y, w, h, fill, line, width):
    c.rectangle((x + w * 0.32, y, x + w * 0.68, y + h), fill=line)
    c.ellipse((x + w * 0.12, y + h * 0.2, x + w * 0.88, y + h * 0.8), fill=fill, outline=line,
              width=width * 3)  # fmt: skip
    c.ellipse((x + w * 0.22, y + h * 0.3, x + w * 0.78, y + h * 0.7), fill="#f4f1e8")
    cx, cy = x + w / 2, y + h / 2
    c.line((cx, cy, cx, y + h * 0.35), fill=line, width=width * 2)
    c.line((cx, cy, x + w * 0.68, cy), fill=line, width=width * 2)


def _bicycle(c, x, y, w, h, fill, line, width):
    r = w * 0.22
    hub = y + h - r
    back, front = (x + r, hub), (x + w - r, hub)
    for cx, cy in (back, front):
        c.ellipse((cx - r, cy - r, cx + r, cy + r), outline=line, width=width * 3)
    seat, crank, head = (
        (x + w * 0.4, y + h * 0.42),
        (x + w * 0.5, hub),
        (x + w * 0.72, y + h * 0.42),
    )
    c.line([back, seat, crank, back], fill=fill, width=width * 4, joint="curve")
    c.line([crank, head, seat], fill=fill, width=width * 4, joint="curve")
    c.line([head, front], fill=fill, width=width * 4)
    c.line(
        [head, (x + w * 0.7, y + h * 0.3), (x + w * 0.8, y + h * 0.3)], fill=line, width=width * 3
    )
    c.line([(x + w * 0.32, y + h * 0.38), (x + w * 0.46, y + h * 0.38)], fill=line, width=width * 4)


def _lighthouse(c, x, y, w, h, fill, line, width):
    top, base = y + h * 0.25, y + h
    for i in range(4):
        y0, y1 = top + (base - top) * i / 4, top + (base - top) * (i + 1) / 4
        inset0, inset1 = 0.32 - 0.1 * i / 4, 0.32 - 0.1 * (i + 1) / 4
        c.polygon([(x + w * inset0, y0), (x + w * (1 - inset0), y0),
                   (x + w * (1 - inset1), y1), (x + w * inset1, y1)],
                  fill=fill if i % 2 == 0 else "#f4f1e8", outline=line)  # fmt: skip
    c.rectangle((x + w * 0.36, y + h * 0.1, x + w * 0.64, y + h * 0.25), fill="#fcbf49",
                outline=line, width=width)  # fmt: skip
    c.polygon([(x + w * 0.3, y + h * 0.1), (x + w * 0.5, y), (x + w * 0.7, y + h * 0.1)],
              fill=line)  # fmt: skip


def _shirt(c, x, y, w, h, fill, line, width):
    c.polygon([(x + w * 0.3, y + h * 0.1), (x + w * 0.42, y + h * 0.05),
               (x + w * 0.58, y + h * 0.05), (x + w * 0.7, y + h * 0.1), (x + w, y + h * 0.35),
               (x + w * 0.85, y + h * 0.48),
               (x + w * 0.78, y + h * 0.4), (x + w * 0.78, y + h), (x + w * 0.22, y + h),
               (x + w * 0.22, y + h * 0.4), (x + w * 0.15, y + h * 0.48), (x, y + h * 0.35)],
              fill=fill, outline=line)  # fmt: skip


def _kite(c, x, y, w, h, fill, line, width):
    c.polygon([(x + w / 2, y), (x + w * 0.85, y + h * 0.35), (x + w / 2, y + h * 0.75),
               (x + w * 0.15, y + h * 0.35)], fill=fill, outline=line)  # fmt: skip
    c.line([(x + w / 2, y), (x + w / 2, y + h * 0.75)], fill=line, width=width)
    c.line([(x + w / 2, y + h * 0.75), (x + w * 0.4, y + h * 0.88), (x + w * 0.55, y + h)],
           fill=line, width=width * 2)  # fmt: skip


def _card(c, x, y, w, h, fill, line, width):
    c.rounded_rectangle((x, y + h * 0.2, x + w, y + h * 0.8), w / 10, fill=fill, outline=line,
                        width=width * 2)  # fmt: skip


_PAINTERS = {
    "bag": _bag, "backpack": _backpack, "bottle": _bottle, "jar": _jar, "mug": _mug,
    "vase": _vase, "shoe": _shoe, "watch": _watch, "bicycle": _bicycle, "ring": _ring,
    "lighthouse": _lighthouse, "shirt": _shirt, "kite": _kite, "panel": _panel, "cake": _cake,
    "leaf": _leaf, "animal": _animal, "figure": _figure, "mountain": _mountain, "star": _star,
    UNKNOWN: _card,
}  # fmt: skip


def garble(text: str, quality: float, rng: random.Random) -> str:
    """Swap letters the way weak image models misspell text in pictures."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(
        rng.choice(letters) if ch.isalpha() and rng.random() > quality else ch for ch in text
    )


def pixelated_text(size: tuple[int, int], quality: float, paint) -> Image.Image:
    """A transparent layer of text: ``paint(pen, small_size)`` letters it on a canvas shrunk
    by lower quality, blurred below 0.5 and scaled back up with nearest-neighbour."""
    shrink = 1 + round((1 - quality) * 5)
    small = (max(size[0] // shrink, 1), max(size[1] // shrink, 1))
    layer = Image.new("RGBA", small, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer), small)
    if quality < 0.5:
        layer = layer.filter(ImageFilter.GaussianBlur(radius=(0.5 - quality) * 2))
    return layer.resize(size, Image.Resampling.NEAREST)


def letter_card(image: Image.Image, box, text: str, ink: str, quality: float, rng) -> None:
    """Letter ``text`` across a card's box, as legibly as ``quality`` allows."""
    x0, y0, x1, y1 = (round(v) for v in box)
    width, height = max(x1 - x0, 8), max(y1 - y0, 8)
    shown = garble(text, 0.4 + 0.6 * quality, rng)

    def paint(pen, small):
        font = ImageFont.load_default(size=max(min(small[1] // 6, small[0] // 7), 6))
        lines = shown.split(" ")[:2]
        for i, line in enumerate(lines):
            middle = small[1] * (0.5 + 0.18 * (i - (len(lines) - 1) / 2))
            pen.text((small[0] / 2, middle), line, font=font, fill=ink, anchor="mm")

    layer = pixelated_text((width, height), quality, paint)
    image.paste(layer, (x0, y0), layer)


def add_artefacts(image: Image.Image, amount: float, rng: random.Random) -> Image.Image:
    """Flaws a weak model leaves: smudges, stray strokes and a torn, shifted band."""
    size = image.width
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    for _ in range(round(amount * 7)):
        x, y = rng.uniform(0, size), rng.uniform(0, size)
        r = rng.uniform(size / 40, size / 12)
        points = [(x + rng.uniform(-r, r), y + rng.uniform(-r, r)) for _ in range(6)]
        shade = tuple(rng.randrange(256) for _ in range(3))
        pen.polygon(points, fill=(*shade, 140))
        pen.line(points[:3], fill=(*shade, 200), width=max(size // 200, 1))
    image = Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    for _ in range(round(amount * 3)):
        top = rng.randrange(size - size // 12)
        band = image.crop((0, top, size, top + size // 14))
        image.paste(band, (rng.choice((-1, 1)) * rng.randrange(size // 30, size // 10), top))
    return image
