"""The voting page's JSON endpoints, the reveal, the limits as HTTP answers, and CSP-ready HTML."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from arena.models import Battle, Vote
from arena.services import battle_assign_next

NO_INLINE_CODE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script
    re.compile(r"\sstyle=", re.I),  # style attribute
    re.compile(r"\son[a-z]+=", re.I),  # inline event handler
    re.compile(r"javascript:", re.I),
]


def _secret_words(battles) -> list[str]:
    words = []
    for battle in battles:
        for generator in (battle.generator_a, battle.generator_b):
            words += [generator.name, generator.slug, generator.model_id, generator.provider]
    return [word.lower() for word in words]


def test_the_next_battle_is_held_and_described_blind(voter_client, voter, make_ready_battles):
    battles = make_ready_battles(2)
    current = battle_assign_next(voter=voter)
    response = voter_client.post(reverse("arena:prefetch"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    card = response.json()["battle"]
    held = Battle.objects.get(token=card["token"])
    assert held.pk != current.pk and held.voter == voter and held.shown_at is None
    assert card["prompt"] == held.prompt.text
    assert card["url"] == reverse("arena:battle", args=[held.token])
    for side in ("left", "right"):
        assert re.fullmatch(r"/outputs/[0-9a-f]{32}[lr]:[A-Za-z0-9_-]+", card[side]["url"])
        assert held.generation_a.file.name.split("/")[1][:64] not in card[side]["url"]
    text = (response.content.decode() + json.dumps(dict(response.headers))).lower()
    assert not [word for word in _secret_words(battles) if word in text]


def test_asking_for_the_next_battle_when_none_is_ready_says_so(voter_client, category):
    response = voter_client.post(reverse("arena:prefetch"), HTTP_ACCEPT="application/json")
    assert response.json() == {"battle": None}


def test_the_next_battle_is_only_claimed_with_a_post(voter_client, make_ready_battles):
    make_ready_battles(1)
    assert voter_client.get(reverse("arena:prefetch")).status_code == 405
    assert not Battle.objects.filter(status=Battle.Status.ASSIGNED).exists()


def test_showing_a_held_battle_starts_its_clock(voter_client, voter, other_voter, ready_battle):
    card = voter_client.post(reverse("arena:prefetch")).json()["battle"]
    response = voter_client.post(card["shown_url"], HTTP_ACCEPT="application/json")
    assert response.json() == {"shown": True}
    assert Battle.objects.get(token=card["token"]).shown_at is not None
    voter_client.force_login(other_voter)
    assert voter_client.post(card["shown_url"]).status_code == 409


def test_opening_a_held_battle_by_its_address_counts_as_showing_it(voter_client, ready_battle):
    card = voter_client.post(reverse("arena:prefetch")).json()["battle"]
    assert voter_client.get(card["url"]).status_code == 200
    assert Battle.objects.get(token=card["token"]).shown_at is not None


def test_a_json_vote_reports_the_flag_input_and_answers_with_the_full_reveal(
    voter_client, shown_battle
):
    url = reverse("arena:battle", args=[shown_battle.token])
    response = voter_client.post(
        url, {"choice": "left", "images_loaded": "0"}, HTTP_ACCEPT="application/json"
    )
    body = response.json()
    assert body["choice_label"] == "Left is better" and body["votes_today"] == 1
    reveal = body["reveal"]
    left = shown_battle.generation_a if shown_battle.left_is_a else shown_battle.generation_b
    assert reveal["left"] == left.generator.name
    assert reveal["left_cost"] == str(left.cost)
    assert reveal["left_detail"] == f"{left.latency_ms} ms · $0.01"
    assert "flag" not in json.dumps(body)  # the voter is not told how votes are screened
    assert Vote.objects.get().flag_reason.startswith("cast before both outputs had loaded")


def test_the_revealed_page_shows_names_latency_cost_and_the_tally(voter_client, shown_battle):
    url = reverse("arena:battle", args=[shown_battle.token])
    html = voter_client.post(url, {"choice": "right"}, follow=True).content.decode()
    for generator in (shown_battle.generator_a, shown_battle.generator_b):
        assert generator.name in html
    assert html.count("· $0.01") == 2
    assert "You voted: <strong>Right is better</strong>." in html
    assert html.count("today") == 1  # the tally says it once
    assert re.search(r'id="tally-count">1</span> <span id="tally-unit">vote</span>', html)


def test_a_vote_past_the_rate_limit_answers_429_in_json_and_html(
    voter_client, voter, make_ready_battles, settings
):
    settings.ARENA_VOTE_RATE_PER_MINUTE = 1
    make_ready_battles(3)
    first = battle_assign_next(voter=voter)
    voter_client.post(reverse("arena:battle", args=[first.token]), {"choice": "tie"})
    second = battle_assign_next(voter=voter)
    url = reverse("arena:battle", args=[second.token])
    response = voter_client.post(url, {"choice": "tie"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert "faster than 1 votes a minute" in response.json()["error"]
    assert 1 <= int(response["Retry-After"]) <= 61
    page = voter_client.post(url, {"choice": "tie"})
    assert page.status_code == 429 and "faster than 1 votes a minute" in page.content.decode()
    assert Vote.objects.count() == 1


def test_a_voter_at_the_daily_cap_gets_429_and_no_new_battle(
    voter_client, voter, shown_battle, make_ready_battles, settings
):
    settings.ARENA_DAILY_VOTE_CAP = 1
    make_ready_battles(2)
    voter_client.post(reverse("arena:battle", args=[shown_battle.token]), {"choice": "left"})
    page = voter_client.get(reverse("arena:vote"))
    assert page.status_code == 429
    assert "You have cast 1 votes today" in page.content.decode()
    prefetch = voter_client.post(reverse("arena:prefetch"), HTTP_ACCEPT="application/json")
    assert prefetch.json() == {"battle": None}
    assert not Battle.objects.filter(status=Battle.Status.ASSIGNED).exists()


def test_the_voting_pages_carry_no_inline_code(voter_client, shown_battle):
    url = reverse("arena:battle", args=[shown_battle.token])
    pages = [voter_client.get(url), voter_client.get(reverse("arena:prompt"))]
    voter_client.post(url, {"choice": "left"})
    pages.append(voter_client.get(url))
    for page in pages:
        html = page.content.decode()
        assert not [p.pattern for p in NO_INLINE_CODE if p.search(html)]
        assert re.search(r'<script src="/static/arena/[a-z]+\.js"', html)


def test_the_page_before_the_vote_shows_the_shortcuts_and_labels_every_control(
    voter_client, shown_battle
):
    html = voter_client.get(reverse("arena:battle", args=[shown_battle.token])).content.decode()
    assert 'aria-keyshortcuts="1 ArrowLeft"' in html and 'aria-keyshortcuts="4 ArrowDown"' in html
    assert "<kbd>Enter</kbd> next" in html
    assert 'alt="Left output"' in html and 'alt="Right output"' in html
    assert 'role="status"' in html
    for generator in (shown_battle.generator_a, shown_battle.generator_b):
        assert generator.name not in html
