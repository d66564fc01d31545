"""Sentiment of posts and comments: three polarities with a calibrated score, served without torch.

``predict(texts)`` returns one row per input text, in input order, with columns
``label`` (negative / neutral / positive), ``score`` (the probability of that label, in [0, 1])
and ``p_negative``, ``p_neutral``, ``p_positive``.

Backends (all satisfy :class:`SentimentBackend`):

* the shipped model (:class:`~brandlab.nlp.sentiment_onnx.ShippedModel`, onnxruntime + tokenizers),
  the default;
* any Hugging Face sequence-classification model, ``Settings.sentiment_model = PATH_OR_ID``
  (:class:`~brandlab.nlp.sentiment_hf.HFBackend`, needs transformers + torch and a local copy),
  with ``Settings.sentiment_labels`` mapping its labels;
* ``"ngram"``: the shipped n-gram part alone (numpy only), a light fallback.

Texts are cleaned with :func:`brandlab.nlp.clean.clean_text` (emoticons and emoji become
``EMO_`` tokens, which the shipped tokenizer keeps whole). A text that is empty after cleaning
is scored as ``neutral`` with probabilities (0, 1, 0) and score 1.0 by every backend: there is
nothing to read, and the stage counts such rows separately.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from brandlab.config import Settings

LABELS = ("negative", "neutral", "positive")
COLUMNS = ("label", "score", "p_negative", "p_neutral", "p_positive")


@runtime_checkable
class SentimentBackend(Protocol):
    """A model that maps cleaned texts to probabilities over :data:`LABELS`."""

    name: str

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 3) probabilities in LABELS order, rows summing to 1."""
        ...


def clean_for_model(texts: Sequence[str | None]) -> list[str]:
    from brandlab.nlp.clean import clean_text

    cache: dict[str, str] = {}
    out = []
    for t in texts:
        key = "" if t is None or t is pd.NA or (isinstance(t, float) and t != t) else str(t)
        if key not in cache:
            cache[key] = clean_text(key).text
        out.append(cache[key])
    return out


def frame(proba: np.ndarray, index: pd.Index | None = None) -> pd.DataFrame:
    """Probabilities (n, 3) -> the predict() frame."""
    proba = np.asarray(proba, dtype=np.float64).reshape(-1, len(LABELS))
    best = proba.argmax(axis=1)
    return pd.DataFrame({
        "label": pd.array(np.array(LABELS, dtype=object)[best], dtype="string"),
        "score": np.clip(proba[np.arange(len(proba)), best], 0.0, 1.0),
        "p_negative": proba[:, 0], "p_neutral": proba[:, 1], "p_positive": proba[:, 2],
    }, index=index)


def predict(texts: Sequence[str | None] | pd.Series, backend: SentimentBackend | None = None, *,
            settings: Settings | None = None, batch_size: int = 4096) -> pd.DataFrame:
    """Score ``texts``; one row per text, same order (and same index for a Series)."""
    backend = backend or get_backend(settings or Settings())
    index = texts.index if isinstance(texts, pd.Series) else None
    return frame(score_cleaned(clean_for_model(list(texts)), backend, batch_size=batch_size), index)


def score_cleaned(cleaned: Sequence[str], backend: SentimentBackend, *, batch_size: int = 4096,
                  on_progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Probabilities for cleaned texts: each distinct non-empty text scored once (reposts and copied
    captions repeat), empty texts (0, 1, 0). ``on_progress(done, total)`` counts input rows."""
    n = len(cleaned)
    proba = np.zeros((n, len(LABELS)), dtype=np.float64)
    proba[:, 1] = 1.0
    codes, uniq = pd.factorize(pd.Series(list(cleaned), dtype=object))
    live = np.array([j for j, t in enumerate(uniq) if t], dtype=np.int64)
    per_unique = np.zeros((len(uniq), len(LABELS)), dtype=np.float64)
    per_unique[:, 1] = 1.0
    counts = np.bincount(codes, minlength=len(uniq)) if n else np.zeros(0, dtype=np.int64)
    done = n - int(counts[live].sum()) if n else 0
    if on_progress:
        on_progress(done, n)
    parts = [live[s:s + batch_size] for s in range(0, len(live), batch_size)]
    chunks = ([str(uniq[j]) for j in rows] for rows in parts)
    # a backend that pipelines chunks (the shipped model) scores the same chunks, overlapped
    scored = backend.predict_chunks(chunks) if hasattr(backend, "predict_chunks") else map(backend.predict_proba, chunks)
    for rows, part in zip(parts, scored, strict=True):
        per_unique[rows] = part
        done += int(counts[rows].sum())
        if on_progress:
            on_progress(done, n)
    if n:
        proba[:] = per_unique[codes]
    return proba


def parse_label_map(spec: str | None) -> dict[str, str]:
    """``"LABEL_0=negative,LABEL_1=positive"`` -> {"LABEL_0": "negative", ...} (validated)."""
    from brandlab.errors import format_message

    if not spec:
        return {}
    out: dict[str, str] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip().lower()
        if not sep or not key or value not in LABELS:
            raise ValueError(format_message(
                f"sentiment label mapping {spec!r} has a bad entry {part!r}",
                expected=f"MODEL_LABEL=one of {list(LABELS)}, comma-separated",
                fix="pass e.g. --sentiment-labels 'LABEL_0=negative,LABEL_1=positive'"))
        out[key] = value
    return out


@lru_cache(maxsize=4)
def _backend(model: str | None, labels: str | None, threads: int) -> SentimentBackend:
    if model is None or model in ("shipped", "brandlab"):
        from brandlab.nlp.sentiment_onnx import ShippedModel

        return ShippedModel(threads=threads)
    if model == "ngram":
        from brandlab.nlp.sentiment_ngram import NgramModel
        from brandlab.nlp.sentiment_onnx import SHIPPED_DIR, require_files

        require_files(SHIPPED_DIR, ("baseline.npz",))
        return NgramBackend(NgramModel(SHIPPED_DIR / "baseline.npz"))
    from brandlab.nlp.sentiment_hf import HFBackend

    return HFBackend(model, parse_label_map(labels), threads=threads)


def get_backend(settings: Settings) -> SentimentBackend:
    """The backend ``settings`` asks for, built once per (model, labels, threads)."""
    return _backend(settings.sentiment_model, settings.sentiment_labels, settings.threads)


class NgramBackend:
    """The n-gram part of the shipped model on its own (numpy only)."""

    name = "brandlab-ngram"

    def __init__(self, model: Any) -> None:
        self.model = model  # a brandlab.nlp.sentiment_ngram.NgramModel

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.predict_proba(texts), dtype=np.float64)
