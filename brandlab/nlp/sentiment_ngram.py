"""The shipped baseline part: character n-gram TF-IDF + logistic regression without scikit-learn.

Reads ``baseline.npz`` (written by :func:`brandlab.training.baseline.save_baseline`) and
re-implements scikit-learn's ``TfidfVectorizer(analyzer="char", sublinear_tf=True, norm="l2")``
followed by multinomial ``LogisticRegression.predict_proba``. ``tests/nlp/test_sentiment_ngram.py``
checks agreement with scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections import Counter
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

    def decision(self, text: str) -> np.ndarray:
        counts = Counter(j for g in char_ngrams(text, self.lo, self.hi) if (j := self.index.get(g)) is not None)
        if not counts:
            return np.asarray(self.intercept.copy(), dtype=np.float64)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        norm = float(np.sqrt(np.sum((tf * self.idf[cols]) ** 2)))
        return np.asarray(self.intercept + (tf @ self.weights[cols]) / norm, dtype=np.float64)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        z = np.array([self.decision(t) for t in texts], dtype=np.float64).reshape(len(texts), len(self.labels))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
