"""What ``manage.py demo`` seeds (categories, curated prompts, built-in generators) and the
hidden truth its simulated voters follow.

The truth is never shown to voters; only the simulated votes (``arena/services/demo.py``) and
the tests read it. Three parts, each like something real voters do:

``quality`` (0 to 1, per generator)
    How good its pictures are overall. The simulated voters prefer the stronger of two
    generators with Bradley-Terry odds: log-odds of ``4 x`` the strength difference.
the look of each picture (per output, measured)
    Saturated, colourful pictures sway people: a voter adds ``LOOK_BONUS`` (0.5) quality units
    per unit of an output's look, the mean of its colourfulness and saturation standardised by
    ``LOOK_SCALE`` (the built-in pictures' mean and standard deviation), read from the style
    measured when the output was stored (``generation.OutputStyle``). Cypress's vividness knob
    (0.8) draws more saturated colours: its pictures average about +0.35 in look against
    Basalt's -0.15, so it is judged about 0.78 on plain prompts against Basalt's 0.68 and the
    plain board lifts it above its true third place. The bonus follows the pixels, not the
    generator, so a board that takes colourfulness and saturation out (style control) puts it
    back.
lettering (per curated generation prompt: ``LETTERING_PROMPTS``)
    A sub-kind inside a category, not a field of the prompt: a prompt whose point is legible
    text (a sign, a label, a wordmark) rather than a picture (a product, a person, a symbol).
    On those the voters judge mostly the lettering: strength is ``LETTERING_WEIGHT`` (0.85)
    of the generator's ``text_quality`` knob plus the rest of its quality. Dynamo (quality
    0.45, text_quality 1.0) wins lettering prompts and loses most others; Aurora
    (text_quality 0.75) wins the rest. Logos hold both sub-kinds, so a per-prompt route should
    send wordmarks and symbols to different generators.

Edits are judged by quality alone, whatever they look like (Cypress cannot edit).
"""

from __future__ import annotations

LOOK_BONUS = 0.5
# Simulated votes are drawn over every second curated prompt of each category, in text order
# (6 of 11 pictures, 2 of 4 edits; a logo of each sub-kind, 3 and 3): every output the votes
# show is made once, and fewer prompts make a fresh demo quicker, with the same boards.
VOTED_PROMPT_STEP = 2
# Mean and standard deviation of the built-in pictures' colourfulness and saturation, over
# every curated generation prompt and demo generator.
LOOK_SCALE = {"colourfulness": (81.4, 51.1), "saturation": (0.531, 0.284)}
LETTERING_WEIGHT = 0.85
# A logo team's votes on top (a stream of their own, seed ``LOGO_VOTES_SEED``, over the logos'
# voted prompts only, wordmarks and symbols alike): the per-prompt route needs about a
# thousand votes on one wordmark before it can be sure that Dynamo, which letters best, is
# within the route's tolerance of the best there; a few hundred leave it on Aurora, the
# category's leader (docs/ratings.md, "Routing a prompt").
LOGO_VOTES = 6000
LOGO_VOTES_SEED = 1

CATEGORIES = [
    {
        "slug": "product-shots",
        "name": "Product shots",
        "description": "E-commerce product photography: packshots, lifestyle, studio light; "
        "one product for sale (fashion, beauty, home, kitchen, electronics, food and drink) "
        "shown on a surface or a backdrop.",
        "prompts": [
            "A red leather handbag on a white marble table, soft window light",
            "Minimalist packshot of a glass perfume bottle on a pastel pink background",
            "Running shoes floating mid-air against a bright blue sky",
            "A ceramic coffee mug with steam rising, morning kitchen counter",
            "Wireless earbuds in an open charging case, top-down studio shot",
            "A stack of folded linen shirts in earthy tones on a wooden shelf",
            "Skincare serum dropper bottle surrounded by fresh citrus slices",
            "A mechanical wristwatch on a slate stone, dramatic side lighting",
            "Bottle of olive oil with rosemary sprigs on a rustic table",
            "A yellow backpack on a mountain trail at golden hour",
            "Matte black water bottle with condensation droplets, dark background",
        ],
    },
    {
        "slug": "text-in-image",
        "name": "Text in image",
        "description": "Pictures whose point is legible text: signs, posters, labels, menus; "
        "words, names, slogans, titles and headlines written, printed or painted on things.",
        "prompts": [
            "A neon sign that reads OPEN LATE above a diner door",
            "A vintage travel poster with the words VISIT LISBON in bold letters",
            "A chalkboard cafe menu listing Espresso, Latte and Cortado with prices",
            "A birthday cake with HAPPY 30TH JULIA written in icing",
            "A shop window sticker saying SUMMER SALE 50% OFF",
            "A book cover titled THE QUIET HARBOUR by A. Lindqvist",
            "A street sign at the corner of Maple Avenue and 5th Street",
            "A product label on a jar reading WILDFLOWER HONEY, 350 g",
            "A concert ticket for THE NIGHT OWLS, Row F, Seat 12",
            "A protest banner reading CLEAN AIR NOW held by a crowd",
            "A coffee bag label: SINGLE ORIGIN, ETHIOPIA, LIGHT ROAST",
        ],
    },
    {
        "slug": "people",
        "name": "People",
        "description": "Portraits and people in scenes: faces, hands, poses, groups; men, women, "
        "children, babies and families; people at work (chefs, farmers, mechanics, musicians, "
        "models), players in sport, kids at play, couples and friends at celebrations.",
        "prompts": [
            "Portrait of an elderly fisherman with a weathered face, overcast light",
            "A young woman laughing while reading on a park bench in autumn",
            "Two chefs plating a dish together in a busy restaurant kitchen",
            "A child flying a kite on a windy beach, wide shot",
            "Close-up of hands kneading bread dough on a floured counter",
            "A cyclist in a rain jacket riding through a city at dusk",
            "A violinist performing on a dimly lit stage, spotlight from above",
            "A family of four having a picnic under a large oak tree",
            "A businesswoman presenting to colleagues in a glass meeting room",
            "A skateboarder mid-jump over a concrete ledge, motion blur",
            "An astronaut portrait with the Earth reflected in the visor",
        ],
    },
    {
        "slug": "logos",
        "name": "Logos",
        "description": "Brand marks and icons: flat vector style, simple shapes, few colours.",
        "prompts": [
            "A flat vector logo for a coffee roastery named Ember & Bean",
            "A minimal geometric fox logo in orange on white",
            "An app icon for a meditation app: a lotus inside a circle",
            "A monogram logo with the letters A and K intertwined, gold on black",
            "A playful logo for a dog-walking service called Happy Paws",
            "A badge-style logo for a craft brewery, hops and a mountain",
            "A tech startup wordmark 'Lumina' with a light-ray motif",
            "A bakery logo with a wheat stalk and a rolling pin, two colours",
            "A cycling club emblem with a wheel and laurel wreath",
            "A simple leaf logo for an eco cleaning products brand",
            "A bold letter Z logo for an electric scooter company",
        ],
    },
]

# The five built-in generators share one look: the style of each picture follows from its
# prompt and seed. They differ only in hidden quality knobs a voter can judge, with a true
# order (Aurora best, Ember worst) and gaps like those between real models; Cypress also draws
# vividly (a style, not a quality) and Dynamo letters best of all. The "truth" note sits in the
# parameters, where only the admin shows it; the provider ignores it.
_KNOBS = ("faithfulness", "text_quality", "artefacts", "balance")
_QUALITY = [
    # name, knobs (faithfulness, text_quality, artefacts, balance), price, quality (the truth
    # the demo's simulated voters follow, at least 0.15 apart), vividness
    ("Aurora", (0.95, 0.75, 0.05, 0.95), "0.040", 0.9, 0.0),
    ("Basalt", (0.85, 0.80, 0.15, 0.85), "0.030", 0.75, 0.0),
    ("Cypress", (0.75, 0.55, 0.25, 0.75), "0.020", 0.6, 0.8),
    ("Dynamo", (0.62, 1.0, 0.40, 0.62), "0.010", 0.45, 0.0),
    ("Ember", (0.45, 0.30, 0.55, 0.50), "0.005", 0.2, 0.0),
]
# Edits, in the same true order (Cypress cannot edit): (instruction_following, fidelity,
# text_quality) of the built-in edit.
_EDIT_KNOBS = ("instruction_following", "fidelity", "text_quality")
_EDIT_QUALITY = {
    "Aurora": (0.95, 0.95, 0.95),
    "Basalt": (0.8, 0.85, 0.8),
    "Dynamo": (0.55, 0.5, 0.4),
    "Ember": (0.35, 0.3, 0.2),
}


def _note(rank: int, quality: float, vividness: float, text_quality: float) -> str:
    note = f"Demo truth: quality {quality}, rank {rank} of {len(_QUALITY)} (1 is best)"
    if vividness:
        note += "; vivid, which voters overrate"
    if text_quality == 1.0:
        note += "; the best at lettering"
    return note + "."


GENERATORS = [
    {
        "name": name,
        "quality": quality,
        "vividness": vividness,
        "text_quality": knobs[1],
        "slug": name.lower(),
        "model_id": f"builtin-{name.lower()}",
        "parameters": {
            **dict(zip(_KNOBS, knobs, strict=True)),
            **({"vividness": vividness} if vividness else {}),
            "note": _note(rank, quality, vividness, knobs[1]),
        },
        "capabilities": "both" if name in _EDIT_QUALITY else "generate",
        "edit_parameters": dict(zip(_EDIT_KNOBS, _EDIT_QUALITY.get(name, ()), strict=False)),
        "price_per_output": price,
    }
    for rank, (name, knobs, price, quality, vividness) in enumerate(_QUALITY, start=1)
]
_BY_SLUG = {spec["slug"]: spec for spec in GENERATORS}


def judged_strength(slug: str, prompt: str, *, edit: bool = False) -> float:
    """How strong a demo voter judges a generator for this prompt (quality units), before
    the look of the picture shown (``look_bonus``)."""
    spec = _BY_SLUG[slug]
    if edit or prompt not in LETTERING_PROMPTS:
        return spec["quality"]
    return LETTERING_WEIGHT * spec["text_quality"] + (1 - LETTERING_WEIGHT) * spec["quality"]


def look_bonus(*, colourfulness: float, saturation: float) -> float:
    """What the look of one picture adds to how strong a demo voter judges it."""
    values = {"colourfulness": colourfulness, "saturation": saturation}
    standard = [(values[name] - mean) / sd for name, (mean, sd) in LOOK_SCALE.items()]
    return LOOK_BONUS * sum(standard) / len(standard)


# Edit categories: each prompt is a scene the built-in provider draws as the source image,
# and the instruction both editors are given.
EDIT_CATEGORIES = [
    {
        "slug": "background-swap",
        "name": "Background swap",
        "description": "Edits that replace what is behind the subject: backdrop, scene, studio; "
        "the subject put in another place, room, landscape or sky.",
        "prompts": [
            ("A ceramic vase on a kitchen shelf", "Replace the background with a sunset beach"),
            ("A sneaker on a wooden floor", "Swap the background for a clean studio backdrop"),
            ("A red bicycle by a brick wall", "Change the background to a snowy forest"),
            ("A coffee cup on a desk", "Put a marble countertop background behind the cup"),
        ],
    },
    {
        "slug": "text-edit",
        "name": "Text edits",
        "description": "Edits that change the words on a label, sign or poster, and keep the rest.",
        "prompts": [
            ("A jar of jam with a paper label", 'Change the label text to "FIG JAM"'),
            ("A shop sign above a door", 'Make the sign read "OPEN 24/7"'),
            ("A poster on a wall", 'Replace the title with "JAZZ NIGHT"'),
            ("A mug with a slogan", 'Write "MONDAY" on the mug instead'),
        ],
    },
    {
        "slug": "restyle",
        "name": "Restyle",
        "description": "Edits that redraw the whole picture in another style or medium: "
        "sketch, painting, illustration, film look.",
        "prompts": [
            ("A lighthouse on a rocky coast", "Turn it into a watercolour painting"),
            ("A city street with a tram", "Make it look like a comic book panel"),
            ("A bowl of fruit on a table", "Redraw it as a charcoal sketch"),
            ("A cottage in a meadow", "Give it the look of a faded 1970s photograph"),
        ],
    },
]

# The lettering sub-kind: every text-in-image prompt, and the logos that are words or letters.
LETTERING_PROMPTS = frozenset(
    [
        *next(spec["prompts"] for spec in CATEGORIES if spec["slug"] == "text-in-image"),
        "A flat vector logo for a coffee roastery named Ember & Bean",
        "A monogram logo with the letters A and K intertwined, gold on black",
        "A playful logo for a dog-walking service called Happy Paws",
        "A tech startup wordmark 'Lumina' with a light-ray motif",
        "A bold letter Z logo for an electric scooter company",
    ]
)
