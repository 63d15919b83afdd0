"""The prompt index: texts as vectors, the category's directions, votes by pair, the kernel."""

from __future__ import annotations

import numpy as np
import pytest

from ratings import prompt_index, prompt_text
from tests.benchmarks import prompt_route_simulation as sim

TEXTS = ["bold lettering for a bakery", "an icon of a fox", "lettering in gold script"]
# (prompt, left, right, outcome): 0 left won, 1 right won, 2 tie.
VOTES = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 2, 0, 2], [2, 0, 2, 1], [2, 0, 2, 1]])


def test_similar_prompts_are_nearer_than_unlike_ones():
    index = prompt_index.build(TEXTS, VOTES, [10, 11, 12])
    similarity, share = prompt_index.similarities(index, "hand lettering for a shop")
    assert similarity[0] > similarity[1] and similarity[2] > similarity[1]
    assert np.all((similarity >= -1e-6) & (similarity <= 1 + 1e-6)) and 0 < share <= 1


def test_rows_are_unit_length_and_unknown_words_are_left_out():
    vectorizer, rows = prompt_text.fit_transform(TEXTS)
    assert np.allclose(np.sqrt((rows.toarray() ** 2).sum(axis=1)), 1.0)
    assert vectorizer.transform(["zzzz qqqq"]).nnz == 0


def test_votes_are_tallied_by_unordered_pair_whatever_the_side():
    index = prompt_index.build(TEXTS, VOTES, [10, 11, 12])
    tallies = index.tallies.toarray()  # pairs (0,1), (0,2), (1,2); first wins, second, ties
    assert tallies[0, 0] == 1 and tallies[0, 3] == 1  # left 0 won; then left 1 won over 0
    assert tallies[1, 7] == 1  # a tie of 2 and 0
    assert tallies[2, 4] == 2  # right 2 won over left 0, twice
    assert list(index.votes) == [2, 1, 2]


def test_the_index_survives_a_round_trip_through_bytes():
    index = prompt_index.build(TEXTS, VOTES, [10, 11, 12])
    again = prompt_index.loads(prompt_index.dumps(index))
    text = "lettering on a sign"
    assert np.allclose(
        prompt_index.similarities(index, text)[0],
        prompt_index.similarities(again, text)[0],
        atol=1e-6,
    )
    assert (again.tallies != index.tallies).nnz == 0


def test_an_index_without_votes_is_empty_not_an_error():
    index = prompt_index.build([], np.zeros((0, 4), dtype=int), [1, 2])
    assert index.n_prompts == 0
    assert prompt_index.similarities(index, "anything")[0].size == 0


def test_few_prompts_keep_their_tf_idf_cosines():
    index = prompt_index.build(TEXTS, VOTES, [10, 11, 12])
    _, rows = prompt_text.fit_transform(TEXTS)
    plain = (rows @ rows.T).toarray()
    assert np.allclose(index.embedded @ index.embedded.T, plain, atol=1e-5)
    similarity, share = prompt_index.similarities(index, TEXTS[2])
    assert similarity[2] == pytest.approx(1.0, abs=1e-5) and share == pytest.approx(1.0)


def test_the_kernel_weighs_the_same_prompt_fully_and_unlike_ones_not_at_all():
    index = prompt_index.build(TEXTS, VOTES, [10, 11, 12])
    near = prompt_index.neighbourhood(index, TEXTS[1], similarity=0.5)
    assert near.prompts == 1 and near.votes == 1 and near.nearest == pytest.approx(1.0, abs=1e-5)
    assert near.tallies.total.sum() == pytest.approx(1.0, abs=1e-5)


def test_the_directions_of_a_category_follow_its_hidden_sub_kinds():
    rng = np.random.default_rng(4)
    vocab = sim.vocabulary(rng)
    texts, subkind, rows = sim.votes_of(rng, vocab, sim.truth(60.0), 2000)
    index = prompt_index.build(texts, rows, list(range(sim.MODELS)))
    # Three sub-kinds: their mean and two contrasts stand above the noise of filler words.
    assert 2 <= index.directions.shape[1] <= 6
    for s in range(sim.SUBKINDS):
        similarity, _ = prompt_index.similarities(index, vocab.prompt(rng, s))
        same, other = similarity[subkind == s], similarity[subkind != s]
        assert np.median(same) > 0.8 and np.quantile(other, 0.9) < 0.5


@pytest.mark.parametrize("gap", [0.0, 60.0])
def test_the_prompt_route_is_never_worse_than_the_category_route_on_a_seeded_category(gap):
    out = sim.run(gap, 3000, seed=5, tests=60)
    assert out.gain >= 0.0 and out.wrong == 0
    if gap == 0.0:
        assert out.differ == 0 or out.gain == 0.0
    else:
        assert out.gain >= 0.5 * out.oracle_gain
