from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from arena.models import Prompt
from tests.conftest import source_png


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("boss", password="boss-pass-123")
    client.force_login(admin)
    return client


def _add(client, category, **files):
    data = {"text": "Swap the background for a studio", "category": category.id,
            "source": "curated", "active": "on", **files}  # fmt: skip
    return client.post("/admin/arena/prompt/add/", data)


def test_an_admin_adds_an_edit_prompt_with_its_source_image(admin_client, edit_category):
    response = _add(
        admin_client, edit_category, source_upload=SimpleUploadedFile("a.jpg", source_png())
    )
    assert response.status_code == 302
    prompt = Prompt.objects.get()
    assert prompt.kind == "edit" and prompt.source_image.startswith("sources/")
    page = admin_client.get(f"/admin/arena/prompt/{prompt.id}/change/").content.decode()
    assert "/media/sources/" in page


def test_the_admin_refuses_an_edit_prompt_without_a_picture_or_with_a_fake_one(
    admin_client, edit_category, category
):
    assert _add(admin_client, edit_category).status_code == 200  # the form, with the error
    fake = SimpleUploadedFile("a.png", b"not a picture")
    page = _add(admin_client, edit_category, source_upload=fake).content.decode()
    assert "could not be decoded" in page
    with_source = SimpleUploadedFile("a.png", source_png())
    assert _add(admin_client, category, source_upload=with_source).status_code == 200
    assert not Prompt.objects.exists()
