"""The blindness audit: its attacker and its statistics on known truth, and the attack replayed.

The replay plays the voter from the report that started this work: it keeps every address it
was shown and every reveal, over 200 votes, and looks each new address up in its notes.
"""

from __future__ import annotations

import io
import random
import re
from collections import defaultdict
from dataclasses import astuple

import pytest
from django.core.management import CommandError, call_command

from arena.blindness import Attacker, FileAttacker, Seen, verdict, wilson
from arena.models import Battle, SeenOutput, Vote
from arena.services import battles_refill
from generation.models import Generator
from tests.conftest import make_generator


def _seen(i: int, size: int, dims=(1024, 1024), category: str = "") -> Seen:
    return Seen(f"/outputs/{i}", size, dims, f"bytes-{i}", f"pixels-{i}", category)


NAMES = ["a", "b", "c", "d", "e"]


def _uniform_pairs(rng) -> tuple[list[str], tuple[int, int], str]:
    return rng.sample(NAMES, 2), (1024, 1024), ""


def _arena_like_pairs(rng) -> tuple[list[str], tuple[int, int], str]:
    """Pairs as matchmaking and edits make them: each category's two contenders most of the
    time, and a third of the battles edits at their source's size, which "e" cannot make."""
    if rng.random() < 1 / 3:
        names, dims, category, contenders = NAMES[:4], (640, 480), "edit", ["c", "d"]
    else:
        names, dims, category, contenders = NAMES, (1024, 1024), "generate", ["a", "b"]
    pair = list(contenders) if rng.random() < 0.6 else rng.sample(names, 2)
    rng.shuffle(pair)
    return pair, dims, category


def _simulate(size_of, votes: int, seed: int, pairs=_uniform_pairs, attacker=None, padded=False):
    """An attacker and its no-notes baseline against a simulated arena whose sides' sizes come
    from ``size_of``; returns both hit lists and the truths. ``padded``: both sides are sent
    at one length, but each file records its original size where a parser finds it."""
    rng = random.Random(seed)
    attacker, baseline = attacker or Attacker(), Attacker(notes=False)
    hits, baseline_hits, truths, i = [], [], [], 0
    for _ in range(votes):
        pair, dims, category = pairs(rng)
        sides = []
        sizes = [size_of(name, rng) for name in pair]
        for size in sizes:
            i += 1
            if padded:
                sent = -(-(max(sizes) + 38) // 16384) * 16384
                structure = (("filler", sent - size), ("original", size), ("payload", size - 80))
                sides.append(Seen(*astuple(_seen(i, sent, dims, category))[:6], structure))
            else:
                sides.append(_seen(i, size, dims, category))
        guess, baseline_guess = attacker.guess(*sides), baseline.guess(*sides)
        for side, name, guessed, baseline_guessed in zip(
            sides, pair, guess, baseline_guess, strict=True
        ):
            if guessed is not None:
                hits.append(guessed == name)
                baseline_hits.append(baseline_guessed == name)
                truths.append(name)
            attacker.learn(side, name)
            baseline.learn(side, name)
    return hits, baseline_hits, truths


def _betraying(name, rng) -> int:
    sizes = {"a": 10_000, "b": 20_000, "c": 40_000, "d": 80_000, "e": 160_000}
    return int(sizes[name] * rng.uniform(0.9, 1.1))


def _telling_nothing(name, rng) -> int:
    return int(rng.lognormvariate(11, 1))


@pytest.mark.parametrize("pairs", [_uniform_pairs, _arena_like_pairs])
def test_the_attacker_reads_sizes_that_betray_the_generator(pairs):
    result = verdict(*_simulate(_betraying, 100, 1, pairs), 0.99)
    assert result.accuracy > 0.9 and result.above_chance


@pytest.mark.parametrize("pairs", [_uniform_pairs, _arena_like_pairs])
def test_a_blind_arena_is_not_called_leaky_in_most_seeded_runs(pairs):
    # Sizes that say nothing: the 99% verdict should flag about 1 run in 100 or fewer; 40
    # runs flag 3 or more with probability under 1% when the rate is 1%.
    flagged = sum(
        verdict(*_simulate(_telling_nothing, 100, seed, pairs), 0.99).above_chance
        for seed in range(40)
    )
    assert flagged <= 2


@pytest.mark.parametrize("pairs", [_uniform_pairs, _arena_like_pairs])
def test_the_file_attacker_reads_the_original_size_that_padding_records(pairs):
    # Both sides at one length: byte sizes alone say nothing within a battle...
    notes = verdict(*_simulate(_betraying, 100, 1, pairs, padded=True), 0.99)
    # ...but the padding's own length gives each original size back to a parser.
    parsed = verdict(*_simulate(_betraying, 100, 1, pairs, FileAttacker(), padded=True), 0.99)
    assert parsed.accuracy > 0.85 and parsed.above_chance
    assert parsed.accuracy > notes.accuracy + 0.2


@pytest.mark.parametrize("pairs", [_uniform_pairs, _arena_like_pairs])
def test_the_file_attacker_does_not_call_a_blind_arena_leaky_in_most_seeded_runs(pairs):
    flagged = sum(
        verdict(*_simulate(_telling_nothing, 100, seed, pairs, FileAttacker()), 0.99).above_chance
        for seed in range(40)
    )
    assert flagged <= 2


def test_wilson_intervals_match_known_values():
    low, high = wilson(20, 100, 1.959964)
    assert low == pytest.approx(0.1333, abs=1e-3) and high == pytest.approx(0.2888, abs=1e-3)
    assert wilson(0, 0, 1.96) == (0.0, 1.0)


@pytest.fixture
def demo(transactional_db, demo_drawn_small):
    """The demo's generators and prompts, drawn small so that hundreds of votes stay quick."""
    call_command("demo", battles=2, stdout=io.StringIO())


def test_a_voter_keeping_addresses_and_reveals_over_200_votes_identifies_no_side(demo, monkeypatch):
    # Ratings are not what is audited; recomputing boards after each of 200 votes is slow.
    monkeypatch.setattr("arena.services.votes.ratings_schedule", lambda **_: None, raising=False)
    out = io.StringIO()
    try:
        call_command("audit_blindness", voters=1, votes=200, confidence=0.999, stdout=out)
    finally:
        report = out.getvalue()
    assert "Votes cast: 200;" in report, report
    assert "Addresses shown again: 0; outputs: 0" in report, report  # none known by address
    typed = int(
        re.search(r"Pool prompts typed: (\d+) \(of them pool sources uploaded: (\d+)\)", report)[1]
    )
    assert typed == 20 and "uploaded: 0)" not in report, report  # the hour's allowance, both kinds
    assert "Blind:" in report, report
    votes = Vote.objects.filter(voter__username__startswith="audit-")
    assert votes.count() == 200 + typed
    shown = defaultdict(int)
    for battle in Battle.objects.filter(votes__in=votes):
        for generation in (battle.generation_a, battle.generation_b):
            shown[generation.digest] += 1
    assert len(shown) == 2 * (200 + typed) and set(shown.values()) == {1}  # no output twice
    assert SeenOutput.objects.count() >= 2 * (200 + typed)


def _arena_as_it_was(monkeypatch):
    """What a voter was seen by its generations' rows, and typed prompts reused the pool's
    seeds: the arena before its outputs were judged by their pixels."""
    from django.db.models import Q

    from arena.services import claims, prompts

    def by_row(voter):
        seen = SeenOutput.objects.filter(voter=voter).values("generation_id")
        return ~Q(generation_a_id__in=seen) & ~Q(generation_b_id__in=seen)

    def mark_by_row(*, voter, battle_id):
        mark(voter=voter, battle_id=battle_id)  # records what it can, and never refuses
        return True

    create, mark = prompts.battle_create, claims.outputs_mark_seen
    monkeypatch.setattr(claims, "unseen_by", by_row)
    monkeypatch.setattr(claims, "outputs_mark_seen", mark_by_row)
    monkeypatch.setattr(claims, "_take_away_repeats", lambda **_: None)
    monkeypatch.setattr(prompts, "battle_create", lambda **kw: create(**{**kw, "fresh": False}))


def test_the_audit_fails_when_typing_a_pool_prompt_hands_back_its_outputs(
    demo, monkeypatch, settings
):
    monkeypatch.setattr("arena.services.votes.ratings_schedule", lambda **_: None, raising=False)
    _arena_as_it_was(monkeypatch)
    # Battles drawn before the demo's generators were made small hold outputs no typed prompt
    # can repeat: the pool is drawn again with the generators as they are now.
    Battle.objects.filter(status=Battle.Status.READY).delete()
    battles_refill()
    # Allowance enough to type each battle's prompt until both of its sides are named.
    settings.ARENA_PROMPT_RATE_PER_HOUR = 60
    out = io.StringIO()
    with pytest.raises(CommandError, match="attacker keeping notes guesses generators better"):
        call_command("audit_blindness", voters=1, votes=20, stdout=out)
    assert re.search(r"Pool prompts typed: [1-9]\d", out.getvalue()), out.getvalue()


def test_the_audit_fails_when_dimensions_betray_the_generator(transactional_db, settings):
    settings.ARENA_OUTPUT_SIZE = None  # native sizes: each generator has its own
    call_command("demo", battles=0, votes=0, stdout=io.StringIO())
    Generator.objects.all().delete()
    for i, size in enumerate((64, 80, 96)):
        make_generator(f"Native {i}", size=size)
    with pytest.raises(CommandError, match="keeping notes guesses generators better"):
        call_command("audit_blindness", voters=1, votes=40, stdout=io.StringIO())


def test_bad_arguments_are_refused(db):
    with pytest.raises(CommandError, match="--typed"):
        call_command("audit_blindness", typed=-1)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("audit_blindness", voters=0)
    with pytest.raises(CommandError, match=re.escape("[0.5, 1)")):
        call_command("audit_blindness", confidence=1.5)
