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
        # coefficient rows pre-multiplied by idf: score = sum_j tf_j * idf_j * coef_kj / norm
        self.weights = (self.coef * self.idf[None, :]).T.copy()  # (n_features, n_labels)

    def decision_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values (n, n_labels): sparse counts -> 1 + log tf -> * idf -> l2 rows -> linear."""
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
        x.data = 1.0 + np.log(x.data)  # sublinear tf; idf is folded into self.weights
        sq = x.copy()
        sq.data = (sq.data * self.idf[sq.indices]) ** 2
        norms = np.sqrt(np.asarray(sq.sum(axis=1)).ravel())
        z = np.asarray(x @ self.weights)
        z = z / np.where(norms > 0, norms, 1.0)[:, None]
        return np.asarray(z + self.intercept[None, :], dtype=np.float64)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        z = self.decision_batch(texts).reshape(len(texts), len(self.labels))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
