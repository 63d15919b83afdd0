from __future__ import annotations

import numpy as np
import pytest

from arena import classify
from arena.models import Category, Prompt
from arena.selectors import category_guess, category_ranking

DOCUMENTS = [
    "Logos. Brand marks and icons, flat vector style",
    "A flat vector logo for a bakery",
    "A minimal fox logo in orange",
    "People. Portraits and people in scenes",
    "Portrait of an old fisherman",
    "A child flying a kite on the beach",
]
LABELS = [0, 0, 0, 1, 1, 1]


def test_tokenize_folds_plurals_and_drops_words_that_say_nothing():
    assert classify.tokenize("The Logos of two Bakeries, flying") == ["logo", "bakery", "fly"]
    assert classify.tokenize("a an the of") == []


def test_guess_picks_the_category_that_shares_the_telling_words():
    index = classify.fit(DOCUMENTS, LABELS, 2)
    assert classify.guess(index, "vector logo of an owl").label == 0
    assert classify.guess(index, "portrait of a smiling nurse").label == 1


def test_scores_are_cosines_between_zero_and_one():
    index = classify.fit(DOCUMENTS, LABELS, 2)
    similarity = classify.scores(index, "flat vector logo portrait")
    assert similarity.shape == (2,)
    assert np.all(similarity >= 0) and np.all(similarity <= 1 + 1e-12)
    single = classify.fit(["red apple"], [0], 1)
    assert classify.scores(single, "apple red")[0] == pytest.approx(1.0)


def test_guess_says_none_when_nothing_is_shared_or_nothing_is_known():
    index = classify.fit(DOCUMENTS, LABELS, 2)
    assert classify.guess(index, "zzz qqq").label is None
    assert classify.guess(classify.fit([], [], 2), "a logo").label is None


def test_a_category_without_documents_is_never_guessed():
    index = classify.fit(DOCUMENTS, LABELS, 3)
    assert not np.any(index.centroids[2])
    assert classify.guess(index, "logo portrait").label in (0, 1)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("A neon sign that says EAT HERE", "text-in-image"),
        ("flat vector logo of an owl for a bookshop", "logos"),
        ("portrait of a smiling nurse in a hospital corridor", "people"),
        ("sunglasses on a white background, studio lighting", "product-shots"),
    ],
)
def test_category_guess_uses_names_descriptions_and_curated_prompts(demo_categories, text, slug):
    assert category_guess(text).slug == slug


def test_category_guess_ignores_prompts_typed_by_voters(demo_categories):
    people = Category.objects.get(slug="people")
    before = category_ranking("zebra")
    Prompt.objects.create(text="zebra zebra zebra", category=people, source=Prompt.Source.VOTER)
    after = category_ranking("zebra")
    assert after == before
    assert after.category != people and not after.sure


def test_category_guess_without_categories_is_none(db):
    assert category_guess("a logo") is None
