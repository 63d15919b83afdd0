"""Bring your own edit, the source image's address, and the voting page of an edit battle."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from arena.models import Battle, Prompt
from generation.sources import read_source, source_hash
from tests.conftest import source_png
from tests.generation.test_sources import with_gps_and_text

JSON = {"HTTP_ACCEPT": "application/json"}


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _start(client, capture, **data):
    with capture(execute=True):
        return client.post(reverse("arena:edit"), data, **JSON)


def test_the_edit_form_lists_only_edit_categories(voter_client, edit_category, category):
    response = voter_client.get(reverse("arena:edit"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert edit_category.name in html and category.name not in html
    assert edit_category.name not in voter_client.get(reverse("arena:prompt")).content.decode()


def test_an_upload_starts_an_edit_battle_whose_progress_shows_the_picture(
    voter_client, voter, editors, edit_category, django_capture_on_commit_callbacks
):
    response = _start(
        voter_client,
        django_capture_on_commit_callbacks,
        image=upload(source_png()),
        text="Swap the background for a beach",
        category=edit_category.slug,
    )
    assert response.status_code == 201
    battle = Battle.objects.get(token=response.json()["token"])
    assert battle.prompt.kind == "edit" and battle.requested_by == voter
    page = voter_client.get(reverse("arena:prompt-battle", args=[battle.token]))
    # Both edits were made in-process, so the progress page opens the battle at once.
    assert page.status_code == 302
    html = voter_client.get(page["Location"]).content.decode()
    assert f"/media/sources/{source_hash(battle.prompt.source_image)}.png" in html


def test_an_upload_with_gps_and_a_text_chunk_is_stored_without_them(
    voter_client, editors, edit_category, django_capture_on_commit_callbacks
):
    response = _start(
        voter_client,
        django_capture_on_commit_callbacks,
        image=upload(with_gps_and_text()),
        text="Replace the background",
    )
    assert response.status_code == 201
    stored = read_source(Battle.objects.get(token=response.json()["token"]).prompt.source_image)
    assert b"secret lab" not in stored and b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        image.load()
        assert not image.getexif() and "Comment" not in image.info
    served = voter_client.get(
        f"/media/sources/{source_hash(Prompt.objects.get().source_image)}.png"
    )
    assert b"".join(served.streaming_content) == stored


def test_a_dot_png_that_is_not_an_image_is_refused_with_400_and_stores_nothing(
    voter_client, editors, edit_category, django_capture_on_commit_callbacks
):
    fake = upload(b"<html>not a picture</html>", name="holiday.png")
    response = _start(
        voter_client, django_capture_on_commit_callbacks, image=fake, text="Make it sunny"
    )
    assert response.status_code == 400
    assert "could not be decoded as a PNG, JPEG or WebP" in response.json()["error"]
    assert not Prompt.objects.exists() and not Battle.objects.exists()
    page = voter_client.post(
        reverse("arena:edit"), {"image": upload(b"nope", name="x.png"), "text": "Make it sunny"}
    )
    assert page.status_code == 400
    assert "could not be decoded" in page.content.decode()


def test_a_file_over_the_size_limit_is_refused_before_it_is_decoded(
    voter_client, editors, edit_category, settings
):
    settings.ARENA_SOURCE_MAX_BYTES = 50
    response = voter_client.post(
        reverse("arena:edit"), {"image": upload(source_png()), "text": "x"}, **JSON
    )
    assert response.status_code == 400
    assert "at most" in response.json()["error"]


def test_missing_picture_or_instruction_answers_400(voter_client, editors, edit_category):
    missing_image = voter_client.post(reverse("arena:edit"), {"text": "x"}, **JSON)
    assert missing_image.status_code == 400
    assert missing_image.json()["error"] == "Choose a picture to edit."
    missing_text = voter_client.post(reverse("arena:edit"), {"image": upload(source_png())}, **JSON)
    assert missing_text.json()["error"] == "Type an instruction first."


def test_sources_are_served_only_to_signed_in_users_and_only_by_hash(client, voter, edit_prompt):
    name = edit_prompt.source_image.rsplit("/", 1)[-1]
    assert client.get(f"/media/sources/{name}").status_code == 302  # to the login page
    client.force_login(voter)
    response = client.get(f"/media/sources/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "Content-Disposition" not in response
    assert client.get("/media/sources/..%2Fsettings.py").status_code == 404
    assert client.get(f"/media/sources/{'0' * 64}.png").status_code == 404


def test_the_voting_page_of_an_edit_shows_the_source_and_names_no_model_before_the_vote(
    voter_client, voter, ready_edit_battle
):
    response = voter_client.get(reverse("arena:vote"), follow=True)
    html = response.content.decode()
    source = f"/media/sources/{source_hash(ready_edit_battle.prompt.source_image)}.png"
    assert f'id="source-image" src="{source}"' in html
    assert 'id="compare-source"' in html
    assert ready_edit_battle.prompt.text in html
    for generator in (ready_edit_battle.generator_a, ready_edit_battle.generator_b):
        assert generator.name not in html and generator.slug not in html
    token = Battle.objects.get(id=ready_edit_battle.id).token
    voted = voter_client.post(reverse("arena:battle", args=[token]), {"choice": "left"}, **JSON)
    assert voted.status_code == 200
    assert {voted.json()["reveal"]["left"], voted.json()["reveal"]["right"]} == {
        "Careful Edit",
        "Careless Edit",
    }


def test_the_voting_page_of_a_generation_keeps_the_source_hidden(voter_client, ready_battle):
    html = voter_client.get(reverse("arena:vote"), follow=True).content.decode()
    assert 'aria-label="Source image" hidden>' in html
    assert 'id="source-image"' not in html and "/media/sources/" not in html


def test_the_progress_page_of_an_edit_shows_the_picture_while_the_edits_are_made(
    voter_client, editors, edit_category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = voter_client.post(
            reverse("arena:edit"), {"image": upload(source_png()), "text": "Make it night"}
        )
    assert response.status_code == 302
    page = voter_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "Generating: 0 of 2 outputs ready." in html
    prompt = Prompt.objects.get()
    assert f'src="/media/sources/{source_hash(prompt.source_image)}.png"' in html
    assert "Edit another picture" in html


def _typed_upload(client, capture, *, colour="#123456", mask=False) -> Prompt:
    data = {"image": upload(source_png(colour=colour)), "text": "Make the box blue"}
    if mask:
        data["mask"] = upload(source_png(colour="#ffffff"), name="mask.png")
    assert _start(client, capture, **data).status_code == 201
    return Prompt.objects.get(source=Prompt.Source.VOTER, created_by__isnull=False)


def _source(prompt: Prompt, field: str = "source_image") -> str:
    return f"/media/sources/{source_hash(getattr(prompt, field))}.png"


def test_a_voters_upload_is_404_to_every_other_voter_as_if_it_did_not_exist(
    client, voter_client, other_voter, editors, edit_category, django_capture_on_commit_callbacks
):
    prompt = _typed_upload(voter_client, django_capture_on_commit_callbacks, mask=True)
    for field in ("source_image", "source_mask"):
        assert voter_client.get(_source(prompt, field)).status_code == 200  # the uploader
    client.force_login(other_voter)
    for field in ("source_image", "source_mask"):
        # The same answer as for a picture nobody uploaded: holding it tests nothing.
        assert client.get(_source(prompt, field)).status_code == 404
    assert client.get(f"/media/sources/{'0' * 64}.png").status_code == 404


def test_staff_and_the_voter_of_a_battle_showing_an_upload_may_see_it(
    client, voter_client, other_voter, editors, edit_category, django_capture_on_commit_callbacks,
    django_user_model,
):  # fmt: skip
    prompt = _typed_upload(voter_client, django_capture_on_commit_callbacks)
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(_source(prompt)).status_code == 200
    client.force_login(other_voter)
    assert client.get(_source(prompt)).status_code == 404
    Battle.objects.filter(prompt=prompt).update(voter=other_voter)  # shown to them
    assert client.get(_source(prompt)).status_code == 200


def test_a_curated_source_is_for_every_signed_in_voter(client, other_voter, edit_prompt):
    client.force_login(other_voter)
    assert client.get(_source(edit_prompt)).status_code == 200
