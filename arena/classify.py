"""Nearest category for a prompt a voter typed: TF-IDF cosine over what each category is about.

Pure functions over lists of strings and numpy arrays; no Django import here. The arena's
selectors hand in each category's name, description and curated prompts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about what kind of picture is wanted.
_STOPWORD_TEXT = """
a an and are as at be by for from in into is it its of on or over that the their this to under
up with without very some two three four one image picture photo style show showing
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokenize(text: str) -> list[str]:
    """Lower-case word stems of ``text``, without stop words.

    The stemming is deliberately crude (plural ``s``, ``ing``, ``ed``): it only has to fold
    the same word to the same token on both sides of the comparison.
    """
    tokens = []
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS or len(word) < 2:
            continue
        tokens.append(_stem(word))
    return tokens


def _stem(word: str) -> str:
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class CategoryIndex:
    """A fitted index: the vocabulary, its inverse document frequencies, one centroid a label."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    centroids: np.ndarray  # (n_labels, n_terms), rows of unit length or zero


def fit(documents: Sequence[str], labels: Sequence[int], n_labels: int) -> CategoryIndex:
    """Fit TF-IDF over ``documents`` and average each label's documents into a centroid.

    Parameters
    ----------
    documents : sequence of str
        Texts known to belong to a label (a category's name and description, its prompts).
    labels : sequence of int
        The label (0 .. n_labels - 1) of each document.
    n_labels : int
        How many labels there are; a label without documents gets a zero centroid.

    Returns
    -------
    CategoryIndex
    """
    tokenized = [tokenize(document) for document in documents]
    vocabulary = {term: i for i, term in enumerate(sorted({t for doc in tokenized for t in doc}))}
    counts = np.zeros((len(tokenized), len(vocabulary)))
    for row, tokens in enumerate(tokenized):
        for term, count in Counter(tokens).items():
            counts[row, vocabulary[term]] = count
    document_frequency = (counts > 0).sum(axis=0)
    # Smoothed IDF, as scikit-learn does it: a term in every document still weighs a little.
    idf = np.log((1 + len(tokenized)) / (1 + document_frequency)) + 1
    vectors = _unit_rows(_sublinear(counts) * idf)
    centroids = np.zeros((n_labels, len(vocabulary)))
    np.add.at(centroids, np.asarray(labels, dtype=int), vectors)
    return CategoryIndex(vocabulary=vocabulary, idf=idf, centroids=_unit_rows(centroids))


def scores(index: CategoryIndex, text: str) -> np.ndarray:
    """Cosine similarity of ``text`` to each label's centroid, in label order (0 to 1)."""
    vector = np.zeros(len(index.vocabulary))
    for term, count in Counter(tokenize(text)).items():
        column = index.vocabulary.get(term)
        if column is not None:
            vector[column] = count
    vector = _unit_rows((_sublinear(vector) * index.idf)[np.newaxis, :])[0]
    return index.centroids @ vector


def nearest(index: CategoryIndex, text: str, *, minimum: float = 0.0) -> int | None:
    """The label whose centroid is closest to ``text``, or None if none scores above minimum."""
    if len(index.vocabulary) == 0:
        return None
    similarity = scores(index, text)
    best = int(np.argmax(similarity))
    return best if similarity[best] > minimum else None


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """1 + log(tf) for tf > 0: a word said five times is not five times as telling."""
    return np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0.0)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
