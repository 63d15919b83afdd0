"""The leaderboard page and its CSV: no 500 on a renamed generator, no formulas in cells."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from generation.models import Generator
from ratings.models import Snapshot


@pytest.fixture
def signed_in(voter) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(voter)
    return client


def test_the_leaderboard_survives_a_renamed_generator_between_board_and_matrices(signed_in, boards):
    assert signed_in.get("/leaderboard/").status_code == 200  # caches the board's payload
    snapshot = Snapshot.objects.filter(category=None, kind="generate").latest()
    renamed = Generator.objects.get(id=snapshot.matrices["generators"][0])
    renamed.slug = f"{renamed.slug}-renamed"
    renamed.save()

    assert signed_in.get("/leaderboard/").status_code == 200


def _csv(signed_in) -> list[dict]:
    response = signed_in.get("/leaderboard/overall.csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_cells_that_would_run_as_formulas_are_escaped(signed_in, boards, start):
    generator = Generator.objects.get(id=Snapshot.objects.latest().matrices["generators"][0])
    generator.name = f'{start}HYPERLINK("http://evil.example","click")'
    generator.save()

    names = [row["name"] for row in _csv(signed_in)]

    assert f"'{generator.name}" in names
    assert not any(name.startswith(start) for name in names)


def test_negative_numbers_in_csv_stay_numbers(signed_in, boards):
    rows = _csv(signed_in)
    assert all(not row["rating"].startswith("'") for row in rows)
