"""The category guess of typed prompts: filed when clear, asked when not, measured on the demo."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from arena import classify
from arena.demo_data import CATEGORIES, EDIT_CATEGORIES
from arena.models import Kind, Prompt
from arena.selectors import category_ranking
from arena.services import CategoryUnclear, voter_battle_start

JSON = {"HTTP_ACCEPT": "application/json"}
DOCUMENTS = ["Logos. Brand marks", "a flat vector logo", "People. Portraits", "a portrait"]


def test_features_count_each_piece_of_lettering_and_the_stems_character_grams():
    terms = classify.features('A sign reading "OPEN" and SALE 50')
    assert terms.count(classify.LETTERING) == 2 * 4  # "OPEN", SALE, 5 and 0, twice each
    assert "sign" in terms and "#<si" in terms and "#ign>" in terms


def test_a_guess_is_sure_only_when_the_runner_up_is_clear_behind():
    index = classify.fit(DOCUMENTS, [0, 0, 1, 1], 2)
    clear = classify.guess(index, "a flat vector logo of an owl")
    assert clear.label == 0 and clear.runner_up == 1 and clear.sure
    torn = classify.guess(index, "a flat vector logo of an owl", margin=1.0)
    assert torn.label == 0 and not torn.sure


def test_a_guess_with_nothing_shared_names_nothing_and_one_category_is_always_sure():
    index = classify.fit(DOCUMENTS, [0, 0, 1, 1], 2)
    assert classify.guess(index, "qqq") == classify.Guess(None, None, False)
    alone = classify.fit(["Logos"], [0], 1)
    assert classify.guess(alone, "qqq") == classify.Guess(0, None, True)


@pytest.mark.parametrize(
    ("text", "kind", "slug"),
    [
        ('A lighthouse on a cliff at dusk with the words "KEEP WATCH" painted on it',
         Kind.GENERATE, "text-in-image"),
        ("Make it look like a pencil sketch", Kind.EDIT, "restyle"),
        ('Change the label text to "PLUM JAM"', Kind.EDIT, "text-edit"),
        ("Replace the background with a quiet harbour at dawn", Kind.EDIT, "background-swap"),
    ],
)  # fmt: skip
def test_the_prompts_once_misfiled_are_filed_right(demo_categories, text, kind, slug):
    guessed = category_ranking(text, kind=kind)
    assert guessed.category.slug == slug and guessed.sure


def test_an_unclear_prompt_asks_for_the_category_and_stores_nothing(
    demo_categories, voter, generators
):
    prompts = Prompt.objects.count()
    with pytest.raises(CategoryUnclear, match="cannot tell"):
        voter_battle_start(voter=voter, text="zebra", category=None)
    assert Prompt.objects.count() == prompts


def test_the_page_asks_at_the_category_field_and_takes_the_pick(
    demo_categories, voter_client, generators, django_capture_on_commit_callbacks
):
    page = voter_client.post(reverse("arena:prompt"), {"text": "zebra", "category": ""})
    assert page.status_code == 400
    html = page.content.decode()
    assert re.search(r'<select name="category"[^>]*>', html)
    assert "cannot tell" in html and "zebra" in html
    script = voter_client.post(reverse("arena:prompt"), {"text": "zebra"}, **JSON)
    assert script.status_code == 400 and "pick" in script.json()["error"]
    with django_capture_on_commit_callbacks(execute=True):
        picked = voter_client.post(reverse("arena:prompt"), {"text": "zebra", "category": "people"})
    assert picked.status_code == 302
    assert Prompt.objects.get(text="zebra").category.slug == "people"


def test_the_evaluation_files_nine_in_ten_demo_prompts_right(demo_categories, tmp_path):
    out = StringIO()
    call_command("category_guess_eval", stdout=out)
    text = out.getvalue()
    for spec in CATEGORIES + EDIT_CATEGORIES:  # each curated prompt, and 40 labelled ones
        assert re.search(rf"^{spec['slug']}\s+{len(spec['prompts']) + 40}\s", text, re.M)
    filed = re.search(r"^right when filed: (\d+)%", text, re.M)
    assert filed and int(filed.group(1)) >= 90
    assert re.search(r"^all\s+\d+\s+\d+%", text, re.M)


def test_the_evaluation_refuses_a_file_it_cannot_read_with_the_line(demo_categories, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"category": "people", "text": "a nurse"}) + "\nnot json\n")
    with pytest.raises(Exception, match="line 2"):
        call_command("category_guess_eval", labelled=str(bad), stdout=StringIO())
