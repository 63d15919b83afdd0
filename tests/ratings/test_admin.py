from __future__ import annotations

import pytest
from django.urls import reverse

from ratings.models import EloRating, Snapshot
from ratings.route_decision import _reason


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="boss-pass-123")
    client.force_login(admin)
    return client


def test_the_snapshot_page_shows_rounded_numbers_and_tables_not_raw_json(staff_client, boards):
    snapshot = Snapshot.objects.filter(category=None, kind="generate").latest("computed_at")
    html = staff_client.get(reverse("admin:ratings_snapshot_change", args=[snapshot.id])).content
    html = html.decode()
    assert '<table class="arena-facts">' in html
    assert "None" not in html
    assert '"win_rate"' not in html and '{"method"' not in html  # no raw JSON
    row = snapshot.rows.filter(rated=True).first()
    assert f"{row.rating:,.0f}" in html
    assert str(row.rating) not in html  # never the unrounded float
    assert "arena/favicon.svg" in html  # the admin asks for a favicon that exists


def test_the_elo_list_rounds_ratings_and_names_the_board(staff_client, boards):
    row = EloRating.objects.exclude(category=None).first()
    html = staff_client.get(reverse("admin:ratings_elorating_changelist")).content.decode()
    assert f"{row.rating:,.1f}" in html and row.category.name in html
    assert str(row.rating) not in html


def test_the_generator_list_keeps_its_statistics_in_few_columns(staff_client, generators):
    html = staff_client.get(reverse("admin:generation_generator_changelist")).content.decode()
    assert f"builtin · {generators[0].model_id}" in html
    assert html.count('class="column-') <= 11


@pytest.mark.parametrize(
    ("total", "expected"), [(1, "1 vote in this category"), (2, "2 votes in this category")]
)
def test_the_route_reason_counts_votes_in_words(total, expected, settings):
    settings.ROUTE_MIN_CATEGORY_VOTES = 100
    rule = type("Rule", (), {"leader": 0, "runner_up": None})()
    assert expected in _reason(rule, ["aurora"], total, confident=False, tolerance=25.0)
