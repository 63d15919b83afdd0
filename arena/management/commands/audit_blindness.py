"""Play attacking voters through the arena's own pages and report whether they beat chance.

Each voter uses the voting pages as the browser does (the page, the preloaded next battle,
the vote, the reveal) through Django's test client, keeps notes (see ``arena.blindness``)
and guesses the generator behind each side before voting, as each attacker in ``ATTACKERS``
would: one keeping notes on addresses, sizes, dimensions and hashes, one that also parses
every file (chunks, markers, trailing bytes, lengths, zlib blocks). Beside them guesses the
same attacker without notes on the outputs (what every voter knows: the category on the page,
how often each generator comes up in it, two different ones a battle). The command prints every
accuracy and
exits non-zero when any attacker beats the baseline beyond the sampling error (a one-sided
paired sign test, at ``--confidence`` shared between the attackers), or when any address or
output came back to the same voter.

It casts real votes (they move the ratings): run it on the demo or a copy, not on a live
arena's database.
"""

from __future__ import annotations

import html
import random
import re
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings

from arena.blindness import Attacker, FileAttacker, Seen, seen_of, verdict

_IMG = re.compile(r'<img src="([^"]+)"')
_CATEGORY = re.compile(r'<p class="category" id="category">([^<]*)</p>')
_CHOICES = ("left", "right", "tie", "both_bad")

# Each attacker guesses every side beside the others and is tested against the baseline on
# its own; the level is shared between them (Bonferroni), so adding one does not add alarms.
ATTACKERS = {
    "keeping notes (addresses, sizes, dimensions, hashes)": Attacker,
    "parsing the files (chunks, markers, trailing bytes, lengths, zlib blocks)": FileAttacker,
}


@dataclass
class Tally:
    hits: dict[str, list[bool]] = field(default_factory=lambda: {name: [] for name in ATTACKERS})
    baseline_hits: list[bool] = field(default_factory=list)
    truths: list[str] = field(default_factory=list)
    votes: int = 0
    addresses_again: int = 0  # an address given to the same voter a second time
    outputs_again: int = 0  # an output (same pixels) given to the same voter a second time
    stalled: int = 0  # voters who found no battle in time


class Command(BaseCommand):
    help = "Play attacking voters against the arena and check that they guess at chance."

    def add_arguments(self, parser):
        parser.add_argument("--voters", type=int, default=4, help="Attacking voters (4).")
        parser.add_argument("--votes", type=int, default=50, help="Votes per voter (50).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the voters' choices.")
        parser.add_argument(
            "--confidence", type=float, default=0.99, help="Level of the intervals (0.99)."
        )
        parser.add_argument(
            "--wait", type=float, default=60.0, help="Seconds to wait for a ready battle (60)."
        )

    def handle(self, *args, **options):
        if options["voters"] < 1 or options["votes"] < 1:
            raise CommandError("--voters and --votes must be at least 1.")
        if not 0.5 <= options["confidence"] < 1:
            raise CommandError("--confidence must be in [0.5, 1).")
        rng = random.Random(options["seed"])
        tally = Tally()
        started = time.monotonic()
        # Synthetic voters vote fast; the limits on voting speed are not what is audited.
        with override_settings(ARENA_VOTE_RATE_PER_MINUTE=0, ARENA_DAILY_VOTE_CAP=0):
            for number in range(options["voters"]):
                _play(_voter_client(number), options["votes"], rng, tally, options["wait"])
        self._report(tally, options["confidence"], time.monotonic() - started)

    def _report(self, tally: Tally, confidence: float, seconds: float) -> None:
        if not tally.baseline_hits:
            raise CommandError("No battle could be judged: seed the demo first (manage.py demo).")
        level = f"{confidence:.0%}"
        # Shared between the attackers: each is tested at 1 - (1 - confidence) / count.
        each = 1 - (1 - confidence) / len(tally.hits)
        results = {
            name: verdict(hits, tally.baseline_hits, tally.truths, each)
            for name, hits in tally.hits.items()
        }
        write = self.stdout.write
        guesses = len(tally.baseline_hits)
        write(f"Votes cast: {tally.votes}; sides guessed: {guesses} ({seconds:.0f} s)")
        write(f"Addresses shown again: {tally.addresses_again}; outputs: {tally.outputs_again}")
        first = next(iter(results.values()))
        write(
            f"Without notes on the outputs (each category's frequencies): "
            f"{first.baseline:.1%}; naming the most frequent generator every time: "
            f"{first.chance:.1%}"
        )
        problems = []
        for name, result in results.items():
            low, high = verdict(
                tally.hits[name], tally.baseline_hits, tally.truths, confidence
            ).interval
            write(
                f"Attacker {name}: {result.accuracy:.1%} ({level} interval {low:.1%} to "
                f"{high:.1%}); adds nothing: one-sided paired p = {result.p_value:.3f}"
            )
            if result.above_chance:
                problems.append(
                    f"the attacker {name.split(' (')[0]} guesses generators better than "
                    "the category allows"
                )
        if tally.addresses_again or tally.outputs_again:
            problems.append("an address or an output came back to the same voter")
        if tally.stalled:
            problems.append(f"{tally.stalled} voter(s) found no battle ready in time")
        if problems:
            raise CommandError("Not blind: " + "; ".join(problems) + ".")
        write(
            self.style.SUCCESS(
                "Blind: no attacker's notes on the outputs help more than chance allows."
            )
        )


def _voter_client(number: int) -> Client:
    user = get_user_model().objects.create_user(f"audit-{uuid.uuid4().hex[:8]}-{number}")
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
    client.force_login(user)
    return client


def _get(client: Client, url: str, **extra):
    return client.get(url, secure=settings.SECURE_SSL_REDIRECT, **extra)


def _post(client: Client, url: str, data=None, **extra):
    return client.post(
        url, data or {}, secure=settings.SECURE_SSL_REDIRECT, HTTP_ACCEPT="application/json",
        **extra,
    )  # fmt: skip


def _play(client: Client, votes: int, rng: random.Random, tally: Tally, wait: float) -> None:
    """One voter: vote ``votes`` times the way the voting page's script does."""
    attackers = {name: kind() for name, kind in ATTACKERS.items()}
    baseline = Attacker(notes=False)
    addresses: set[str] = set()
    pixels: set[str] = set()
    current = _open_page(client, wait)
    for _ in range(votes):
        if current is None:
            tally.stalled += 1
            return
        token, urls, category = current
        sides = [seen_of(url, _body(_get(client, url)), category) for url in urls]
        tally.addresses_again += sum(s.address in addresses for s in sides)
        tally.outputs_again += sum(s.pixel_hash in pixels for s in sides)
        addresses.update(s.address for s in sides)
        pixels.update(s.pixel_hash for s in sides)
        held = _post(client, "/vote/next/").json().get("battle")
        guesses = {name: a.guess(*sides) for name, a in attackers.items()}
        guesses[None] = baseline.guess(*sides)
        answer = _post(
            client, f"/vote/{token}/", {"choice": rng.choice(_CHOICES), "images_loaded": "1"}
        )
        if answer.status_code != 200:
            raise CommandError(f"The vote was refused ({answer.status_code}): {answer.content!r}")
        tally.votes += 1
        _score(tally, guesses, sides, answer.json()["reveal"], {**attackers, None: baseline})
        current = _next(client, held, wait)


def _score(tally: Tally, guesses: dict, sides: list[Seen], reveal: dict, attackers) -> None:
    """Each attacker's guesses scored (``None`` is the baseline); then all learn the truth."""
    for i, side in enumerate(("left", "right")):
        truth = reveal[side]
        if guesses[None][i] is not None:  # the first votes have nothing to guess from
            for name, guessed in guesses.items():
                hits = tally.baseline_hits if name is None else tally.hits[name]
                hits.append(guessed[i] == truth)
            tally.truths.append(truth)
        for attacker in attackers.values():
            attacker.learn(sides[i], truth)


def _next(client: Client, held: dict | None, wait: float):
    if held is None:
        return _open_page(client, wait)
    _post(client, held["shown_url"])
    return held["token"], [held["left"]["url"], held["right"]["url"]], held["category"]


def _open_page(client: Client, wait: float):
    """(token, two image addresses, category) of the battle the vote page shows, waiting."""
    deadline = time.monotonic() + wait
    while True:
        page = _get(client, "/vote/", follow=True)
        path = page.redirect_chain[-1][0] if page.redirect_chain else ""
        text = page.content.decode()
        urls = _IMG.findall(text)
        if page.status_code == 200 and len(urls) == 2 and path.startswith("/vote/"):
            category = _CATEGORY.search(text)
            token = path.rstrip("/").rsplit("/", 1)[1]
            return token, urls, html.unescape(category.group(1)) if category else ""
        if time.monotonic() > deadline:
            return None
        time.sleep(0.5)


def _body(response) -> bytes:
    if response.status_code != 200:
        raise CommandError(f"An output address answered {response.status_code}.")
    return b"".join(response.streaming_content)
