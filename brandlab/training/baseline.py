"""The baseline: character 1-3-gram TF-IDF + multinomial logistic regression (scikit-learn).

It is trained on the same splits as the transformer, reported beside it, and shipped as one
part of the ensemble. It ships as plain arrays (``baseline.npz``: n-grams, idf, coefficients),
never as a pickle; :mod:`brandlab.nlp.sentiment_ngram` re-implements the vectoriser for
inference and a test checks it agrees with scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from brandlab.training.data import LABELS

NGRAM_RANGE = (1, 3)
MAX_FEATURES = 200_000


def fit_baseline(texts: Sequence[str], y: np.ndarray, *, C: float = 4.0, seed: int = 0) -> Any:
    """A fitted ``Pipeline(tfidf, logreg)``; ``y`` are indices into :data:`LABELS`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    vec = TfidfVectorizer(analyzer="char", ngram_range=NGRAM_RANGE, min_df=2, max_features=MAX_FEATURES,
                          sublinear_tf=True, lowercase=True, dtype=np.float32)
    clf = LogisticRegression(C=C, max_iter=2000, random_state=seed)
    pipe = Pipeline([("tfidf", vec), ("logreg", clf)])
    pipe.fit(list(texts), y)
    if list(clf.classes_) != list(range(len(LABELS))):
        raise ValueError(f"baseline saw classes {list(clf.classes_)}; every split must hold all of {LABELS}")
    return pipe


def save_baseline(pipe: Any, path: Path) -> None:
    """Write the fitted pipeline as arrays only (no pickle): grams, idf, coef, intercept."""
    vec, clf = pipe.named_steps["tfidf"], pipe.named_steps["logreg"]
    grams = [""] * len(vec.vocabulary_)
    for g, i in vec.vocabulary_.items():
        grams[i] = g
    joined = "\n".join(grams)
    if joined.count("\n") != len(grams) - 1:
        raise ValueError("an n-gram contains a newline; the normaliser should have collapsed whitespace")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, grams=np.frombuffer(joined.encode("utf-8"), dtype=np.uint8),
        idf=vec.idf_.astype(np.float32), coef=clf.coef_.astype(np.float32),
        intercept=clf.intercept_.astype(np.float32), ngram_range=np.array(NGRAM_RANGE, dtype=np.int64),
        labels=np.frombuffer("\n".join(LABELS).encode("utf-8"), dtype=np.uint8))
