"""What the built-in provider draws besides the background: the prompt's subject, and flaws.

The subject is the first object the prompt names, drawn in the colour the prompt names. How
faithfully it appears, how balanced the composition is and how many artefacts spoil it are
the hidden quality knobs that tell one built-in generator from another; the style (palette,
background layout, where the subject sits) comes from the prompt and a seed alone.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

COLOURS: dict[str, str] = {
    "red": "#d62828", "pink": "#f4a6c0", "orange": "#f77f00", "yellow": "#fcbf49",
    "gold": "#d4a017", "green": "#3a9a4a", "blue": "#1f6fd1", "purple": "#7b2cbf",
    "brown": "#7f4f24", "black": "#151515", "white": "#f8f8f8", "grey": "#8d8d8d",
    "gray": "#8d8d8d", "silver": "#c0c0c8", "teal": "#138a8a", "navy": "#14213d",
}  # fmt: skip

# Words of the demo's prompts (and common others) and the shape that stands for each.
OBJECTS: dict[str, str] = {}
for _shape, _words in {
    "bag": "bag handbag backpack case",
    "bottle": "bottle perfume serum oil jar dropper honey",
    "mug": "mug cup coffee espresso latte",
    "shoe": "shoe shoes sneaker sneakers",
    "ring": "watch wheel clock earbuds circle badge emblem",
    "panel": "sign poster banner menu label ticket cover sticker book chalkboard window",
    "cake": "cake bread dough",
    "leaf": "leaf tree wheat hops lotus rosemary citrus",
    "animal": "fox dog paws owl owls",
    "figure": "portrait woman man child chef chefs cyclist violinist family astronaut "
    "skateboarder hands businesswoman fisherman crowd",
    "mountain": "mountain trail",
}.items():
    OBJECTS.update(dict.fromkeys(_words.split(), _shape))
SHAPES = sorted(set(OBJECTS.values()) | {"star"})


def subject_of(prompt: str) -> tuple[str, str | None]:
    """(shape, colour or None) the prompt asks for; a star when it names no known object."""
    words = [w.strip(".,:;!?'\"()").lower() for w in prompt.split()]
    shape = next((OBJECTS[w] for w in words if w in OBJECTS), "star")
    colour = next((COLOURS[w] for w in words if w in COLOURS), None)
    return shape, colour


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


_PAINTERS = {
    "bag": _bag, "bottle": _bottle, "mug": _mug, "shoe": _shoe, "ring": _ring,
    "panel": _panel, "cake": _cake, "leaf": _leaf, "animal": _animal, "figure": _figure,
    "mountain": _mountain, "star": _star,
}  # fmt: skip


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
