"""The worked example of docs/ratings.md: one category, four route requests (not a test).

Run from the repository root (a throwaway SQLite database in a temporary folder):

    .venv/bin/python tests/benchmarks/route_example.py [--seed 39] [--votes 3000]

Builds the category ``product-shots`` with five built-in generators (known true strengths and
prices), draws the votes from Bradley-Terry truth with 10% ties (uniform pairs), imports them
with ``import_battles`` (which runs the real recompute), then asks ``/api/v1/route/`` through
Django's test client with an API key, and prints the four rows of the example's table: the
decision, the regret bound and what the answer says, with the board as estimated.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

_TMP = tempfile.TemporaryDirectory(prefix="route-example-")
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP.name}/example.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from generation.models import Generator  # noqa: E402
from ratings.api_keys import api_key_create  # noqa: E402

CATEGORY = "product-shots"
# name: (true strength in points, the best at 0; price per output in US dollars)
TRUTH = {
    "aurora": (0.0, "0.040"),
    "basalt": (-9.0, "0.012"),
    "cypress": (-60.0, "0.020"),
    "dynamo": (-150.0, "0.006"),
    "ember": (-220.0, "0.003"),
}
REQUESTS = (
    {"tolerance": "0"},
    {},
    {"tolerance": "30"},
    {"tolerance": "30", "objective": "cost"},
)
TIES = 0.1


def battle_lines(votes: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = sorted(TRUTH)
    lines = []
    for i in range(votes):
        a, b = rng.sample(names, 2)
        p = 1 / (1 + 10 ** ((TRUTH[b][0] - TRUTH[a][0]) / 400))
        r = rng.random()
        winner = "tie" if r < TIES else ("model_a" if rng.random() < p else "model_b")
        lines.append({"model_a": a, "model_b": b, "winner": winner, "category": CATEGORY,
                      "tstamp": 1767225600 + i, "question_id": f"{CATEGORY}-{i}"})  # fmt: skip
    return lines


def build(votes: int, seed: int) -> None:
    call_command("migrate", verbosity=0)
    for name, (strength, price) in TRUTH.items():
        Generator.objects.create(
            name=name, slug=name, provider="builtin", model_id=f"builtin-{name}",
            price_per_output=Decimal(price), parameters={"note": f"true strength {strength:+g}"},
        )  # fmt: skip
    path = Path(_TMP.name) / "battles.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in battle_lines(votes, seed)))
    call_command("import_battles", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def ask(client: Client, params: dict) -> dict:
    query = {"category": CATEGORY, **params}
    response = client.get("/api/v1/route/", query, secure=settings.SECURE_SSL_REDIRECT)
    if response.status_code != 200:
        sys.exit(f"/api/v1/route/ answered {response.status_code}: {response.content[:200]}")
    return response.json()


def describe(answer: dict) -> str:
    words = [answer["reason"] or ""]
    if answer["challenger"]:
        words.append(f"challenger {json.dumps(answer['challenger'])}")
    if answer["votes_needed_estimate"] is not None:
        words.append(f"votes_needed_estimate {answer['votes_needed_estimate']:,}")
    if answer["objective"] == "cost":
        pick = answer["recommended"]
        words.append(f"pick {pick['generator']} at {pick['price_per_output']} per output")
        cheaper = [a for a in answer["alternatives"] if a["cost"] < pick["cost"]]
        for a in cheaper:
            words.append(f"{a['generator']} ({a['cost']:g}) bound {a['regret_bound']:.1f}")
    return "; ".join(w for w in words if w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=39)
    parser.add_argument("--votes", type=int, default=3000)
    args = parser.parse_args()
    build(args.votes, args.seed)
    setup_test_environment()  # the test client's host, "testserver", becomes allowed
    key = api_key_create(name="example")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    first = ask(client, {"alternatives": "4"})
    print(f"{CATEGORY}: {first['votes_total']:,} votes, seed {args.seed}")
    print("generator  truth  price   rating   regret_bound")
    for row in [first["recommended"], *first["alternatives"]]:
        truth, price = TRUTH[row["generator"]]
        print(f"{row['generator']:<10} {truth:+5.0f}  {price}  {row['rating']:7.1f}  "
              f"{row['regret_bound']:6.1f}")  # fmt: skip
    for params in REQUESTS:
        answer = ask(client, {**params, "alternatives": "4"})
        query = "&".join(f"{k}={v}" for k, v in params.items()) or "(tolerance default)"
        bound = answer["regret_bound"]
        bound = "-" if bound is None else f"{bound:.1f}"
        print(f"| {query} | {answer['decision']} | {bound} | {describe(answer)} |")


if __name__ == "__main__":
    main()
