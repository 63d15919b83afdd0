from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from arena.models import Battle, Vote
from generation.outputs import store_output
from generation.served import served_name


def _names(battle) -> list[str]:
    words = []
    for generator in (battle.generator_a, battle.generator_b):
        words += [generator.name, generator.slug, generator.model_id]
    return [*words, "builtin"]


def _login(client, voter):
    client.force_login(voter)
    return client


def test_the_vote_page_asks_for_a_login(client, db):
    response = client.get(reverse("arena:vote"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_form_signs_a_voter_in(client, voter):
    response = client.post(reverse("login"), {"username": "voter", "password": "voter-pass-123"})
    assert response.status_code == 302
    assert client.get(reverse("arena:vote")).status_code in (200, 302)


def test_signing_in_lands_staff_on_the_admin_and_voters_on_the_next_battle(
    client, voter, django_user_model
):
    response = client.post(reverse("login"), {"username": "voter", "password": "voter-pass-123"})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == reverse("arena:vote")
    django_user_model.objects.create_user("boss", password="boss-pass-123", is_staff=True)
    client.logout()
    client.post(reverse("login"), {"username": "boss", "password": "boss-pass-123"})
    assert client.get("/")["Location"] == reverse("admin:index")
    assert 'href="/admin/"' in client.get(reverse("arena:prompt")).content.decode()


def test_without_javascript_the_vote_page_hides_its_list_of_keys(voter_client, ready_battle):
    html = voter_client.get(reverse("arena:vote"), follow=True).content.decode()
    assert 'id="shortcuts"' in html  # shown by the script's class on <html>, hidden otherwise
    css = (Path(__file__).resolve().parents[2] / "static/arena/arena.css").read_text()
    assert "html:not(.js) .shortcuts" in css


def test_the_vote_page_names_no_generator_before_the_vote(client, voter, ready_battle):
    _login(client, voter)
    response = client.get(reverse("arena:vote"), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert ready_battle.prompt.text in html
    headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    for word in _names(ready_battle):
        assert word.lower() not in html.lower(), word
        assert word.lower() not in headers.lower(), word
    assert html.count('name="choice"') == 4


def test_the_images_shown_before_the_vote_carry_no_name_and_no_metadata(
    client, voter, ready_battle
):
    _login(client, voter)
    html = client.get(reverse("arena:vote"), follow=True).content.decode()
    urls = re.findall(r'<img src="([^"]+)"', html)
    assert len(urls) == 2
    for url in urls:
        assert re.fullmatch(r"/outputs/[0-9a-f]{32}[lr]:[A-Za-z0-9_-]+", url)
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        headers = " ".join(f"{k}: {v}" for k, v in response.headers.items()).lower()
        image = Image.open(io.BytesIO(body))
        assert image.format == "PNG"
        assert not image.info and not image.getexif()
        for word in _names(ready_battle):
            assert word.lower().encode() not in body.lower()
            assert word.lower() not in headers


def test_outputs_are_not_served_to_strangers(client, ready_battle):
    url = ready_battle.generation_a.file.url
    assert client.get(url).status_code == 302


def test_voting_reveals_the_identities_and_offers_the_next_battle(client, voter, shown_battle):
    _login(client, voter)
    url = reverse("arena:battle", args=[shown_battle.token])
    response = client.post(url, {"choice": "left"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert shown_battle.generator_a.name in html and shown_battle.generator_b.name in html
    assert 'id="next"' in html
    left = shown_battle.generator_a if shown_battle.left_is_a else shown_battle.generator_b
    assert html.index(left.name) < html.index(
        (
            shown_battle.generator_b
            if left == shown_battle.generator_a
            else shown_battle.generator_a
        ).name
    )
    assert Vote.objects.get().choice == "left"


def test_posting_the_same_vote_twice_succeeds_and_counts_once(client, voter, shown_battle):
    _login(client, voter)
    url = reverse("arena:battle", args=[shown_battle.token])
    assert client.post(url, {"choice": "tie"}).status_code == 302
    assert client.post(url, {"choice": "tie"}).status_code == 302
    assert Vote.objects.count() == 1


def test_a_json_vote_answers_with_the_reveal(client, voter, shown_battle):
    _login(client, voter)
    url = reverse("arena:battle", args=[shown_battle.token])
    response = client.post(url, {"choice": "right"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["counted"] is True
    assert {body["reveal"]["left"], body["reveal"]["right"]} == {
        shown_battle.generator_a.name,
        shown_battle.generator_b.name,
    }


def test_a_vote_on_a_battle_not_held_by_the_voter_answers_404_whatever_its_state(
    client, voter, ready_battle
):
    # 409 "(it is ready)" or "(it is generating)" would tell a voter holding a token its state.
    _login(client, voter)
    url = reverse("arena:battle", args=[ready_battle.token])
    answers = []
    for status in (Battle.Status.PENDING, Battle.Status.READY, Battle.Status.FAILED):
        Battle.objects.filter(pk=ready_battle.pk).update(status=status)
        response = client.post(url, {"choice": "left"}, headers={"accept": "application/json"})
        answers.append((response.status_code, response.content))
    unknown = client.post(
        f"/vote/{uuid.uuid4()}/", {"choice": "left"}, headers={"accept": "application/json"}
    )
    assert answers == [(404, unknown.content)] * 3
    assert Vote.objects.count() == 0


def test_a_vote_on_the_voters_battle_gone_back_to_the_pool_answers_409(client, voter, shown_battle):
    _login(client, voter)
    Battle.objects.filter(pk=shown_battle.pk).update(status=Battle.Status.FAILED)
    response = client.post(reverse("arena:battle", args=[shown_battle.token]), {"choice": "left"})
    assert response.status_code == 409
    assert "no longer open" in response.content.decode()
    assert Vote.objects.count() == 0


def test_a_vote_on_an_unknown_battle_answers_404(client, voter):
    _login(client, voter)
    for token in (uuid.uuid4(), "garbage"):
        response = client.post(f"/vote/{token}/", {"choice": "left"})
        assert response.status_code == 404
    assert Vote.objects.count() == 0


def test_a_vote_with_a_bad_choice_answers_400_and_changes_nothing(client, voter, shown_battle):
    _login(client, voter)
    url = reverse("arena:battle", args=[shown_battle.token])
    response = client.post(url, {"choice": "<script>"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "Unknown choice" in response.json()["error"]
    shown_battle.refresh_from_db()
    assert shown_battle.status == Battle.Status.ASSIGNED


def test_another_voters_battle_page_is_not_found(client, other_voter, shown_battle):
    _login(client, other_voter)
    assert client.get(reverse("arena:battle", args=[shown_battle.token])).status_code == 404


def test_the_vote_page_says_so_when_no_battle_is_ready(client, voter, category):
    _login(client, voter)
    response = client.get(reverse("arena:vote"))
    assert response.status_code == 200
    assert "No battle is ready" in response.content.decode()


def test_reloading_the_vote_page_keeps_the_battle_and_its_sides(client, voter, ready_battle):
    _login(client, voter)
    first = client.get(reverse("arena:vote"))
    second = client.get(reverse("arena:vote"))
    assert first["Location"] == second["Location"]
    page_one = client.get(first["Location"]).content
    page_two = client.get(second["Location"]).content
    assert re.findall(rb'<img src="([^"]+)"', page_one) == re.findall(
        rb'<img src="([^"]+)"', page_two
    )


def test_what_voters_are_sent_is_written_when_the_battle_is_ready_not_when_stored(
    ready_battle,
):
    for generation in (ready_battle.generation_a, ready_battle.generation_b):
        assert default_storage.exists(served_name(generation.file.name))
    png = io.BytesIO()
    Image.new("RGB", (12, 8), "#a0b0c0").save(png, "PNG")
    alone = store_output(png.getvalue(), "image/png")  # an output no battle waits on
    assert not default_storage.exists(served_name(alone))
