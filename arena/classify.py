"""Nearest category for a prompt a voter typed: TF-IDF cosine over what each category is about.

A text's features are its word stems, the character 3- to 5-grams of each stem (so that
"painting" and "painted", "backdrop" and "background" share something), and one marker for
each piece of lettering it asks for (a quoted span, a word in capitals, a digit): what a
prompt wants written matters more than what it is written on. Pure functions over lists of
strings and numpy arrays; no Django import here. The arena's selectors hand in each
category's name, description and curated prompts.
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
_LETTERING = re.compile(r"\b[A-Z]{2,}\b|\"[^\"]+\"|\d")
LETTERING = "__lettering__"
# Each piece of lettering counts twice: one quoted word outweighs a word about the scene.
_LETTERING_WEIGHT = 2
_GRAMS = (3, 4, 5)
# The best category is a guess, not a certainty, when the runner-up's cosine is this close.
MARGIN = 0.05


def tokenize(text: str) -> list[str]:
    """Lower-case word stems of ``text``, without stop words.

    The stemming is deliberately crude (plural ``s``, ``ing``, ``ed``): it only has to fold
    the same word to the same token on both sides of the comparison.
    """
    words = _WORD.findall(text.lower())
    return [_stem(word) for word in words if len(word) >= 2 and word not in _STOPWORDS]


def features(text: str) -> list[str]:
    """The terms of ``text`` that the index counts: stems, their character n-grams, and a
    lettering marker per quoted span, word in capitals or digit."""
    stems = tokenize(text)
    terms = list(stems)
    for stem in stems:
        padded = f"<{stem}>"
        for n in _GRAMS:
            terms.extend("#" + padded[i : i + n] for i in range(len(padded) - n + 1))
    terms.extend([LETTERING] * (_LETTERING_WEIGHT * len(_LETTERING.findall(text))))
    return terms


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
    tokenized = [features(document) for document in documents]
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
    for term, count in Counter(features(text)).items():
        column = index.vocabulary.get(term)
        if column is not None:
            vector[column] = count
    vector = _unit_rows((_sublinear(vector) * index.idf)[np.newaxis, :])[0]
    return index.centroids @ vector


@dataclass(frozen=True)
class Guess:
    """The nearest label, the runner-up, and whether the nearest is clear of it by MARGIN."""

    label: int | None
    runner_up: int | None
    sure: bool


def guess(index: CategoryIndex, text: str, *, margin: float = MARGIN) -> Guess:
    """The nearest label to ``text`` and whether it is a clear choice.

    Not sure when nothing is shared with any label, or when the runner-up scores within
    ``margin`` of the best. With one label there is nothing to choose: that label, sure.
    """
    if len(index.centroids) == 1:
        return Guess(0, None, True)
    if len(index.vocabulary) == 0:
        return Guess(None, None, False)
    similarity = scores(index, text)
    order = np.argsort(-similarity, kind="stable")
    best = int(order[0])
    if similarity[best] <= 0:
        return Guess(None, None, False)
    second = int(order[1])
    return Guess(best, second, bool(similarity[best] - similarity[second] >= margin))


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """1 + log(tf) for tf > 0: a word said five times is not five times as telling."""
    return np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0.0)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
