"""Metrics for the model card: accuracy / macro-F1 per held-out source, ECE, temperature, ensemble.

All tuning (baseline C, ensemble weight, temperature) uses the validation split only; the test
split of each source is touched once, for the numbers in the card.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brandlab.training.data import LABELS

ENSEMBLE_WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 21))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def ece(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-label confidence, equal-width bins."""
    conf = proba.max(axis=1)
    hit = (proba.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(hit[m].mean() - conf[m].mean())
    return float(total)


def nll(proba: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))))


def fit_temperature(log_p: np.ndarray, y: np.ndarray) -> float:
    """Temperature T minimising validation NLL of softmax(log_p / T) (golden-section on log T)."""
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda lt: nll(softmax(log_p / np.exp(lt)), y), bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(res.x))


def mix(p_transformer: np.ndarray, p_baseline: np.ndarray, w: float) -> np.ndarray:
    """The ensemble's probabilities: w * transformer + (1 - w) * baseline."""
    return w * p_transformer + (1.0 - w) * p_baseline


def scores(proba: np.ndarray, y: np.ndarray, binary: bool) -> dict[str, float]:
    """Accuracy, macro-F1 and ECE. For the two-class sources (no neutral in the data) the
    prediction is the larger of p_negative / p_positive and macro-F1 is over those two classes."""
    from sklearn.metrics import accuracy_score, f1_score

    if binary:
        pred = np.where(proba[:, 2] >= proba[:, 0], 2, 0)
        labels = [0, 2]
    else:
        pred = proba.argmax(axis=1)
        labels = [0, 1, 2]
    return {"n": int(len(y)), "accuracy": float(accuracy_score(y, pred)),
            "macro_f1": float(f1_score(y, pred, labels=labels, average="macro")),
            "ece": ece(proba, y)}


def table(parts: dict[str, np.ndarray], held: pd.DataFrame, split: str) -> list[dict[str, Any]]:
    """One row per (model part, source) on ``split``."""
    rows = []
    y_all = held["label"].map({lab: i for i, lab in enumerate(LABELS)}).to_numpy()
    sets = []
    for source in sorted(held["source"].unique()):
        m = ((held["source"] == source) & (held["split"] == split)).to_numpy()
        sets.append((source, m, source != "weibo"))
        if source == "weibo":  # the same held-out Weibo rows without neutral, read as pos/neg
            sets.append(("weibo_polar", m & (held["label"] != "neutral").to_numpy(), True))
    for source, m, binary in sets:
        for name, p in parts.items():
            rows.append({"model": name, "source": source, "split": split, **scores(p[m], y_all[m], binary)})
    return rows


def choose_weight(p_t: np.ndarray, p_b: np.ndarray, y: np.ndarray, is_weibo: np.ndarray) -> float:
    """The ensemble weight with the best validation macro-F1 on Weibo (the social-media source),
    ties broken by the mean macro-F1 over all validation rows."""
    from sklearn.metrics import f1_score

    best = (-1.0, -1.0, 0.5)
    for w in ENSEMBLE_WEIGHTS:
        p = mix(p_t, p_b, w)
        f_weibo = f1_score(y[is_weibo], p[is_weibo].argmax(1), average="macro")
        f_all = f1_score(y, p.argmax(1), average="macro")
        if (f_weibo, f_all) > best[:2]:
            best = (float(f_weibo), float(f_all), float(w))
    return best[2]


def paired_gain(p_new: np.ndarray, p_old: np.ndarray, y: np.ndarray, *, seed: int, n_boot: int = 2000) -> dict[str, float]:
    """Accuracy of ``p_new`` minus that of ``p_old`` on the same rows, with a paired bootstrap 95% interval."""
    hit = (p_new.argmax(1) == y).astype(float) - (p_old.argmax(1) == y).astype(float)
    rng = np.random.default_rng(seed)
    boots = hit[rng.integers(0, len(hit), size=(n_boot, len(hit)))].mean(axis=1)
    lo, hi = np.quantile(boots, [0.025, 0.975])
    return {"gain": float(hit.mean()), "lo": float(lo), "hi": float(hi), "n": int(len(hit))}
