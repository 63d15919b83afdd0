"""Per-battle output addresses: one battle and one side each, for its voter and staff only."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from arena.addresses import output_address, output_address_read
from arena.models import Battle
from arena.selectors import battle_card
from arena.services import battle_assign_next, battle_create, vote_cast


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_address_names_the_battle_and_side_never_the_stored_file(shown_battle):
    for side in ("left", "right"):
        address = output_address(shown_battle, side)
        for generation in (shown_battle.generation_a, shown_battle.generation_b):
            assert generation.file.name.split("/")[1][:64] not in address
        assert output_address_read(address.rsplit("/", 1)[1]) == (shown_battle.token, side)
    assert output_address(shown_battle, "left") != output_address(shown_battle, "right")


def test_a_reused_output_gets_a_new_address_in_every_battle(
    prompt, generators, voter, other_voter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
    first, second = battle_assign_next(voter=voter), battle_assign_next(voter=other_voter)
    assert first.generation_a_id == second.generation_a_id  # the same stored output
    urls = {side["url"] for battle in (first, second) for side in _sides(battle)}
    assert len(urls) == 4


def _sides(battle: Battle) -> list[dict]:
    card = battle_card(battle)
    return [card["left"], card["right"]]


def test_the_holder_gets_the_bytes_privately_before_and_after_the_vote(
    voter_client, voter, shown_battle
):
    address = output_address(shown_battle, "left")
    left = shown_battle.as_shown(shown_battle.generation_a, shown_battle.generation_b)[0]
    with left.file.open("rb") as stored:
        expected = _pixels(stored.read())
    before = voter_client.get(address)
    assert before.status_code == 200 and _pixels(_body(before)) == expected
    assert before["Cache-Control"].startswith("private")
    assert "public" not in before["Cache-Control"]
    for header in ("ETag", "Last-Modified", "Content-Disposition", "Location"):
        assert header not in before
    vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    assert _pixels(_body(voter_client.get(address))) == expected


def test_both_sides_of_a_battle_come_at_one_length(voter_client, shown_battle):
    sizes = {g.file.size for g in (shown_battle.generation_a, shown_battle.generation_b)}
    bodies = [_body(voter_client.get(output_address(shown_battle, s))) for s in ("left", "right")]
    assert len(sizes) == 2, "the fixture's two outputs should differ in size"
    assert len(bodies[0]) == len(bodies[1]) > max(sizes)


def _pixels(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGBA").tobytes()


def test_another_voter_gets_404_and_staff_get_the_output(
    client, other_voter, shown_battle, django_user_model
):
    address = output_address(shown_battle, "right")
    client.force_login(other_voter)
    assert client.get(address).status_code == 404
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(address).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda a: a[:-1] + ("A" if a[-1] != "A" else "B"),  # signature changed
        lambda a: a.replace("l:", "r:", 1),  # side changed, signature kept
        lambda a: "not-an-address",
        lambda a: a + "x" * 5000,
    ],
)
def test_a_forged_or_altered_address_is_404(voter_client, shown_battle, mangle):
    signed = output_address(shown_battle, "left").rsplit("/", 1)[1]
    response = voter_client.get(reverse("arena:output", args=[mangle(signed)]))
    assert response.status_code == 404


def test_strangers_are_sent_to_sign_in(client, shown_battle):
    assert client.get(output_address(shown_battle, "left")).status_code == 302
