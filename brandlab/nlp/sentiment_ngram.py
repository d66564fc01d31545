"""The shipped baseline part: character n-gram TF-IDF + logistic regression without scikit-learn.

Reads ``baseline.npz`` (written by :func:`brandlab.training.baseline.save_baseline`) and
re-implements scikit-learn's ``TfidfVectorizer(analyzer="char", sublinear_tf=True, norm="l2")``
followed by multinomial ``LogisticRegression.predict_proba``. ``tests/nlp/test_sentiment_ngram.py``
checks agreement with scikit-learn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_WHITE = re.compile(r"\s\s+")


def char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's ``_char_ngrams``: lower-case, squeeze runs of whitespace, all n in [lo, hi]."""
    text = _WHITE.sub(" ", text.lower())
    n_chars = len(text)
    grams: list[str] = []
    for n in range(lo, min(hi + 1, n_chars + 1)):
        grams.extend(text[i:i + n] for i in range(n_chars - n + 1))
    return grams


_BITS = 21  # code points are < 0x110000 <= 2**21; three of them (+1 each) fit in one uint64
_MAX_N = 3


def gram_keys(codes: np.ndarray, ends: np.ndarray, row: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of every ``n``-gram inside one text of ``codes`` (code point + 1 per character,
    texts back to back; ``ends[row[i]]`` is where character i's text ends) and the text of each."""
    m = len(codes) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    key = codes[:m].copy()
    for j in range(1, n):
        key = (key << np.uint64(_BITS)) | codes[j:j + m]
    inside = np.arange(n, m + n, dtype=np.int64) <= ends[row[:m]]
    return key[inside], row[:m][inside]


def string_keys(grams: Sequence[str]) -> np.ndarray:
    """The :func:`gram_keys` key of each string (1 to 3 characters): unique per string."""
    out = np.zeros(len(grams), dtype=np.uint64)
    for i, g in enumerate(grams):
        k = 0
        for ch in g:
            k = (k << _BITS) | (ord(ch) + 1)
        out[i] = k
    return out


def vocabulary_keys(grams: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys of the vocabulary (grams of 1 to 3 characters) and the feature column of each."""
    keys = string_keys(grams)
    order = np.argsort(keys, kind="stable")
    return keys[order], order.astype(np.int64)


def gram_counts(texts: Sequence[str], lo: int, hi: int, keys: np.ndarray,
                key_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts (data, indices, indptr) of the in-vocabulary n-gram counts of ``texts``, as
    :func:`char_ngrams` cuts them (lower-cased, whitespace runs squeezed, every n in [lo, hi] that
    fits), columns sorted within each row and each (row, column) once."""
    low = [_WHITE.sub(" ", t.lower()) for t in texts]
    lengths = np.fromiter(map(len, low), dtype=np.int64, count=len(low))
    codes = np.frombuffer("".join(low).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    codes += np.uint64(1)
    ends = np.cumsum(lengths)
    row = np.repeat(np.arange(len(low), dtype=np.int64), lengths)
    found_rows, found_cols = [], []
    for n in range(lo, hi + 1):
        k, r = gram_keys(codes, ends, row, n)
        at = np.minimum(np.searchsorted(keys, k), max(len(keys) - 1, 0))
        hit = keys[at] == k if len(keys) else np.zeros(len(k), dtype=bool)
        found_rows.append(r[hit])
        found_cols.append(key_cols[at[hit]])
    n_cols = max(len(keys), 1)
    flat = np.concatenate([r * n_cols + c for r, c in zip(found_rows, found_cols, strict=True)]) \
        if found_rows else np.zeros(0, dtype=np.int64)
    cells, counts = np.unique(flat, return_counts=True)
    rows = cells // n_cols
    indptr = np.zeros(len(low) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(low)), out=indptr[1:])
    return counts.astype(np.float64), cells % n_cols, indptr


class NgramModel:
    """TF-IDF + logistic regression from plain arrays; :meth:`predict_proba` -> (n, n_labels)."""

    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as z:
            grams = z["grams"].tobytes().decode("utf-8").split("\n")
            self.idf = z["idf"].astype(np.float64)
            self.coef = z["coef"].astype(np.float64)
            self.intercept = z["intercept"].astype(np.float64)
            self.lo, self.hi = (int(x) for x in z["ngram_range"])
            self.labels = tuple(z["labels"].tobytes().decode("utf-8").split("\n"))
        self.index = {g: i for i, g in enumerate(grams)}
        # numpy keys hold up to 3 characters; a wider range is counted in Python (counts_python)
        self.keys: np.ndarray | None = None
        self.key_cols: np.ndarray | None = None
        if self.hi <= _MAX_N:
            self.keys, self.key_cols = vocabulary_keys(grams)
        # coefficient rows pre-multiplied by idf: score = sum_j tf_j * idf_j * coef_kj / norm
        self.weights = (self.coef * self.idf[None, :]).T.copy()  # (n_features, n_labels)

    def decision_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values (n, n_labels): sparse counts -> 1 + log tf -> * idf -> l2 rows -> linear.

        The counts matrix is built in numpy (:func:`gram_counts`) in the canonical form scipy's
        ``sum_duplicates`` gives (columns sorted within each row), so every sum runs in the same order
        as a per-text Python loop over :func:`char_ngrams` would give, and the values are the same.
        """
        from scipy.sparse import csr_matrix

        if self.keys is not None and self.key_cols is not None:
            counts, cols, indptr = gram_counts(texts, self.lo, self.hi, self.keys, self.key_cols)
        else:
            counts, cols, indptr = self.counts_python(texts)
        x = csr_matrix((counts, cols, indptr), shape=(len(texts), len(self.idf)))
        x.data = 1.0 + np.log(x.data)  # sublinear tf; idf is folded into self.weights
        sq = x.copy()
        sq.data = (sq.data * self.idf[sq.indices]) ** 2
        norms = np.sqrt(np.asarray(sq.sum(axis=1)).ravel())
        z = np.asarray(x @ self.weights)
        z = z / np.where(norms > 0, norms, 1.0)[:, None]
        return np.asarray(z + self.intercept[None, :], dtype=np.float64)

    def counts_python(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :func:`gram_counts` returns, one text at a time with :func:`char_ngrams` and a dict."""
        from scipy.sparse import csr_matrix

        get = self.index.get
        indptr = [0]
        cols: list[int] = []
        for text in texts:
            cols.extend(j for g in char_ngrams(text, self.lo, self.hi) if (j := get(g)) is not None)
            indptr.append(len(cols))
        x = csr_matrix((np.ones(len(cols)), np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                       shape=(len(texts), len(self.idf)))
        x.sum_duplicates()
        return x.data, x.indices.astype(np.int64), x.indptr.astype(np.int64)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        z = self.decision_batch(texts).reshape(len(texts), len(self.labels))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
