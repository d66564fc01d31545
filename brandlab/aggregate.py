"""Shares with bootstrap confidence intervals, resampling whole authors.

:func:`bootstrap_share` is the one generic helper: the share of a 0/1 (or [0, 1]) ``value`` per
group, optionally weighted, with a percentile bootstrap interval. When an author column is given
the bootstrap resamples authors (cluster bootstrap), because posts of one author are not
independent: a prolific account would otherwise make an interval look far narrower than the
evidence allows. Every result row says how many rows (``n``) and authors (``n_authors``) it rests
on, and a group with fewer than ``min_size`` authors raises one :class:`SmallSampleWarning`
(the result is still returned).

:func:`label_shares` builds on it for tagged posts: the share of posts carrying each taxonomy
label, per campaign, platform, week, generation, or any other column.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from brandlab.errors import SmallSampleWarning, format_message

#: cap on the (replications x clusters) block drawn at once, to bound memory
_BLOCK = 4_000_000


def _cluster_bootstrap(num: np.ndarray, den: np.ndarray, n_boot: int, rng: np.random.Generator,
                       alpha: float) -> tuple[float, float]:
    """Percentile interval of sum(num)/sum(den) over clusters resampled with replacement."""
    k = len(num)
    if k == 0 or n_boot <= 0:
        return float("nan"), float("nan")
    stats = np.empty(n_boot)
    step = max(1, _BLOCK // k)
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        idx = rng.integers(0, k, size=(b, k))
        d = den[idx].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[start:start + b] = num[idx].sum(axis=1) / d
    stats = stats[np.isfinite(stats)]
    if not len(stats):
        return float("nan"), float("nan")
    lo, hi = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def _shared_cluster_bootstrap(num: np.ndarray, den: np.ndarray, n_boot: int, rng: np.random.Generator,
                              alpha: float) -> np.ndarray:
    """:func:`_cluster_bootstrap` of every column of ``num`` (clusters x values) at once: each
    resample of clusters is drawn once and serves every column. Returns (columns, 2) interval ends
    (NaN where undefined); a column's interval is the one :func:`_cluster_bootstrap` gives for it
    with the same draws. Whole-number sums (post counts) come from the clusters' multiplicities times
    ``num`` and ``den`` in one product, exact in float64; other values are gathered and summed as
    :func:`_cluster_bootstrap` does, so their sums are bit for bit the same too."""
    k, m = num.shape
    out = np.full((m, 2), np.nan)
    if k == 0 or n_boot <= 0:
        return out
    whole = bool((np.mod(num, 1) == 0).all() and (np.mod(den, 1) == 0).all())
    stats = np.empty((n_boot, m))
    step = max(1, _BLOCK // k)
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        idx = rng.integers(0, k, size=(b, k))
        if whole:
            mult = np.bincount((idx + (np.arange(b) * k)[:, None]).ravel(), minlength=b * k).reshape(b, k)
            mult = mult.astype(float)
            s_num, s_den = mult @ num, mult @ den
        else:
            s_num = np.stack([num[:, j][idx].sum(axis=1) for j in range(m)], axis=1)
            s_den = den[idx].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[start:start + b] = s_num / s_den[:, None]
    for j in range(m):
        col = stats[:, j][np.isfinite(stats[:, j])]
        if len(col):
            out[j] = np.quantile(col, [alpha / 2, 1 - alpha / 2])
    return out


def bootstrap_share(df: pd.DataFrame, by: Sequence[str] | str, value: str, weight: str | None = None, *,
                    n_boot: int = 1000, seed: int = 0, min_size: int = 30, author: str | None = None,
                    level: float = 0.95, warn: bool = True) -> pd.DataFrame:
    """Share of ``value`` per group with a bootstrap interval.

    Returns columns ``[*by, share, lo, hi, n, n_authors]``: ``share`` = sum(w * value) / sum(w)
    (w = 1 without ``weight``); ``lo``/``hi`` the percentile interval at ``level`` from ``n_boot``
    resamples of authors (of rows when ``author`` is None); ``n`` rows; ``n_authors`` distinct
    authors (= n without ``author``). Warns :class:`SmallSampleWarning` naming every group with
    fewer than ``min_size`` authors (``warn=False`` for a caller that warns in its own words).
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, value, *(c for c in (weight, author) if c)] if c not in df.columns]
    if missing:
        raise KeyError(format_message(f"bootstrap_share: columns {missing} are not in the frame",
                                      expected=f"columns among {list(df.columns)}"))
    v = pd.to_numeric(df[value], errors="raise").astype(float)
    if ((v < 0) | (v > 1)).any():
        raise ValueError(format_message(f"bootstrap_share: column {value!r} has values outside [0, 1]",
                                        found=v[(v < 0) | (v > 1)].iloc[:3].tolist(),
                                        fix="pass a 0/1 indicator or a proportion"))
    w = pd.to_numeric(df[weight], errors="raise").astype(float) if weight else pd.Series(1.0, index=df.index)
    work = pd.DataFrame({"_v": v * w, "_w": w}, index=df.index)
    for c in by:
        work[c] = df[c]
    clusters = df[author].astype("string").fillna("<unknown author>") if author else pd.Series(
        np.arange(len(df)), index=df.index)
    work["_c"] = clusters.to_numpy()
    rng = np.random.default_rng(seed)
    alpha = 1 - level
    rows = []
    small = []
    if not by:
        work["_all"] = 0
    keys = by or ["_all"]
    # per-cluster sums once, then numpy slices per group (no pandas work inside the loop)
    per = work.groupby([*keys, "_c"], sort=True, dropna=False)[["_v", "_w"]].sum().reset_index()
    num_all, den_all = per["_v"].to_numpy(), per["_w"].to_numpy()
    n_rows = work.groupby(keys, sort=True, dropna=False).size()
    for key, idx in per.groupby(keys, sort=True, dropna=False).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        num, den = num_all[idx], den_all[idx]
        total = den.sum()
        share = float(num.sum() / total) if total > 0 else float("nan")
        lo, hi = _cluster_bootstrap(num, den, n_boot, rng, alpha)
        n_authors = len(idx)
        if n_authors < min_size:
            small.append((key if by else (), n_authors))
        n = int(n_rows.loc[key if len(keys) > 1 else key[0]])
        rows.append((*(key if by else ()), share, lo, hi, n, n_authors))
    out = pd.DataFrame(rows, columns=[*by, "share", "lo", "hi", "n", "n_authors"])
    if small and warn:
        shown = ", ".join(f"{'/'.join(map(str, k)) or 'all'} ({n})" for k, n in small[:10])
        more = f" and {len(small) - 10} more" if len(small) > 10 else ""
        unit = "authors" if author else "rows"
        warnings.warn(format_message(
            f"{len(small)} group(s) rest on fewer than {min_size} {unit}: {shown}{more}",
            fix="read their shares as indicative only, merge groups, or lower Settings.min_group_size knowingly"),
            SmallSampleWarning, stacklevel=2)
    return out


def label_shares(posts: pd.DataFrame, tags: pd.DataFrame, facet: str, labels: Sequence[str],
                 by: Sequence[str] | str, *, weight: str | None = None, author: str | None = "author_id",
                 n_boot: int = 1000, seed: int = 0, min_size: int = 30) -> pd.DataFrame:
    """Share of posts carrying each label of ``facet``, per group of ``by``.

    ``posts``: one row per post with platform, post_id, the ``by`` columns and ``author``;
    ``tags``: the tagger's long table (platform, post_id, facet, label). Every post of a group is
    in the denominator, tagged or not. Returns ``[*by, label, share, lo, hi, n, n_authors]``.

    With ``weight`` the result is :func:`bootstrap_share` of the posts stacked once per label (the
    label a key between ``by`` and the author). Without it (what the stages use) the stack is not
    built: the per-(group, author) post counts once, each label's hits by ``np.bincount``, the same
    shares and counts; each group's authors are resampled once for all its labels (common random
    numbers across labels), so the interval ends differ from the stack's by bootstrap noise only.
    """
    by = [by] if isinstance(by, str) else list(by)
    keys = ["platform", "post_id"]
    base = posts.drop_duplicates(keys).reset_index(drop=True)
    if base.empty or not labels:
        return pd.DataFrame(columns=[*by, "label", "share", "lo", "hi", "n", "n_authors"])
    hit = tags.loc[tags["facet"] == facet, [*keys, "label"]].drop_duplicates()
    hit = hit.merge(base[keys].assign(_row=np.arange(len(base))), on=keys, how="inner")
    pos = {lb: i for i, lb in enumerate(labels)}
    # pos[label] for every hit, looked up in one vectorised pass (-1: not one of ``labels``)
    lab = pd.Index(list(pos)).get_indexer(hit["label"].astype(object).to_numpy())
    lab = np.where(lab >= 0, np.asarray(list(pos.values()), dtype=np.int64)[np.maximum(lab, 0)], -1)
    ok = lab >= 0
    hit_label, hit_row = lab[ok], hit["_row"].to_numpy()[ok]
    cols = [c for c in [*by, weight, author] if c and c in base.columns]
    author = author if author in base.columns else None
    if weight is None and len(pos) == len(labels):
        out = _label_shares_unstacked(base[cols], by, labels, hit_label, hit_row, n_boot=n_boot, seed=seed,
                                      author=author)
    else:
        stacked = pd.concat([base[cols]] * len(labels), ignore_index=True)
        stacked["label"] = np.repeat(np.asarray(labels, dtype=object), len(base))
        indicator = np.zeros(len(stacked))
        indicator[hit_label * len(base) + hit_row] = 1.0
        stacked["_hit"] = indicator
        # warned below once per group, not once per (group, label)
        out = bootstrap_share(stacked, [*by, "label"], "_hit", weight, n_boot=n_boot, seed=seed, min_size=min_size,
                              author=author, warn=False)
    small = out.loc[out["n_authors"] < min_size, [*by, "n_authors"]].drop_duplicates(by)
    if len(small):
        shown = ", ".join(f"{'/'.join(map(str, r[:-1]))} ({r[-1]})" for r in small.itertuples(index=False))[:600]
        warnings.warn(format_message(
            f"{len(small)} group(s) rest on fewer than {min_size} {'authors' if author else 'posts'}: {shown}",
            fix="read their shares as indicative only, merge groups, or lower Settings.min_group_size knowingly"),
            SmallSampleWarning, stacklevel=2)
    return out


def _label_shares_unstacked(base: pd.DataFrame, by: list[str], labels: Sequence[str], hit_label: np.ndarray,
                            hit_row: np.ndarray, *, n_boot: int, seed: int, author: str | None) -> pd.DataFrame:
    """:func:`bootstrap_share` of the unweighted label stack, from ``base`` (one row per post) and the
    (label index, row) pairs of its hits: the same rows, shares and counts. The intervals of one
    group's labels share their resamples of authors (one draw per group instead of one per
    (group, label), about len(labels) times fewer draws, which dominated the text stage at 1M
    posts), so they differ from the stack's in their random draws only."""
    work = pd.DataFrame({c: base[c] for c in by})
    work["_c"] = (base[author].astype("string").fillna("<unknown author>").to_numpy() if author
                  else np.arange(len(base)))
    keys = by or ["_all"]
    if not by:
        work["_all"] = 0
    # (group, author) pairs in the order the stack's groupby sorts them within each label
    pair = work.groupby([*keys, "_c"], sort=True, dropna=False).ngroup().to_numpy()
    groups = work.groupby(keys, sort=True, dropna=False)
    group_of_row = groups.ngroup().to_numpy()
    group_rows = groups.size()
    n_pairs = int(pair.max()) + 1
    den = np.bincount(pair, minlength=n_pairs).astype(float)
    group_of_pair = np.zeros(n_pairs, dtype=np.int64)
    group_of_pair[pair] = group_of_row  # pairs are numbered in (group, author) order: each group a run
    starts = np.r_[0, np.cumsum(np.bincount(group_of_pair, minlength=len(group_rows)))]
    order = sorted(range(len(labels)), key=lambda j: labels[j])
    # hits per (group, author) pair, one column per label in output order
    col = np.empty(len(labels), dtype=np.int64)
    col[order] = np.arange(len(order))
    hits = np.bincount(pair[hit_row] * len(order) + col[hit_label],
                       minlength=n_pairs * len(order)).reshape(n_pairs, len(order)).astype(float)
    rng = np.random.default_rng(seed)
    alpha = 1 - 0.95  # bootstrap_share's default level, computed as it computes it
    rows = []
    for gi, key in enumerate(group_rows.index):
        key = key if isinstance(key, tuple) else (key,)
        sl = slice(starts[gi], starts[gi + 1])
        d, num = den[sl], hits[sl]
        total = d.sum()
        shares = num.sum(axis=0) / total if total > 0 else np.full(len(order), np.nan)
        ci = _shared_cluster_bootstrap(num, d, n_boot, rng, alpha)
        for c, j in enumerate(order):
            rows.append((*(key if by else ()), labels[j], float(shares[c]), float(ci[c, 0]), float(ci[c, 1]),
                         int(group_rows.iloc[gi]), sl.stop - sl.start))
    return pd.DataFrame(rows, columns=[*by, "label", "share", "lo", "hi", "n", "n_authors"])
