"""The route's rule on simulated categories (seeded, small) and on stored boards with newcomers.

The full tables are printed by ``tests/benchmarks/bench_route_quality.py``; these are the same
checks on a sample small enough for the suite, with bounds that allow for its size.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import call_command

from arena.models import Category
from ratings.route_decision import category_decision
from ratings.selectors import snapshot_latest
from tests.benchmarks import route_simulation as sim
from tests.ratings.conftest import battle_lines, import_lines
from tests.ratings.engine.test_bt import BASEBALL

EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)


def test_a_router_asking_every_100_votes_is_rarely_ever_confidently_wrong():
    """12 categories at a 20-point gap, asked 15 times each up to 1,500 votes.

    At a 5% error rate the expected number of categories ever wrong is at most 0.6; three or
    more would happen by chance under 2% of the time.
    """
    looks = list(range(100, 1501, 100))
    ever_wrong = 0
    for c in range(12):
        truth = sim.truth_with_gap(20.0, np.random.default_rng([21, c]))
        path = sim.run_path(truth, looks, seed=c, min_votes=20, rounds=50)
        ever_wrong += any(look.confident and not look.right for look in path)
    assert ever_wrong <= 2


def test_a_clear_category_is_settled_and_its_leader_named():
    truth = sim.truth_with_gap(150.0, np.random.default_rng(4))
    path = sim.run_path(truth, [3000], seed=4, min_votes=20, rounds=50)
    assert path[-1].confident and path[-1].right


@pytest.mark.parametrize("design", [sim.balanced, sim.narrow])
def test_p_best_is_calibrated_on_boards_spread_as_its_prior_assumes(design):
    """200 boards (2,000 cases) of 10 models: each bin within 3 SE + 0.03 of its mean prediction.

    Bins are merged until a 95% interval of the share is about +/-0.08, so each holds enough
    cases to be judged (on the crowded-top design the 0.6-1.0 bin misses by 0.23 against a
    bound of 0.15); the full-size check (15,000 boards a design, +/-0.03) is
    ``bench_route_quality.py --sections 5``. ``narrow`` (sd 20 points, crowded throughout)
    shows the prior's width is learned from the board.
    """
    cases = sim.calibration_cases(design, 200, seed=8, rounds=400)
    bins = sim.calibration_bins(cases.predicted, cases.best, EDGES, half_width=0.08)
    assert len(bins) >= 4
    for b in bins:
        se = math.sqrt(b.mean * (1 - b.mean) / b.cases)
        assert abs(b.share - b.mean) <= 3 * se + 0.03


def test_calibration_bins_merge_sparse_bins_and_keep_every_case():
    predicted = np.array([0.01] * 500 + [0.55] * 30 + [0.97] * 200)
    best = np.array([False] * 495 + [True] * 5 + [True] * 15 + [False] * 15 + [True] * 194
                    + [False] * 6)  # fmt: skip
    bins = sim.calibration_bins(predicted, best, EDGES, half_width=0.03)
    assert sum(b.cases for b in bins) == predicted.size
    assert [(b.low, b.cases) for b in bins] == [(0.0, 530), (0.95, 200)]
    assert bins[1].share == pytest.approx(0.97) and bins[1].share_low < 0.97 < bins[1].share_high


def _with_newcomer(wins: int, losses: int, category: str = "logos") -> list[dict]:
    """The shared board plus a newcomer with the given record against the others."""
    lines = battle_lines()
    rivals = ["gpt-image-2", "nano-banana-pro", "seedream-4", "flux-2"]
    for k in range(wins + losses):
        won = k < wins
        lines.append({"model_a": "newcomer", "model_b": rivals[k % 4],
                      "winner": "model_a" if won else "model_b", "category": category,
                      "tstamp": 1767300000 + k, "question_id": f"new-{k}"})  # fmt: skip
    return lines


@pytest.mark.django_db
def test_a_newcomer_topping_the_board_does_not_withhold_a_settled_pick(api, tmp_path):
    import_lines(tmp_path, _with_newcomer(wins=10, losses=0))
    board = api.get("/api/v1/leaderboards/logos/").json()
    assert board["rows"][0]["generator"] == "newcomer"  # top of the board on 10 straight wins
    body = api.get("/api/v1/route/?category=logos").json()
    assert body["decision"] == "confident"
    assert body["recommended"]["generator"] == "gpt-image-2"
    assert body["provisional_challengers"] == ["newcomer"]
    newcomer = next(a for a in body["alternatives"] if a["generator"] == "newcomer")
    assert newcomer["provisional"] is True
    assert body["error_rate"] == 0.05 and body["votes_needed_estimate"] == 0
    margin = body["margin"]
    assert margin["over"] == "nano-banana-pro" and 0 < margin["lower"] < margin["points"]


@pytest.mark.django_db
def test_a_newcomer_just_past_the_vote_threshold_is_not_a_confident_pick(api, tmp_path):
    import_lines(tmp_path, _with_newcomer(wins=21, losses=1))
    body = api.get("/api/v1/route/?category=logos&tolerance=0").json()
    assert body["recommended"]["generator"] == "newcomer"  # the best guess, on 22 votes
    assert body["decision"] == "insufficient_data"
    assert "cannot yet separate newcomer from" in body["reason"]
    assert body["votes_needed_estimate"] is None or body["votes_needed_estimate"] > 0


@pytest.mark.django_db
def test_category_decision_reads_a_stored_snapshot_without_a_refit(tmp_path, monkeypatch):
    import_lines(tmp_path, _with_newcomer(wins=10, losses=0))
    snapshot = snapshot_latest(category=Category.objects.get(slug="logos"))
    monkeypatch.setattr("ratings.engine.bt.bt_fit", _no_refit)
    decision = category_decision(snapshot)
    assert decision.leader == "gpt-image-2" and decision.confident
    assert decision.provisional_challengers == ["newcomer"]
    assert category_decision(snapshot, max_cost=-1).leader is None


def _no_refit(*args, **kwargs):
    raise AssertionError("category_decision must not refit")


@pytest.mark.django_db
def test_a_snapshot_without_a_covariance_is_never_confident(tmp_path):
    import_lines(tmp_path, battle_lines())
    snapshot = snapshot_latest(category=Category.objects.get(slug="people"))
    snapshot.matrices = {k: v for k, v in snapshot.matrices.items() if k != "covariance"}
    cache.clear()
    decision = category_decision(snapshot)
    assert not decision.confident and "recompute" in decision.reason


@pytest.mark.django_db
def test_tiers_reach_the_board_csv_and_command(api, boards, client, django_user_model):
    rows = api.get("/api/v1/leaderboards/logos/").json()["rows"]
    assert rows[0]["tier"] == 1 and all(r["tier"] >= 1 for r in rows if r["rated"])
    out = io.StringIO()
    call_command("leaderboard", "logos", stdout=out)
    assert "tier" in out.getvalue().splitlines()[0].split()
    client.force_login(django_user_model.objects.create_user("analyst"))
    csv = client.get("/leaderboard/logos.csv").content.decode()
    assert csv.splitlines()[0].startswith("tier,rank,")
    assert "Tier" in client.get("/leaderboard/logos/").content.decode()


@pytest.mark.django_db
def test_prior_zero_reproduces_agrestis_published_table(tmp_path, settings):
    """RATINGS_PRIOR=0: the 1987 AL East through import and recompute, as Agresti publishes."""
    settings.RATINGS_PRIOR = 0.0
    lines = [
        {"model_a": home, "model_b": away, "winner": winner, "category": "baseball",
         "tstamp": 1767225600, "question_id": f"{home}-{away}-{k}"}
        for home, away, home_wins, away_wins in BASEBALL
        for k, winner in enumerate(["model_a"] * home_wins + ["model_b"] * away_wins)
    ]  # fmt: skip
    import_lines(tmp_path, lines)
    snapshot = snapshot_latest(category=Category.objects.get(slug="baseball"))
    ratings = {r.generator.name: r.rating for r in snapshot.rows.select_related("generator")}
    points = 400 / math.log(10)
    versus = {team: round((r - ratings["Baltimore"]) / points, 2) for team, r in ratings.items()}
    assert versus == {"Baltimore": 0.0, "Cleveland": 0.68, "Boston": 1.11, "New York": 1.25,
                      "Toronto": 1.29, "Detroit": 1.44, "Milwaukee": 1.58}  # fmt: skip
    assert snapshot.parameters["prior"] == 0.0
