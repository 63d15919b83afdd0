"""manage.py route_eval: the category board and the prompt route tested on newer votes."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from ratings.route_eval import category_eval, wilson
from tests.ratings.test_prompt_route import logos  # noqa: F401 (a fixture)


def test_the_prompt_board_predicts_held_out_votes_of_two_sub_kinds_better(logos):  # noqa: F811
    result = category_eval(logos, split=0.75)
    assert (result.train, result.test) == (1800, 600)
    assert result.log_loss_prompt < result.log_loss_category
    assert result.difference_interval[1] < 0
    assert result.prompt_basis > 0 and result.picks_differ > 0
    # Where the picks differ and the two met, the prompt route's pick won more often.
    assert result.battles > 0 and result.win_rate > 0.5


def test_the_command_prints_a_line_per_category(logos):  # noqa: F811
    out = io.StringIO()
    call_command("route_eval", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("category | fit/test votes")
    assert any(line.startswith("logos | 1920/480") for line in lines)
    assert any(line.startswith("people | too few votes") for line in lines)


@pytest.mark.parametrize(
    "args", [["--split", "1.5"], ["--tolerance", "-3"], ["--category", "nope"]]
)
def test_the_command_refuses_bad_options(db, args):
    with pytest.raises(CommandError):
        call_command("route_eval", *args, stdout=io.StringIO())


def test_the_wilson_interval_holds_its_share():
    low, high = wilson(30, 40)
    assert low < 0.75 < high and low > 0 and high < 1
