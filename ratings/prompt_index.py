"""The prompt route's index of one category: its voted prompts as vectors, their votes by pair.

Built by the recompute (:mod:`ratings.services.prompt_index`), read by the prompt route
(:mod:`ratings.prompt_route`) and the offline evaluation (:mod:`ratings.route_eval`). A
request vectorises its prompt, reads the similarity to every voted prompt off an inverted
index (only the postings of the prompt's own features are touched), turns similarities into
kernel weights and sums each prompt's pair tallies with them: one sparse product, whatever
the number of votes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ratings import prompt_text
from ratings.engine.local import PairTallies, kernel_weights, tallies_from

if TYPE_CHECKING:
    import scipy.sparse as sp

# Outcome of a vote for the first (lower-index) model of its pair: a column block each.
FIRST, SECOND, TIE = 0, 1, 2


@dataclass(frozen=True)
class PromptIndex:
    """Voted prompts of one category (see the module docstring).

    ``postings`` is features by prompts (unit rows of the prompts, transposed), ``tallies``
    prompts by ``3 * n_pairs`` (first wins, second wins, ties of each pair), ``generators``
    the board's generator ids in the order of its strengths.
    """

    vectorizer: prompt_text.Vectorizer
    postings: sp.csr_array
    tallies: sp.csr_array
    generators: np.ndarray
    votes: np.ndarray  # per prompt

    @property
    def n_prompts(self) -> int:
        return int(self.votes.size)


@dataclass(frozen=True)
class Neighbourhood:
    """What a prompt drew on: kernel-weighted tallies and how close its neighbours were."""

    tallies: PairTallies
    prompts: int  # voted prompts with a weight of at least NEAR_WEIGHT
    votes: int  # their votes
    nearest: float  # cosine similarity of the nearest voted prompt
    weighted_similarity: float  # mean similarity, weighted as the fit weighs the votes
    effective_votes: float  # Kish: (sum w)^2 / sum w^2 over the votes


# A prompt counts as drawn on when its votes weigh at least this much.
NEAR_WEIGHT = 0.05


def build(texts: list[str], votes: np.ndarray, generators: list[int] | np.ndarray) -> PromptIndex:
    """An index from the voted prompts' texts and their votes.

    ``votes`` has one row per vote: (prompt position in ``texts``, left generator position,
    right generator position, outcome) with outcome 0 left won, 1 right won, 2 tie.
    """
    import scipy.sparse as sp

    generators = np.asarray(generators, dtype=np.int64)
    vectorizer, rows = prompt_text.fit_transform(texts)
    votes = np.asarray(votes, dtype=np.int64).reshape(-1, 4)
    return PromptIndex(
        vectorizer=vectorizer,
        postings=sp.csr_array(rows.T),
        tallies=_tallies(votes, len(texts), generators.size),
        generators=generators,
        votes=np.bincount(votes[:, 0], minlength=len(texts)).astype(np.int64),
    )


def _tallies(votes: np.ndarray, n_prompts: int, n_models: int) -> sp.csr_array:
    import scipy.sparse as sp

    prompt, left, right, outcome = votes.T
    first, second = np.minimum(left, right), np.maximum(left, right)
    # A left win is a first win when the left model is the pair's first; a tie is a tie.
    swapped = left > right
    column = np.where(outcome == TIE, TIE, np.where(swapped, 1 - outcome, outcome))
    pair = _pair_position(first, second, n_models)
    n_pairs = n_models * (n_models - 1) // 2
    matrix = sp.coo_array(
        (np.ones(prompt.size), (prompt, column * n_pairs + pair)),
        shape=(n_prompts, 3 * max(n_pairs, 0)),
    )
    return matrix.tocsr()


def _pair_position(first: np.ndarray, second: np.ndarray, n_models: int) -> np.ndarray:
    # Row-major position of (first, second), first < second, in np.triu_indices(k=1).
    return first * (2 * n_models - first - 1) // 2 + (second - first - 1)


def similarities(index: PromptIndex, text: str) -> np.ndarray:
    """Cosine similarity of ``text`` to every voted prompt of the index."""
    query = index.vectorizer.transform([text])
    if query.nnz == 0:
        return np.zeros(index.n_prompts)
    columns, values = query.indices, query.data
    return np.asarray(values @ index.postings[columns], dtype=float).ravel()


def neighbourhood(index: PromptIndex, text: str, *, neighbours: int) -> Neighbourhood:
    """The kernel-weighted tallies of ``text``'s neighbours among the index's prompts.

    The kernel reaches ``neighbours`` votes, nearest first (:func:`adaptive_weights`).
    """
    similarity = similarities(index, text)
    weights = adaptive_weights(similarity, index.votes, neighbours)
    drawn = np.flatnonzero(weights)
    weights, votes, similarity = weights[drawn], index.votes[drawn], similarity[drawn]
    rows = index.tallies[drawn]
    tallies = tallies_from(weights @ rows, weights**2 @ rows, int(index.generators.size))
    total, square = float(weights @ votes), float(weights**2 @ votes)
    near = weights >= NEAR_WEIGHT
    return Neighbourhood(
        tallies=tallies,
        prompts=int(near.sum()),
        votes=int(votes[near].sum()),
        nearest=float(similarity.max(initial=0.0)),
        weighted_similarity=float(weights * votes @ similarity / total) if total else 0.0,
        effective_votes=total**2 / square if square else 0.0,
    )


def adaptive_weights(similarity: np.ndarray, votes: np.ndarray, neighbours: int) -> np.ndarray:
    """Tricube kernel weights over the nearest votes: ``(1 - (r / neighbours)^3)^3``, where
    ``r`` counts the votes of the prompts nearer than this one; zero from ``neighbours``.

    A nearest-neighbour kernel: its width adapts to how dense the voted prompts are around
    this one, so the votes it reaches stay ``neighbours`` whether a category has a thousand
    votes or a million. Prompts equally similar share a weight. Only the nearest
    ``neighbours`` prompts are sorted (a partition finds them).
    """
    weights = np.zeros(similarity.size)
    if similarity.size == 0:
        return weights
    k = min(neighbours, similarity.size)
    nearest = np.argpartition(-similarity, k - 1)[:k]
    nearest = nearest[np.argsort(-similarity[nearest], kind="stable")]
    ranked = -similarity[nearest]
    before = np.cumsum(votes[nearest]) - votes[nearest]
    first_equal = np.searchsorted(ranked, ranked, side="left")
    weights[nearest] = kernel_weights(before[first_equal] / neighbours)
    return weights


def dumps(index: PromptIndex) -> bytes:
    """The index as bytes (numpy's npz, no pickled objects)."""
    buffer = io.BytesIO()
    postings, tallies = index.postings, index.tallies
    np.savez_compressed(
        buffer,
        columns=index.vectorizer.columns,
        idf=index.vectorizer.idf,
        generators=index.generators,
        votes=index.votes,
        **_csr("postings", postings),
        **_csr("tallies", tallies),
    )
    return buffer.getvalue()


def loads(data: bytes) -> PromptIndex:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return PromptIndex(
            vectorizer=prompt_text.Vectorizer(columns=arrays["columns"], idf=arrays["idf"]),
            postings=_from_csr(arrays, "postings"),
            tallies=_from_csr(arrays, "tallies"),
            generators=arrays["generators"],
            votes=arrays["votes"],
        )


def _csr(name: str, matrix: sp.csr_array) -> dict:
    return {
        f"{name}_data": matrix.data.astype(np.float32 if name == "postings" else np.float64),
        f"{name}_indices": matrix.indices,
        f"{name}_indptr": matrix.indptr,
        f"{name}_shape": np.array(matrix.shape),
    }


def _from_csr(arrays, name: str) -> sp.csr_array:
    import scipy.sparse as sp

    parts = (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"])
    return sp.csr_array(parts, shape=tuple(arrays[f"{name}_shape"]))
