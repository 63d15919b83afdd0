"""Bring your own prompt: start, poll, open, fail and retry, as a browser or a script sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arena.models import PROMPT_MAX_LENGTH, Battle, Category, Prompt
from generation.tasks import generate
from tests.conftest import make_generator

JSON = {"HTTP_ACCEPT": "application/json"}


def _start(client, capture, *, execute=True, **data):
    with capture(execute=execute):
        return client.post(reverse("arena:prompt"), data, **JSON)


def test_the_prompt_form_is_shown_with_its_limit_and_categories(voter_client, category):
    html = voter_client.get(reverse("arena:prompt")).content.decode()
    assert f'maxlength="{PROMPT_MAX_LENGTH}"' in html
    assert "Let the arena choose" in html and category.name in html


def test_a_prompt_starts_a_blind_battle_kept_for_its_author(
    voter_client, voter, category, generators, django_capture_on_commit_callbacks
):
    response = _start(
        voter_client,
        django_capture_on_commit_callbacks,
        text="  A teapot shaped like a whale  ",
        category=category.slug,
    )
    assert response.status_code == 201
    body = response.json()
    battle = Battle.objects.get(token=body["token"])
    assert battle.requested_by == voter and battle.status == Battle.Status.READY
    prompt = battle.prompt
    assert prompt.text == "A teapot shaped like a whale"
    assert (prompt.source, prompt.created_by, prompt.category) == ("voter", voter, category)
    assert not prompt.active  # not used for others' battles until an admin says so
    assert {battle.generator_a, battle.generator_b} == set(generators)
    for word in ("Aurora", "Basalt", "builtin"):
        assert word.lower() not in response.content.decode().lower()


def test_a_prompt_without_a_category_gets_the_nearest_one(
    voter_client, category, generators, django_capture_on_commit_callbacks
):
    Category.objects.create(slug="logos", name="Logos", description="Brand marks and icons")
    category.description = "Packshots of handbags and shoes"
    category.save()
    body = _start(
        voter_client, django_capture_on_commit_callbacks, text="A handbag packshot"
    ).json()
    assert Battle.objects.get(token=body["token"]).prompt.category == category


def test_a_prompt_over_the_length_limit_answers_400_and_changes_nothing(
    voter_client, category, generators, django_capture_on_commit_callbacks
):
    response = _start(
        voter_client, django_capture_on_commit_callbacks, text="x" * (PROMPT_MAX_LENGTH + 1)
    )
    assert response.status_code == 400
    assert f"at most {PROMPT_MAX_LENGTH} characters" in response.json()["error"]
    assert not Prompt.objects.exists() and not Battle.objects.exists()


def test_an_empty_prompt_answers_400(voter_client, generators, django_capture_on_commit_callbacks):
    response = _start(voter_client, django_capture_on_commit_callbacks, text="   ")
    assert response.status_code == 400
    assert response.json()["error"] == "Type a prompt first."


def test_an_unknown_category_answers_400_and_changes_nothing(
    voter_client, category, generators, django_capture_on_commit_callbacks
):
    response = _start(
        voter_client, django_capture_on_commit_callbacks, text="A lamp", category="no-such"
    )
    assert response.status_code == 400
    assert "no such category" in response.json()["error"]
    assert not Prompt.objects.exists()


def test_the_html_form_answers_400_with_the_message_next_to_the_field(voter_client, generators):
    response = voter_client.post(reverse("arena:prompt"), {"text": "", "category": "nope"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Type a prompt first." in html and "There is no such category" in html


def test_without_two_generators_of_a_kind_a_prompt_answers_409(
    voter_client, generators, django_capture_on_commit_callbacks
):
    generators[1].enabled = False
    generators[1].save()
    response = _start(voter_client, django_capture_on_commit_callbacks, text="A lamp")
    assert response.status_code == 409
    assert "two enabled generators" in response.json()["error"]
    assert not Prompt.objects.exists()


def test_typed_prompts_past_the_hourly_limit_answer_429(
    voter_client, generators, settings, django_capture_on_commit_callbacks
):
    settings.ARENA_PROMPT_RATE_PER_HOUR = 1
    assert _start(voter_client, django_capture_on_commit_callbacks, text="A").status_code == 201
    response = _start(voter_client, django_capture_on_commit_callbacks, text="B")
    assert response.status_code == 429 and "this hour" in response.json()["error"]
    assert Prompt.objects.count() == 1


def test_status_polling_follows_the_generations_until_the_battle_opens(
    voter_client, voter, generators, django_capture_on_commit_callbacks
):
    # No worker yet: the generations wait in the queue.
    body = _start(voter_client, django_capture_on_commit_callbacks, execute=False, text="A").json()
    status = voter_client.get(body["status_url"]).json()
    assert status["state"] == "generating" and status["done"] == 0
    assert status["outputs"] == ["waiting", "waiting"]
    page = voter_client.get(body["url"])
    assert page.status_code == 200 and "Generating: 0 of 2 outputs ready." in page.content.decode()

    battle = Battle.objects.get(token=body["token"])
    generate.apply(args=[battle.generation_a_id])
    status = voter_client.get(body["status_url"]).json()
    assert (status["state"], status["done"], status["outputs"]) == (
        "generating",
        1,
        ["done", "waiting"],
    )

    generate.apply(args=[battle.generation_b_id])
    assert voter_client.get(body["status_url"]).json()["state"] == "ready"
    opened = voter_client.get(body["url"])
    assert opened.status_code == 302 and opened["Location"] == reverse(
        "arena:battle", args=[battle.token]
    )
    battle.refresh_from_db()
    assert battle.voter == voter and battle.shown_at is not None


@pytest.fixture
def broken_pair(generators):
    broken = make_generator("Broken Model", fail="permanent")
    generators[1].enabled = False
    generators[1].save()
    return generators[0], broken, generators[1]


def test_a_failed_generation_says_so_plainly_and_a_retry_uses_another_pair(
    voter_client, broken_pair, django_capture_on_commit_callbacks
):
    good, _broken, spare = broken_pair
    body = _start(voter_client, django_capture_on_commit_callbacks, text="A lamp").json()
    status = voter_client.get(body["status_url"])
    data = status.json()
    assert data["state"] == "failed" and "failed" in data["outputs"]
    assert "could not make an output" in data["message"]
    text = status.content.decode().lower()
    assert "told to fail" not in text and "broken" not in text  # blind, even in failure
    assert "Try another pair" in voter_client.get(body["url"]).content.decode()

    spare.enabled = True
    spare.save()
    with django_capture_on_commit_callbacks(execute=True):
        retried = voter_client.post(body["retry_url"], **JSON)
    assert retried.status_code == 201
    again = Battle.objects.get(token=retried.json()["token"])
    assert again.prompt.text == "A lamp" and again.status == Battle.Status.READY
    assert {again.generator_a, again.generator_b} == {good, spare}
    # A second click on the same button starts nothing new.
    assert voter_client.post(body["retry_url"], **JSON).json()["token"] == str(again.token)
    assert Battle.objects.count() == 2


def test_a_battle_that_did_not_fail_cannot_be_retried(
    voter_client, generators, django_capture_on_commit_callbacks
):
    body = _start(voter_client, django_capture_on_commit_callbacks, text="A lamp").json()
    response = voter_client.post(body["retry_url"], **JSON)
    assert response.status_code == 400 and "failed" in response.json()["error"]


def test_another_voters_prompt_battle_is_not_found(
    voter_client, other_voter, generators, django_capture_on_commit_callbacks
):
    body = _start(voter_client, django_capture_on_commit_callbacks, text="Mine").json()
    voter_client.force_login(other_voter)
    assert voter_client.get(body["status_url"]).status_code == 404
    assert voter_client.get(body["url"]).status_code == 404
    assert voter_client.post(body["retry_url"], **JSON).status_code == 404


def test_a_typed_prompt_is_rendered_as_text_never_as_markup(
    voter_client, generators, django_capture_on_commit_callbacks
):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with django_capture_on_commit_callbacks(execute=True):
        response = voter_client.post(reverse("arena:prompt"), {"text": text}, follow=True)
    html = response.content.decode()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        in html
    )
    assert "<script>alert" not in html and "<img src=x" not in html
