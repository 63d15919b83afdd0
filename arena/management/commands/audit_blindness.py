"""Play attacking voters through the arena's own pages and report whether they beat chance.

Each voter browses as the voting page's script does (through Django's test client), types pool
prompts on its own-prompt pages within the hourly allowance (``Typist``), and guesses each
side's generator before voting, as each attacker in ``ATTACKERS`` would (see
:mod:`arena.blindness`). Exits non-zero when an attacker beats the same attacker without notes
beyond the sampling error, or when an address or output came back to the same voter.

It casts real votes (they move the ratings): run it on the demo or a copy, not on a live
arena's database.
"""

from __future__ import annotations

import html
import io
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
from arena.models import Category

_IMG = re.compile(r'<img src="([^"]+)"')
_CATEGORY = re.compile(r'<p class="category" id="category">([^<]*)</p>')
_CHOICES = ("left", "right", "tie", "both_bad")
_PROMPT = re.compile(r'<h1 class="prompt[^"]*" id="prompt"[^>]*>([^<]*)</h1>')
_SOURCE = re.compile(r'<img id="source-image" src="([^"]+)"')


@dataclass(frozen=True)
class Shown:
    """A pool battle as the page shows it before the vote: what every voter can read."""

    token: str
    urls: list[str]
    category: str
    prompt: str
    source: str  # the source picture's address, for an edit ("" for none)


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
    typed: int = 0  # battles on a pool prompt typed by the voter, voted and revealed
    uploaded: int = 0  # of them, edits of a pool source the voter uploaded
    taken_away: int = 0  # pool battles no longer the voter's to judge once they typed
    decoys: int = 0  # of the votes, decoy battles (attention checks) the reveal said so of


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
        parser.add_argument(
            "--typed",
            type=int,
            default=None,
            help="Pool prompts each voter types or uploads (default: the hourly allowance, "
            "ARENA_PROMPT_RATE_PER_HOUR; 0: none).",
        )

    def handle(self, *args, **options):
        if options["voters"] < 1 or options["votes"] < 1:
            raise CommandError("--voters and --votes must be at least 1.")
        if not 0.5 <= options["confidence"] < 1:
            raise CommandError("--confidence must be in [0.5, 1).")
        typed = options["typed"]
        if typed is None:
            typed = settings.ARENA_PROMPT_RATE_PER_HOUR or options["votes"]
        if typed < 0:
            raise CommandError("--typed must be 0 or more.")
        rng = random.Random(options["seed"])
        tally = Tally()
        started = time.monotonic()
        # Synthetic voters vote fast; the limits on voting speed are not what is audited. The
        # allowance of typed prompts is: the typist keeps within it.
        with override_settings(ARENA_VOTE_RATE_PER_MINUTE=0, ARENA_DAILY_VOTE_CAP=0):
            for number in range(options["voters"]):
                client = _voter_client(number)
                typist = Typist(client, budget=typed, wait=options["wait"])
                _play(client, options["votes"], rng, tally, options["wait"], typist)
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
        write(f"Decoy battles (attention checks) among the votes: {tally.decoys}")
        write(
            f"Pool prompts typed: {tally.typed} (of them pool sources uploaded: "
            f"{tally.uploaded}); pool battles taken away after typing: {tally.taken_away}"
        )
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
        blind = "Blind: no attacker's notes on the outputs help more than chance allows."
        write(self.style.SUCCESS(blind))


def _voter_client(number: int) -> Client:
    user = get_user_model().objects.create_user(f"audit-{uuid.uuid4().hex[:8]}-{number}")
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
    client.force_login(user)
    return client


def _get(client: Client, url: str, **extra):
    return client.get(url, secure=settings.SECURE_SSL_REDIRECT, **extra)


def _slug_of(name: str) -> str:
    return Category.objects.filter(name=name).values_list("slug", flat=True).first() or ""


def _post(client: Client, url: str, data=None, **extra):
    return client.post(
        url, data or {}, secure=settings.SECURE_SSL_REDIRECT, HTTP_ACCEPT="application/json",
        **extra,
    )  # fmt: skip


def _play(
    client: Client, votes: int, rng: random.Random, tally: Tally, wait: float, typist: Typist
) -> None:
    """One voter: vote ``votes`` times the way the voting page's script does."""
    attackers = {name: kind() for name, kind in ATTACKERS.items()}
    baseline = Attacker(notes=False)
    notes = Notes()
    current, cast = _open_page(client, wait), 0
    while cast < votes:
        if current is None:
            tally.stalled += 1
            return
        sides = [seen_of(url, _body(_get(client, url)), current.category) for url in current.urls]
        tally.addresses_again += sum(s.address in notes.addresses for s in sides)
        tally.outputs_again += sum(s.pixel_hash in notes.pixels for s in sides)
        notes.add(sides)
        typist.attack(current, sides, tally, notes, [*attackers.values(), baseline])
        held = _post(client, "/vote/next/").json().get("battle")
        guesses = {name: a.guess(*sides) for name, a in attackers.items()}
        guesses[None] = baseline.guess(*sides)
        answer = _vote(client, current.token, rng)
        if answer.status_code in (404, 409) and typist.typed_for(current):
            tally.taken_away += 1  # typing its prompt took this battle away from the voter
        elif answer.status_code != 200:
            raise CommandError(f"The vote was refused ({answer.status_code}): {answer.content!r}")
        else:
            tally.votes, cast = tally.votes + 1, cast + 1
            reveal = answer.json()["reveal"]
            tally.decoys += bool(reveal.get("decoy"))
            _score(tally, guesses, sides, reveal, {**attackers, None: baseline})
        current = _next(client, held, wait)


@dataclass
class Notes:
    """Every address and output (by its pixels) this voter's browser was given."""

    addresses: set[str] = field(default_factory=set)
    pixels: set[str] = field(default_factory=set)

    def add(self, sides: list[Seen]) -> None:
        self.addresses.update(s.address for s in sides)
        self.pixels.update(s.pixel_hash for s in sides)


class Typist:
    """Types the pool battle's prompt (uploads its source, for an edit) and teaches the
    attackers the reveal of what comes back, before they guess the pool battle.

    At most ``TRIES`` times a battle, and ``budget`` in all: the hourly allowance of typed
    prompts, an attack any voter can make in an hour.
    """

    TRIES = 3

    def __init__(self, client: Client, *, budget: int, wait: float):
        self.client, self.budget, self.wait = client, budget, wait
        self.spent = 0
        self.tokens: set[str] = set()  # pool battles whose prompt was typed

    def typed_for(self, shown: Shown) -> bool:
        return shown.token in self.tokens

    def attack(self, shown: Shown, sides: list[Seen], tally: Tally, notes: Notes, learners):
        """Type ``shown``'s prompt until the first learner's notes know both ``sides``."""
        attacker = learners[0]
        for _ in range(self.TRIES):
            if self.spent >= self.budget or not shown.prompt:
                return
            if all(attacker.knows(seen) for seen in sides):
                return
            self.spent += 1
            typed = self._type(shown)
            if typed is None:
                continue
            typed_sides, reveal = typed
            notes.add(typed_sides)
            for learner in learners:
                for side, seen in zip(("left", "right"), typed_sides, strict=True):
                    learner.learn(seen, reveal[side])
            self.tokens.add(shown.token)
            tally.typed += 1
            tally.uploaded += bool(shown.source)

    def _type(self, shown: Shown) -> tuple[list[Seen], dict] | None:
        """Type the prompt, open the battle once ready and vote: its sides and its reveal."""
        token = self._start(shown)
        if token is None or not self._ready(token):
            return None
        page = _get(self.client, f"/prompt/{token}/", follow=True).content.decode()
        urls, category = _IMG.findall(page), _found(_CATEGORY, page)
        if len(urls) != 2:
            return None
        sides = [seen_of(url, _body(_get(self.client, url)), category) for url in urls]
        answer = _post(self.client, f"/vote/{token}/", {"choice": "tie", "images_loaded": "1"})
        if answer.status_code != 200:
            raise CommandError(f"A typed battle's vote was refused ({answer.status_code}).")
        return sides, answer.json()["reveal"]

    def _start(self, shown: Shown) -> str | None:
        # The voter files the prompt in the category the page named, as anyone typing it may.
        form = {"text": shown.prompt, "category": _slug_of(shown.category)}
        if shown.source:
            picture = io.BytesIO(_body(_get(self.client, shown.source)))
            picture.name = "source.png"
            started = _post(self.client, "/prompt/edit/", {**form, "image": picture})
        else:
            started = _post(self.client, "/prompt/", form)
        if started.status_code == 429:  # the allowance is spent (the cache counts it)
            self.spent = self.budget
        return started.json()["token"] if started.status_code == 201 else None

    def _ready(self, token: str) -> bool:
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            state = _get(self.client, f"/prompt/{token}/status/").json().get("state")
            if state != "generating":
                return state == "ready"
            time.sleep(0.2)
        return False


def _vote(client: Client, token: str, rng: random.Random):
    return _post(client, f"/vote/{token}/", {"choice": rng.choice(_CHOICES), "images_loaded": "1"})


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


def _next(client: Client, held: dict | None, wait: float) -> Shown | None:
    if held is None or _post(client, held["shown_url"]).status_code != 200:
        return _open_page(client, wait)
    urls = [held["left"]["url"], held["right"]["url"]]
    return Shown(held["token"], urls, held["category"], held["prompt"], held["source"])


def _open_page(client: Client, wait: float) -> Shown | None:
    """The battle the vote page shows, waiting for one."""
    deadline = time.monotonic() + wait
    while True:
        page = _get(client, "/vote/", follow=True)
        path = page.redirect_chain[-1][0] if page.redirect_chain else ""
        text = page.content.decode()
        urls = _IMG.findall(text)
        if page.status_code == 200 and len(urls) == 2 and path.startswith("/vote/"):
            token = path.rstrip("/").rsplit("/", 1)[1]
            category, prompt, source = (_found(p, text) for p in (_CATEGORY, _PROMPT, _SOURCE))
            return Shown(token, urls, category, prompt, source)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.5)


def _found(pattern: re.Pattern, text: str) -> str:
    match = pattern.search(text)
    return html.unescape(match.group(1)) if match else ""


def _body(response) -> bytes:
    if response.status_code != 200:
        raise CommandError(f"An output address answered {response.status_code}.")
    return b"".join(response.streaming_content)
