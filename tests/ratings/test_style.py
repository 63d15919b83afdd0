"""Style-controlled boards: stored beside the plain ones, on the pages, the API and the route."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from arena.models import Vote
from ratings.models import Snapshot
from ratings.selectors import snapshot_latest, style_votes
from ratings.services import leaderboard_recompute
from ratings.services.recompute import snapshots_prune
from tests.conftest import make_generator
from tests.ratings.style_boards import styled_votes


@pytest.fixture
def trio(db):
    return [make_generator(name) for name in ("Aurora", "Basalt", "Vivid")]


@pytest.fixture
def styled(category, trio, settings):
    settings.RATINGS_STYLE_MIN_VOTES = 100
    styled_votes(category, trio, 900, seed=1)
    # Imported votes name no outputs: the plain board counts them, the controlled one cannot.
    Vote.objects.create(
        category=category, choice="left", shown_left=trio[0], shown_right=trio[1], import_key="x"
    )
    return leaderboard_recompute(category=category)


def _ranks(snapshot) -> dict[str, int]:
    return {row.generator.slug: row.rank for row in snapshot.rows.select_related("generator")}


def test_a_recompute_stores_a_style_controlled_board_beside_the_plain_one(styled, category):
    controlled = snapshot_latest(category=category, control="style")
    assert controlled.plain_id == styled.id and controlled.method == "bt_style"
    assert styled.vote_count == 901 and controlled.vote_count == 900
    assert style_votes(styled) == (900, 100)
    effects = {e["feature"]: e for e in controlled.parameters["style"]["features"]}
    assert len(effects) == 6 and effects["colourfulness"]["lower"] > 0
    # The plain snapshot stays the board of record everywhere else.
    assert snapshot_latest(category=category).id == styled.id


def test_the_plain_board_lifts_the_vivid_model_and_the_controlled_one_puts_it_back(
    styled, category
):
    assert _ranks(styled)["vivid"] == 1
    controlled = snapshot_latest(category=category, control="style")
    assert _ranks(controlled) == {"aurora": 1, "basalt": 2, "vivid": 3}


def test_too_few_votes_with_outputs_store_no_controlled_board(category, trio, settings):
    settings.RATINGS_STYLE_MIN_VOTES = 100
    styled_votes(category, trio, 40)
    plain = leaderboard_recompute(category=category)
    assert snapshot_latest(category=category, control="style") is None
    assert style_votes(plain) == (40, 100)
    assert Snapshot.with_controlled.count() == 1


def test_a_controlled_board_goes_with_its_plain_one(styled, category, settings):
    settings.RATINGS_SNAPSHOTS_KEPT = 1
    Snapshot.objects.filter(id=styled.id).update(computed_at=styled.computed_at.replace(year=2000))
    newer = leaderboard_recompute(category=category)
    assert snapshots_prune(category=category) == 0  # the old one is its day's last: kept
    Snapshot.objects.filter(id=styled.id).delete()
    assert list(Snapshot.with_controlled.values_list("plain_id", flat=True).order_by("id")) == [
        None,
        newer.id,
    ]


# --- The API and the route -------------------------------------------------------------------


def test_the_api_gives_the_controlled_board_with_rank_changes_and_effects(api, styled):
    body = api.get("/api/v1/leaderboards/product-shots/?control=style").json()
    assert body["control"] == "style" and body["plain_snapshot"] == styled.id
    vivid = next(row for row in body["rows"] if row["generator"] == "vivid")
    assert vivid["rank_plain"] == 1 and vivid["rank"] == 3 and vivid["rank_change"] == -2
    assert [e["feature"] for e in body["style"]["features"]][:2] == ["colourfulness", "saturation"]
    plain = api.get("/api/v1/leaderboards/product-shots/").json()
    assert plain["control"] == "none" and "rank_change" not in plain["rows"][0]
    assert plain["style"] == {"votes": 900, "min_votes": 100}


def test_the_list_and_the_matrix_take_the_control_too(api, styled):
    boards = api.get("/api/v1/leaderboards/?control=style").json()
    assert [b["board"] for b in boards["results"]] == ["product-shots"]
    assert all(b["control"] == "style" for b in boards["results"])
    matrix = api.get("/api/v1/matrix/product-shots/?control=style").json()
    assert matrix["control"] == "style"


def test_the_route_decides_on_the_controlled_board_when_asked(api, styled):
    plain = api.get("/api/v1/route/?category=product-shots&tolerance=0").json()
    controlled = api.get("/api/v1/route/?category=product-shots&control=style").json()
    assert plain["control"] == "none" and plain["leader"] == "vivid"
    assert controlled["control"] == "style" and controlled["leader"] == "aurora"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/leaderboards/product-shots/?control=looks",
        "/api/v1/leaderboards/?control=STYLE",
        "/api/v1/matrix/product-shots/?control=0",
        "/api/v1/route/?category=product-shots&control=plain",
    ],
)
def test_an_unknown_control_answers_400_naming_the_field(api, styled, url):
    response = api.get(url)
    assert response.status_code == 400
    assert "is not a control" in response.json()["control"][0]


def test_too_few_votes_with_outputs_answer_404_saying_so(api, category, trio, settings):
    settings.RATINGS_STYLE_MIN_VOTES = 100
    styled_votes(category, trio, 40)
    leaderboard_recompute(category=category)
    response = api.get("/api/v1/leaderboards/product-shots/?control=style")
    assert response.status_code == 404
    assert "Too few votes with measured outputs" in response.json()["detail"]
    assert "40 of the 100" in response.json()["detail"]
    assert api.get("/api/v1/leaderboards/product-shots/").status_code == 200
    assert api.get("/api/v1/leaderboards/?control=style").json()["results"] == []


# --- The pages and the command ---------------------------------------------------------------


def test_the_page_shows_both_boards_the_rank_changes_and_what_voters_reward(client, voter, styled):
    client.force_login(voter)
    page = client.get("/leaderboard/product-shots/?control=style").content.decode()
    assert "Style-controlled" in page and "What voters reward here" in page
    assert "Colourfulness" in page and "▼2" in page and "▲1" in page
    plain = client.get("/leaderboard/product-shots/").content.decode()
    assert "What voters reward here" not in plain and "?control=style" in plain


def test_the_page_says_when_there_are_too_few_votes_with_outputs(
    client, voter, category, trio, settings
):
    settings.RATINGS_STYLE_MIN_VOTES = 100
    styled_votes(category, trio, 40)
    leaderboard_recompute(category=category)
    client.force_login(voter)
    response = client.get("/leaderboard/product-shots/?control=style")
    assert response.status_code == 200
    assert "Too few votes with measured outputs" in response.content.decode()


def test_an_unknown_control_on_the_page_answers_400(client, voter, styled):
    client.force_login(voter)
    response = client.get("/leaderboard/product-shots/?control=looks")
    assert response.status_code == 400
    assert "Unknown control" in response.content.decode()


def test_the_command_prints_the_controlled_board_and_the_effects(styled):
    out = io.StringIO()
    call_command("leaderboard", "product-shots", "--control", "style", stdout=out)
    text = out.getvalue()
    assert text.index("Aurora") < text.index("Vivid")
    assert "What voters reward here" in text and "Colourfulness" in text
