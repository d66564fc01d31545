"""Distinctive terms by weighted log-odds with an informative Dirichlet prior.

Monroe, Colaresi & Quinn (2008), "Fightin' Words", section 3.5: the prior for term w is
``alpha_w = alpha0 * background_share_w``; the log-odds ratio of w between corpora A and B is

    delta_w = log((y_aw + a_w) / (n_a + a0 - y_aw - a_w)) - log((y_bw + a_w) / (n_b + a0 - y_bw - a_w))

with variance ``1/(y_aw + a_w) + 1/(y_bw + a_w)``; ``z_w = delta_w / sqrt(var)``. Positive z
means the term is distinctive of A.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd


def count_terms(token_lists: Iterable[Iterable[str]]) -> Counter[str]:
    c: Counter[str] = Counter()
    for toks in token_lists:
        c.update(t for t in toks if t and not t.isspace())
    return c


def log_odds_dirichlet(counts_a: Counter[str], counts_b: Counter[str],
                       background: Counter[str] | None = None, *, alpha0: float | None = None,
                       min_count: int = 3) -> pd.DataFrame:
    """Return a table of terms with counts, delta, its standard error and z (A vs B), sorted by z.

    ``background`` defaults to A + B pooled; ``alpha0`` defaults to the background's size scaled
    to the smaller corpus (so the prior is informative but never dominates).
    """
    bg = background if background is not None else counts_a + counts_b
    vocab = sorted(t for t in set(counts_a) | set(counts_b) if counts_a[t] + counts_b[t] >= min_count)
    if not vocab:
        return pd.DataFrame(columns=["term", "count_a", "count_b", "delta", "se", "z"])
    ya = np.array([counts_a[t] for t in vocab], float)
    yb = np.array([counts_b[t] for t in vocab], float)
    bgv = np.array([bg.get(t, 0) for t in vocab], float) + 0.01
    na, nb = float(sum(counts_a.values())), float(sum(counts_b.values()))
    a0 = alpha0 if alpha0 is not None else max(1.0, min(na, nb) * 0.1)
    aw = a0 * bgv / bgv.sum()
    delta = (np.log((ya + aw) / (na + a0 - ya - aw)) - np.log((yb + aw) / (nb + a0 - yb - aw)))
    se = np.sqrt(1.0 / (ya + aw) + 1.0 / (yb + aw))
    out = pd.DataFrame({"term": vocab, "count_a": ya.astype(int), "count_b": yb.astype(int),
                        "delta": delta, "se": se, "z": delta / se})
    return out.sort_values("z", ascending=False, kind="stable").reset_index(drop=True)


def distinctive_terms(table: pd.DataFrame, k: int = 20, z_min: float = 1.96) -> pd.DataFrame:
    """The k most distinctive terms of each side with |z| above ``z_min``."""
    a = table[table["z"] >= z_min].head(k).assign(side="A")
    b = table[table["z"] <= -z_min].sort_values("z").head(k).assign(side="B")
    return pd.concat([a, b], ignore_index=True)
