"""What ``manage.py demo`` seeds: categories, curated prompts and built-in generators.

Each generator's ``quality`` (0 to 1) is the demo's hidden truth: the simulated voters of
``manage.py demo --votes`` prefer the better one with Bradley-Terry odds, so the boards should
find this order.
"""

from __future__ import annotations

CATEGORIES = [
    {
        "slug": "product-shots",
        "name": "Product shots",
        "description": "E-commerce product photography: packshots, lifestyle, studio light.",
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
        "description": "Pictures whose point is legible text: signs, posters, labels, menus.",
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
        "description": "Portraits and people in scenes: faces, hands, poses, groups.",
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

GENERATORS = [
    {
        "name": "Aurora",
        "quality": 0.9,
        "slug": "aurora",
        "model_id": "builtin-aurora",
        "parameters": {
            "layout": "centered",
            "palette": "sunset",
            "text_quality": 0.95,
            "noise": 0.0,
        },
        "price_per_output": "0.040",
    },
    {
        "name": "Basalt",
        "quality": 0.35,
        "slug": "basalt",
        "model_id": "builtin-basalt",
        "parameters": {"layout": "grid", "palette": "ocean", "text_quality": 0.35, "noise": 0.15},
        "price_per_output": "0.010",
    },
    {
        "name": "Cypress",
        "quality": 0.6,
        "slug": "cypress",
        "model_id": "builtin-cypress",
        "parameters": {
            "layout": "stripes",
            "palette": "forest",
            "text_quality": 0.7,
            "noise": 0.05,
        },
        "price_per_output": "0.020",
    },
    {
        "name": "Dynamo",
        "quality": 0.15,
        "slug": "dynamo",
        "model_id": "builtin-dynamo",
        "parameters": {"layout": "radial", "palette": "neon", "text_quality": 0.15, "noise": 0.35},
        "price_per_output": "0.005",
    },
    {
        "name": "Ember",
        "quality": 0.75,
        "slug": "ember",
        "model_id": "builtin-ember",
        "parameters": {"layout": "split", "palette": "mono", "text_quality": 0.85, "noise": 0.0},
        "price_per_output": "0.030",
    },
]
