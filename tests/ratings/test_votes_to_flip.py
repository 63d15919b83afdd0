"""Votes to flip on a known board: the route's and each row's, and what casting them does."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arena.models import Category
from generation.models import Generator
from ratings.engine.flip import votes_to_flip
from ratings.payloads import board_payload
from ratings.selectors import snapshot_latest
from tests.ratings.conftest import import_lines

POINTS = 400.0 / math.log(10.0)


def _route(api, slug="logos") -> dict:
    response = api.get(f"/api/v1/route/?category={slug}")
    assert response.status_code == 200, response.content
    return response.json()


def _attack(tmp_path, winner: str, loser: str, votes: int, tag: str) -> None:
    lines = [
        {"model_a": winner, "model_b": loser, "winner": "model_a", "category": "logos",
         "tstamp": 1767300000 + k, "question_id": f"{tag}-{k}"}
        for k in range(votes)
    ]  # fmt: skip
    import_lines(tmp_path, lines)


def test_a_confident_route_answer_says_how_many_votes_would_undo_it(api, boards):
    answer = _route(api)
    assert answer["decision"] == "confident"
    assert isinstance(answer["votes_to_flip"], int) and answer["votes_to_flip"] > 0
    thin = _route(api, "thin")
    assert thin["decision"] != "confident" and thin["votes_to_flip"] is None


def test_each_board_row_carries_the_votes_that_would_swap_it_with_the_row_below(boards):
    snapshot = snapshot_latest(category=Category.objects.get(slug="logos"))
    rows = [r for r in board_payload(snapshot)["rows"] if r["rated"]]
    ids = snapshot.matrices["generators"]
    cov = np.array(snapshot.matrices["covariance"], dtype=float) / POINTS**2
    slugs = dict(Generator.objects.values_list("slug", "id"))
    first, second = (ids.index(slugs[r["generator"]]) for r in rows[:2])
    variance = cov[first, first] + cov[second, second] - 2 * cov[first, second]
    gap = (rows[0]["rating"] - rows[1]["rating"]) / POINTS
    assert rows[0]["votes_to_flip"] == pytest.approx(votes_to_flip(gap, variance), rel=0.02)
    assert rows[-1]["votes_to_flip"] is None


@pytest.mark.parametrize(("share", "confident"), [(0.5, True), (2.0, False)])
def test_casting_the_estimated_votes_undoes_the_decision_and_half_of_them_does_not(
    api, boards, tmp_path, share, confident
):
    before = _route(api)
    leader, runner = before["recommended"]["generator"], before["runner_up"]
    _attack(tmp_path, runner, leader, math.ceil(share * before["votes_to_flip"]), "attack")

    after = _route(api)

    assert (after["decision"] == "confident" and after["leader"] == leader) is confident
