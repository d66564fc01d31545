"""label_shares without the per-label stack gives what the stacked bootstrap gave.

The oracle is the earlier implementation: the posts stacked once per label with a 0/1 hit column,
then :func:`bootstrap_share` by (*by, label) with author clusters. Groups, labels, their order,
shares and counts are compared with ``==`` (not approx). The intervals now resample each group's
authors once for all its labels, so their ends are compared with ``==`` to an oracle that draws
the same resamples and sums each label's column by gathering (``shared_draw_intervals``), and
with the stack's ends only to within bootstrap noise.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from brandlab.aggregate import bootstrap_share, label_shares

LABELS = ["活力", "时尚", "繁华", "历史", "美食"]


def stacked_label_shares(posts: pd.DataFrame, tags: pd.DataFrame, facet: str, labels: list[str], by: list[str],
                         *, author: str | None, n_boot: int, seed: int) -> pd.DataFrame:
    keys = ["platform", "post_id"]
    base = posts.drop_duplicates(keys).reset_index(drop=True)
    hit = tags.loc[tags["facet"] == facet, [*keys, "label"]].drop_duplicates()
    hit = hit.merge(base[keys].assign(_row=np.arange(len(base))), on=keys, how="inner")
    cols = [c for c in [*by, author] if c and c in base.columns]
    stacked = pd.concat([base[cols]] * len(labels), ignore_index=True)
    stacked["label"] = np.repeat(np.asarray(labels, dtype=object), len(base))
    indicator = np.zeros(len(stacked))
    pos = {lb: i for i, lb in enumerate(labels)}
    lab = hit["label"].map(pos)
    ok = lab.notna().to_numpy()
    indicator[(lab[ok].to_numpy(dtype=np.int64) * len(base) + hit["_row"].to_numpy()[ok])] = 1.0
    stacked["_hit"] = indicator
    return bootstrap_share(stacked, [*by, "label"], "_hit", None, n_boot=n_boot, seed=seed,
                           author=author if author in stacked.columns else None, warn=False)


def shared_draw_intervals(stacked: pd.DataFrame, by: list[str], labels: list[str], *, author: str | None,
                          n_boot: int, seed: int) -> pd.DataFrame:
    """Percentile intervals per (group, label) with one resample of the group's clusters per block
    serving every label, gathered per label (the plain way the vectorised code must agree with)."""
    import brandlab.aggregate as agg

    work = stacked.copy()
    work["_c"] = (work[author].astype("string").fillna("<unknown author>") if author
                  else pd.Series(np.tile(np.arange(len(work) // len(labels)), len(labels))))
    keys = by or ["_all"]
    if not by:
        work["_all"] = 0
    rng = np.random.default_rng(seed)
    out = []
    for key, g in work.groupby(keys, sort=True, dropna=False):
        per = g.pivot_table(index="_c", columns="label", values="_hit", aggfunc="sum", dropna=False)
        den = g[g["label"] == labels[0]].groupby("_c").size().reindex(per.index).to_numpy(float)
        cols = sorted(labels)
        num = per.reindex(columns=cols).to_numpy(float)
        k = len(den)
        stats = np.empty((n_boot, len(cols)))
        step = max(1, agg._BLOCK // k)
        for start in range(0, n_boot, step):
            b = min(step, n_boot - start)
            idx = rng.integers(0, k, size=(b, k))
            d = den[idx].sum(axis=1)
            for j in range(len(cols)):
                with np.errstate(invalid="ignore", divide="ignore"):
                    stats[start:start + b, j] = num[:, j][idx].sum(axis=1) / d
        key = key if isinstance(key, tuple) else (key,)
        for j, lb in enumerate(cols):
            s = stats[:, j][np.isfinite(stats[:, j])]
            alpha = 1 - 0.95  # as bootstrap_share computes its level
            lo, hi = np.quantile(s, [alpha / 2, 1 - alpha / 2]) if len(s) else (np.nan, np.nan)
            out.append((*(key if by else ()), lb, float(lo), float(hi)))
    return pd.DataFrame(out, columns=[*by, "label", "lo", "hi"])


def _stack(posts: pd.DataFrame, tags: pd.DataFrame, facet: str, labels: list[str], by: list[str],
           author: str | None) -> pd.DataFrame:
    keys = ["platform", "post_id"]
    base = posts.drop_duplicates(keys).reset_index(drop=True)
    hit = tags.loc[tags["facet"] == facet, [*keys, "label"]].drop_duplicates()
    hit = hit.merge(base[keys].assign(_row=np.arange(len(base))), on=keys, how="inner")
    cols = [c for c in [*by, author] if c and c in base.columns]
    stacked = pd.concat([base[cols]] * len(labels), ignore_index=True)
    stacked["label"] = np.repeat(np.asarray(labels, dtype=object), len(base))
    pos = {lb: i for i, lb in enumerate(labels)}
    lab = hit["label"].map(pos)
    ok = lab.notna().to_numpy()
    indicator = np.zeros(len(stacked))
    indicator[(lab[ok].to_numpy(dtype=np.int64) * len(base) + hit["_row"].to_numpy()[ok])] = 1.0
    stacked["_hit"] = indicator
    return stacked


def _same(a: list, b: list) -> bool:
    return [None if isinstance(x, float) and np.isnan(x) else x for x in a] == \
           [None if isinstance(x, float) and np.isnan(x) else x for x in b]


def make(n: int, seed: int, *, missing_authors: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    authors = pd.array(rng.integers(0, max(2, n // 6), n).astype(str), dtype="string")
    if missing_authors:
        authors[rng.random(n) < 0.05] = pd.NA
    posts = pd.DataFrame({"platform": rng.choice(["weibo", "douyin"], n), "post_id": [f"p{i}" for i in range(n)],
                          "author_id": authors, "group": rng.choice(["2023-04-03", "2023-04-10", "z", "a"], n),
                          "kind": rng.choice(["post", "comment"], n)})
    posts = pd.concat([posts, posts.iloc[: n // 20]], ignore_index=True)  # duplicated posts count once
    m = 3 * n
    tags = pd.DataFrame({"platform": posts["platform"].to_numpy()[rng.integers(0, n, m)],
                         "post_id": [f"p{i}" for i in rng.integers(0, n, m)],
                         "facet": rng.choice(["trait", "dimension"], m),
                         "label": rng.choice([*LABELS, "not-a-label"], m)})
    return posts, tags


@pytest.mark.parametrize(("n", "seed", "by", "author", "missing"), [
    (400, 1, ["group"], "author_id", False),
    (3000, 2, ["group", "kind"], "author_id", True),
    (900, 3, ["group"], None, False),           # rows are the clusters
    (700, 4, [], "author_id", False),           # one group: the labels alone
    (30, 5, ["group"], "author_id", False),     # small groups, one-author groups
])
def test_unstacked_equals_stacked(n: int, seed: int, by: list[str], author: str | None, missing: bool) -> None:
    posts, tags = make(n, seed, missing_authors=missing)
    labels = LABELS[::-1]  # not in sorted order: the rows still come out label-sorted within each group
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = label_shares(posts, tags, "trait", labels, by, author=author, n_boot=150, seed=seed, min_size=10)
    old = stacked_label_shares(posts, tags, "trait", labels, by, author=author, n_boot=150, seed=seed)
    assert list(new.columns) == list(old.columns) and len(new) == len(old) > 0
    for c in [*by, "label", "share", "n", "n_authors"]:
        assert _same(new[c].tolist(), old[c].tolist()), c
    ref = shared_draw_intervals(_stack(posts, tags, "trait", labels, by, author), by, labels,
                                author=author, n_boot=150, seed=seed)
    for c in [*by, "label", "lo", "hi"]:
        assert _same(new[c].tolist(), ref[c].tolist()), c
    # against the stack's own (independently drawn) intervals: bootstrap noise only
    big = (new["n_authors"] >= 50).to_numpy()
    if big.any():
        assert np.nanmax(np.abs(new.loc[big, ["lo", "hi"]].to_numpy() - old.loc[big, ["lo", "hi"]].to_numpy())) < 0.05


def test_many_blocks_draw_the_same_resamples() -> None:
    """Groups large enough that the bootstrap draws several blocks of replications."""
    import brandlab.aggregate as agg

    posts, tags = make(2000, 6)
    old_block = agg._BLOCK
    agg._BLOCK = 5000
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new = label_shares(posts, tags, "dimension", LABELS, ["group"], n_boot=300, seed=8)
        old = stacked_label_shares(posts, tags, "dimension", LABELS, ["group"], author="author_id", n_boot=300, seed=8)
        ref = shared_draw_intervals(_stack(posts, tags, "dimension", LABELS, ["group"], "author_id"), ["group"],
                                    LABELS, author="author_id", n_boot=300, seed=8)
    finally:
        agg._BLOCK = old_block
    pd.testing.assert_frame_equal(new.drop(columns=["lo", "hi"]), old.drop(columns=["lo", "hi"]))
    pd.testing.assert_frame_equal(new[["group", "label", "lo", "hi"]], ref)
