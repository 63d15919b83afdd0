"""Prompts as vectors: TF-IDF over the category classifier's features, hashed, unit length.

Hashed with CRC-32 (stable across processes, unlike ``hash``), so an index stores only the
columns its prompts use. The word block and the character n-gram block are each of unit
length and weigh half, so the many character n-grams do not drown the words.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from arena.classify import features

if TYPE_CHECKING:
    import scipy.sparse as sp

# Word features hash below _HALF, character n-grams above: the block is the top bit.
_HALF = 1 << 23


@lru_cache(maxsize=1 << 18)
def _term_id(term: str) -> int:
    """A feature's column before fitting (cached: terms repeat across prompts)."""
    block = _HALF if term.startswith("#") else 0
    return block + zlib.crc32(term.encode()) % _HALF


def _terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The hashed features of ``text``, sorted, and how often each occurs."""
    found = np.fromiter((_term_id(term) for term in features(text)), dtype=np.int64)
    ids, counts = np.unique(found, return_counts=True)
    return ids.astype(np.int32), counts.astype(np.int16)


# The build featurises every voted prompt at each recompute; most were voted on before, so
# their features are kept between recomputes (only new prompts are read again).
_voted_terms = lru_cache(maxsize=1 << 15)(_terms)


def _triples(
    texts: list[str], *, voted: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (text, block, hashed feature, count) of ``texts``, as four arrays."""
    read = _voted_terms if voted else _terms
    parts = [read(text) for text in texts]
    lengths = np.array([ids.size for ids, _ in parts], dtype=np.int64)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    ids = np.concatenate([ids for ids, _ in parts]).astype(np.int64)
    counts = np.concatenate([counts for _, counts in parts]).astype(float)
    return rows, ids // _HALF, ids, counts


@dataclass(frozen=True)
class Vectorizer:
    """Fitted columns (sorted hashed ids) and their inverse document frequencies."""

    columns: np.ndarray
    idf: np.ndarray

    def transform(self, texts: list[str]) -> sp.csr_array:
        """Unit-length TF-IDF rows of ``texts``; features not fitted are left out."""
        return self._rows(len(texts), *_triples(texts))

    def _rows(self, n_texts: int, rows, blocks, ids, counts) -> sp.csr_array:
        import scipy.sparse as sp

        if self.columns.size == 0:
            return sp.csr_array((n_texts, 0))
        where = np.searchsorted(self.columns, ids)
        clipped = np.minimum(where, self.columns.size - 1)
        known = (where < self.columns.size) & (self.columns[clipped] == ids)
        rows, blocks, where, counts = rows[known], blocks[known], where[known], counts[known]
        weight = (1.0 + np.log(counts)) * self.idf[where]
        # Each (text, block) to unit length, then each block weighs half.
        group = rows * 2 + blocks
        norms = np.sqrt(np.bincount(group, weights=weight**2, minlength=2 * n_texts))
        weight = weight / norms[group] / np.sqrt(2.0)
        shape = (n_texts, self.columns.size)
        return sp.csr_array(sp.coo_array((weight, (rows, where)), shape=shape))


# A feature in more than this share of the prompts says little (its IDF is low) and would
# weigh on the category's first direction only: it is left out (kept while the prompts are
# few).
MAX_SHARE = 0.5
MIN_KEPT_FREQUENCY = 50


def fit_transform(texts: list[str]) -> tuple[Vectorizer, sp.csr_array]:
    """Columns the texts use, their smoothed IDF (as scikit-learn's), and the texts' rows."""
    triples = _triples(texts, voted=True)
    columns, df = np.unique(triples[2], return_counts=True)
    keep = df <= max(MAX_SHARE * len(texts), MIN_KEPT_FREQUENCY)
    columns, df = columns[keep], df[keep]
    idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
    vectorizer = Vectorizer(columns=columns.astype(np.int64), idf=idf)
    return vectorizer, vectorizer._rows(len(texts), *triples)
