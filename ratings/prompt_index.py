"""The prompt route's index of one category: its voted prompts as vectors, their votes by pair.

A prompt's TF-IDF row is mostly its own nouns; what the category's prompts share is in how
their words go together, so prompts are compared in the category's own leading singular
directions (latent semantic analysis; docs/ratings.md, "Routing a prompt, not a category").
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
# Directions looked for; a category with at most this many voted prompts keeps them all.
MAX_DIRECTIONS = 24
# Directions are found from at most this many voted prompts, drawn at random (seeded): the
# strong ones show as well in a sample, and the build's cost stops growing with the prompts.
SAMPLE = 4000
# Beyond the first, a direction is kept when its singular value is at least this share of the
# second's: the strongest ways the category's prompts differ, not the words of single prompts.
STRONG_SHARE = 0.7


@dataclass(frozen=True)
class PromptIndex:
    """Voted prompts of one category: ``directions`` features by directions, ``embedded`` prompts'
    unit projections, ``tallies`` prompts by ``3 * n_pairs`` (first wins, second wins, ties)."""

    vectorizer: prompt_text.Vectorizer
    directions: np.ndarray
    embedded: np.ndarray
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
    nearest: float  # cosine similarity of the nearest voted prompt (see :func:`similarities`)
    weighted_similarity: float  # mean similarity, weighted as the fit weighs the votes
    effective_votes: float  # Kish: (sum w)^2 / sum w^2 over the votes


# A prompt counts as drawn on when its votes weigh at least this much.
NEAR_WEIGHT = 0.05


def build(texts: list[str], votes: np.ndarray, generators: list[int] | np.ndarray) -> PromptIndex:
    """An index from the voted prompts' texts and their votes.

    ``votes`` has one row per vote: (prompt position in ``texts``, left generator position,
    right generator position, outcome) with outcome 0 left won, 1 right won, 2 tie.
    """

    generators = np.asarray(generators, dtype=np.int64)
    vectorizer, rows = prompt_text.fit_transform(texts)
    directions = directions_of(rows)
    votes = np.asarray(votes, dtype=np.int64).reshape(-1, 4)
    return PromptIndex(
        vectorizer=vectorizer,
        directions=directions,
        embedded=_unit(np.asarray(rows @ directions, dtype=np.float32)),
        tallies=_tallies(votes, len(texts), generators.size),
        generators=generators,
        votes=np.bincount(votes[:, 0], minlength=len(texts)).astype(np.int64),
    )


def directions_of(rows: sp.csr_array) -> np.ndarray:
    """The category's directions, features by directions (float32).

    With at most ``MAX_DIRECTIONS`` prompts every direction is kept (plain TF-IDF cosines).
    Otherwise a seeded randomized SVD of at most ``SAMPLE`` prompts keeps the first and those
    at least ``STRONG_SHARE`` of the second's: the words a single prompt has to itself spread
    over many weak directions and are left out, which lets prompts of one sub-kind look alike
    when they share few words.
    """
    n_prompts, n_features = rows.shape
    if n_prompts == 0 or n_features == 0:
        return np.zeros((n_features, 0), dtype=np.float32)
    if n_prompts <= MAX_DIRECTIONS:
        _, values, vt = np.linalg.svd(rows.toarray(), full_matrices=False)
        keep = values > 1e-6 * values[0]
    else:
        import scipy.sparse as sp

        sample = sp.csr_matrix(rows)
        if n_prompts > SAMPLE:
            sample = sample[np.sort(np.random.default_rng(0).permutation(n_prompts)[:SAMPLE])]
        values, vt = _randomized_svd(sample, MAX_DIRECTIONS)
        keep = values >= STRONG_SHARE * values[min(1, values.size - 1)]
        keep[0] = True
    return np.ascontiguousarray(vt[keep].T, dtype=np.float32)


def _randomized_svd(matrix, k: int, *, oversample: int = 10, power: int = 3):
    """Leading ``k`` singular values and right vectors of a sparse matrix (Halko et al.).

    The thin dense steps go through the small Gram matrix with ``einsum`` rather than a QR:
    a few dozen columns do not need threaded BLAS, which on a busy machine spins for longer
    than the arithmetic takes.
    """
    rng = np.random.default_rng(0)
    width = min(k + oversample, *matrix.shape)
    basis = _orthonormal(matrix @ rng.standard_normal((matrix.shape[1], width)))
    for _ in range(power):
        basis = _orthonormal(matrix.T @ basis)
        basis = _orthonormal(matrix @ basis)
    small = np.asarray(matrix.T @ basis)  # features by width: the matrix seen in the basis
    values, vectors = np.linalg.eigh(np.einsum("ij,ik->jk", small, small))
    order = np.argsort(values)[::-1][:k]
    values = np.sqrt(np.clip(values[order], 0.0, None))
    right = np.einsum("ij,jk->ik", small, vectors[:, order])
    right = np.divide(right, values, out=np.zeros_like(right), where=values > 0)
    return values, right.T


def _orthonormal(columns: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the span of a few tall columns (via their Gram matrix)."""
    columns = np.asarray(columns)
    values, vectors = np.linalg.eigh(np.einsum("ij,ik->jk", columns, columns))
    keep = values > 1e-12 * max(values.max(initial=0.0), 1e-300)
    return np.einsum("ij,jk->ik", columns, vectors[:, keep] / np.sqrt(values[keep]))


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


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


def similarities(index: PromptIndex, text: str) -> tuple[np.ndarray, float]:
    """Cosine of ``text``'s projection to every voted prompt's, and the share of its TF-IDF length
    the projection keeps (0: none of its features is indexed); times the share, it is at most
    the plain TF-IDF cosine, which is what ``nearest`` reports."""
    query = index.vectorizer.transform([text])
    if query.nnz == 0 or index.directions.shape[1] == 0:
        return np.zeros(index.n_prompts), 0.0
    projected = query.data.astype(np.float32) @ index.directions[query.indices]
    length = float(np.linalg.norm(projected))
    if length == 0.0:
        return np.zeros(index.n_prompts), 0.0
    cosine = index.embedded @ (projected / length)
    share = min(length / float(np.linalg.norm(query.data)), 1.0)
    if index.n_prompts <= MAX_DIRECTIONS:
        # Every direction kept: nothing was left out as noise, and the plain cosine is the
        # one to go by (a prompt with one word in common is not made alike by projecting it).
        cosine = cosine * share
    return np.clip(cosine.astype(float), -1.0, 1.0), share


def neighbourhood(index: PromptIndex, text: str, *, similarity: float) -> Neighbourhood:
    """The kernel-weighted tallies of ``text``'s neighbours among the index's prompts.

    A voted prompt weighs ``kernel_weights((1 - c) / (1 - similarity))`` for its cosine ``c``
    (:func:`similarities`): 1 for the same prompt, nothing from ``similarity`` down.
    """
    cosine, share = similarities(index, text)
    # Reported as plain TF-IDF cosines, which is what the cosine is already with every direction.
    plain = 1.0 if index.n_prompts <= MAX_DIRECTIONS else share
    weights = kernel_weights((1.0 - cosine) / (1.0 - similarity))
    drawn = np.flatnonzero(weights)
    weights, votes, cosine = weights[drawn], index.votes[drawn], cosine[drawn]
    rows = index.tallies[drawn]
    tallies = tallies_from(weights @ rows, weights**2 @ rows, int(index.generators.size))
    total, square = float(weights @ votes), float(weights**2 @ votes)
    near = weights >= NEAR_WEIGHT
    return Neighbourhood(
        tallies=tallies,
        prompts=int(near.sum()),
        votes=int(votes[near].sum()),
        nearest=float(cosine.max(initial=0.0)) * plain,
        weighted_similarity=float(weights * votes @ cosine / total) * plain if total else 0.0,
        effective_votes=total**2 / square if square else 0.0,
    )


def dumps(index: PromptIndex) -> bytes:
    """The index as bytes (numpy's npz, no pickled objects)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        columns=index.vectorizer.columns,
        idf=index.vectorizer.idf,
        directions=index.directions,
        embedded=index.embedded,
        generators=index.generators,
        votes=index.votes,
        tallies_data=index.tallies.data.astype(np.float64),
        tallies_indices=index.tallies.indices,
        tallies_indptr=index.tallies.indptr,
        tallies_shape=np.array(index.tallies.shape),
    )
    return buffer.getvalue()


def loads(data: bytes) -> PromptIndex:
    import scipy.sparse as sp

    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        parts = (arrays["tallies_data"], arrays["tallies_indices"], arrays["tallies_indptr"])
        return PromptIndex(
            vectorizer=prompt_text.Vectorizer(columns=arrays["columns"], idf=arrays["idf"]),
            directions=arrays["directions"],
            embedded=arrays["embedded"],
            tallies=sp.csr_array(parts, shape=tuple(arrays["tallies_shape"])),
            generators=arrays["generators"],
            votes=arrays["votes"],
        )
