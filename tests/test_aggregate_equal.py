"""label_shares without the per-label stack gives exactly what the stacked bootstrap gave.

The oracle is the previous implementation: the posts stacked once per label with a 0/1 hit column,
then :func:`bootstrap_share` by (*by, label) with author clusters. Compared with ``==`` (not
approx): same groups and labels in the same order, same shares, same interval ends (the same
random draws), same counts.
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
    for c in new.columns:
        a, b = new[c].tolist(), old[c].tolist()
        assert [None if isinstance(x, float) and np.isnan(x) else x for x in a] == \
               [None if isinstance(x, float) and np.isnan(x) else x for x in b], c


def test_many_blocks_draw_the_same() -> None:
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
    finally:
        agg._BLOCK = old_block
    pd.testing.assert_frame_equal(new, old)
