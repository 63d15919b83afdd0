"""What a voter has seen is what the pixels are: typing a pool prompt or uploading a pool source
never hands the voter, before their vote, a pool battle's output they have seen revealed.

The voter here keeps notes as an attacker would: the decoded pixels of every output their
browser is given. Every scenario is played through the real pages.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from arena.models import Battle, Prompt
from arena.selectors import source_url
from arena.services import battle_assign_next, battle_create
from arena.services.unseen import outputs_mark_seen
from generation.providers.builtin import BuiltinProvider

JSON = {"HTTP_ACCEPT": "application/json"}
_IMG = re.compile(r'<img src="([^"]+)"')


def _pixels(body: bytes) -> str:
    with Image.open(io.BytesIO(body)) as image:
        return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()


def _stored(battle: Battle) -> set[str]:
    """The pixels of a battle's two stored outputs."""
    battle.refresh_from_db()
    found = set()
    for generation in (battle.generation_a, battle.generation_b):
        with generation.file.open("rb") as stream:
            found.add(_pixels(stream.read()))
    return found


def _served(client, urls) -> set[str]:
    return {_pixels(b"".join(client.get(url).streaming_content)) for url in urls}


def _page(client, token) -> set[str]:
    """The pixels of the two outputs the battle's page gives the browser."""
    page = client.get(reverse("arena:battle", args=[token]))
    urls = _IMG.findall(page.content.decode())
    assert page.status_code == 200 and len(urls) == 2, page.content[:300]
    return _served(client, urls)


def _type_and_vote(client, capture, url: str, data: dict) -> set[str]:
    """Start a battle on the voter's own prompt (or picture), open it, vote: what it showed."""
    with capture(execute=True):
        started = client.post(url, data, **JSON)
    assert started.status_code == 201, started.content
    body = started.json()
    assert client.get(body["url"]).status_code == 302  # ready: opened for voting
    shown = _page(client, body["token"])
    voted = client.post(reverse("arena:battle", args=[body["token"]]), {"choice": "tie"}, **JSON)
    assert voted.status_code == 200 and voted.json()["reveal"]["left"]  # the sides are named
    return shown


def _next(client, capture):
    """The response of the voting page, letting it make a battle when none is ready yet."""
    for _ in range(3):
        with capture(execute=True):
            response = client.get(reverse("arena:vote"))
        if response.status_code != 200:  # 200 is the page saying one is being made
            return response
    return response


def _next_shown(client, capture) -> set[str]:
    response = _next(client, capture)
    assert response.status_code == 302, response.content[:300]
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    return _page(client, token)


@pytest.fixture
def seedless(monkeypatch):
    """Providers that draw the same pixels for the same request and take no seed, so that a
    fresh output cannot differ from the one before it."""
    monkeypatch.setattr(BuiltinProvider, "seed_parameter", "")  # the edit provider's base


@pytest.fixture
def pool_battle(prompt, generators, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])


@pytest.mark.parametrize("typed", ["{}", "  {}  ", "{}.", "upper"])
def test_a_voter_who_types_a_pool_prompt_is_never_shown_its_pool_outputs_before_voting(
    typed, voter_client, prompt, pool_battle, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    text = prompt.text.upper() if typed == "upper" else typed.format(prompt.text)
    revealed = _type_and_vote(voter_client, capture, reverse("arena:prompt"), {"text": text})
    assert not _next_shown(voter_client, capture) & revealed


def test_a_voter_who_uploads_a_pool_source_is_never_shown_its_pool_edits_before_voting(
    voter_client, edit_prompt, ready_edit_battle, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    source = b"".join(voter_client.get(source_url(edit_prompt)).streaming_content)
    upload = io.BytesIO(source)
    upload.name = "downloaded.png"
    revealed = _type_and_vote(
        voter_client, capture, reverse("arena:edit"), {"image": upload, "text": edit_prompt.text}
    )
    assert not _next_shown(voter_client, capture) & revealed


def test_a_typed_prompt_draws_fresh_outputs_that_no_battle_reuses(
    voter_client, prompt, pool_battle, django_capture_on_commit_callbacks
):
    revealed = _type_and_vote(
        voter_client,
        django_capture_on_commit_callbacks,
        reverse("arena:prompt"),
        {"text": prompt.text},
    )
    typed = Battle.objects.exclude(id=pool_battle.id).get()
    for generation in (typed.generation_a, typed.generation_b):
        assert not generation.reusable and isinstance(generation.parameters["seed"], int)
    assert not revealed & _stored(pool_battle)


@pytest.fixture
def twin_battles(category, generators, django_capture_on_commit_callbacks):
    """Two battles of two prompts with the same text: two generation rows, the same bytes."""
    twins = [Prompt.objects.create(text="A blue kettle", category=category) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        return [
            battle_create(prompt=p, generator_a=generators[0], generator_b=generators[1])
            for p in twins
        ]


def test_an_output_is_seen_by_its_pixels_whatever_generation_row_made_it(
    voter, twin_battles, django_capture_on_commit_callbacks
):
    first, second = twin_battles
    assert first.generation_a_id != second.generation_a_id
    assert _stored(first) == _stored(second)  # two rows, the same bytes
    shown = battle_assign_next(voter=voter)
    Battle.objects.filter(id=shown.id).update(status=Battle.Status.VOTED)
    with django_capture_on_commit_callbacks(execute=True):
        after = battle_assign_next(voter=voter)  # nothing unseen is ready: one is being made
    after = after or battle_assign_next(voter=voter)
    assert after is not None and after.id not in {first.id, second.id}
    assert not _stored(after) & _stored(shown)


def test_two_battles_with_the_same_bytes_cannot_both_be_marked_seen(voter, twin_battles):
    first, second = twin_battles
    assert outputs_mark_seen(voter=voter, battle_id=first.id)
    assert not outputs_mark_seen(voter=voter, battle_id=second.id)


def test_a_provider_that_repeats_itself_loses_the_typist_the_pool_battles_it_repeats(
    seedless, voter_client, prompt, pool_battle, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    revealed = _type_and_vote(voter_client, capture, reverse("arena:prompt"), {"text": prompt.text})
    assert revealed == _stored(pool_battle)  # no seed to vary: the typist saw the pool's outputs
    battles = Battle.objects.count()
    for _ in range(4):
        response = _next(voter_client, capture)
        if response.status_code == 302:
            token = response["Location"].rstrip("/").rsplit("/", 1)[1]
            assert not _page(voter_client, token) & revealed
            voter_client.post(reverse("arena:battle", args=[token]), {"choice": "tie"}, **JSON)
        else:  # nothing unseen can be made: said plainly, not made again at every request
            assert response.status_code == 409 and "seen every output" in response.content.decode()
    assert Battle.objects.count() <= battles + 2


def test_the_battle_on_screen_keeps_its_outputs_out_of_a_typed_battle_of_its_prompt(
    voter_client, voter, prompt, pool_battle, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    on_screen = _next_shown(voter_client, capture)
    revealed = _type_and_vote(voter_client, capture, reverse("arena:prompt"), {"text": prompt.text})
    assert not on_screen & revealed
    pool_battle.refresh_from_db()
    assert pool_battle.voter == voter and pool_battle.status == Battle.Status.ASSIGNED


@pytest.mark.parametrize("where", ["shown", "held"])
def test_a_repeating_provider_takes_the_voters_unvoted_battle_away_when_a_typed_one_repeats_it(
    where, seedless, voter_client, voter, prompt, pool_battle, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    if where == "shown":
        on_screen = _next_shown(voter_client, capture)
    else:
        with capture(execute=True):
            held = voter_client.post(reverse("arena:prefetch"), **JSON).json()["battle"]
        on_screen = _served(voter_client, [held["left"]["url"], held["right"]["url"]])
    revealed = _type_and_vote(voter_client, capture, reverse("arena:prompt"), {"text": prompt.text})
    assert revealed == on_screen  # the typed battle repeats it; its reveal names its sides
    pool_battle.refresh_from_db()
    assert pool_battle.voter != voter  # so the pool battle is no longer this voter's to judge
    refused = voter_client.post(
        reverse("arena:battle", args=[pool_battle.token]), {"choice": "left"}, **JSON
    )
    assert refused.status_code in (404, 409)
    assert not pool_battle.votes.exists()
    response = _next(voter_client, capture)
    if response.status_code == 302:
        token = response["Location"].rstrip("/").rsplit("/", 1)[1]
        assert not _page(voter_client, token) & revealed
