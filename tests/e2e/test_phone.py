"""Voting on a phone: outputs stacked, big buttons in reach, a tap votes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from arena.models import Vote
from tests.e2e.conftest import log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)


def test_on_a_phone_outputs_stack_and_a_tap_votes(phone, live_server, battles, screenshot):
    log_in(phone, live_server)
    wait_until_ready(phone)
    top = phone.locator("#output-left").bounding_box()
    bottom = phone.locator("#output-right").bounding_box()
    assert bottom["y"] >= top["y"] + top["height"]  # stacked, not side by side
    assert abs(top["x"] - bottom["x"]) < 1 and top["width"] > 330
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    vote_top = phone.get_by_role("button", name="Top is better")
    expect(vote_top).to_be_in_viewport()  # the buttons stay in reach without scrolling
    expect(phone.get_by_role("button", name="Bottom is better")).to_be_in_viewport()
    screenshot("1-blind", of=phone)

    vote_top.tap()
    expect(phone.locator("#verdict")).to_have_text("You voted: Top is better.")
    for generator in battles:
        expect(phone.locator("#pair").get_by_text(generator.name)).to_be_visible()
    screenshot("2-revealed", of=phone)
    assert Vote.objects.get().choice == "left"

    phone.get_by_role("link", name="Next battle").tap()
    wait_until_ready(phone)
    phone.get_by_role("button", name="Both bad").tap()
    expect(phone.locator("#verdict")).to_contain_text("You voted: Both are bad")
    assert Vote.objects.count() == 2
