"""bootstrap_share / label_shares: intervals, author clusters and SmallSampleWarning."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from brandlab.aggregate import bootstrap_share, label_shares
from brandlab.errors import SmallSampleWarning


@pytest.fixture
def posts() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 3000
    return pd.DataFrame({"g": rng.choice(["a", "b"], n), "author": rng.integers(0, 600, n).astype(str),
                         "v": (rng.random(n) < 0.3).astype(int), "w": rng.random(n) + 0.5})


def test_share_interval_covers_truth_and_counts(posts: pd.DataFrame) -> None:
    out = bootstrap_share(posts, "g", "v", n_boot=500, seed=3, author="author", min_size=30)
    assert list(out.columns) == ["g", "share", "lo", "hi", "n", "n_authors"]
    for r in out.itertuples():
        sub = posts[posts["g"] == r.g]
        assert r.share == pytest.approx(sub["v"].mean())
        assert r.lo < r.share < r.hi and r.lo < 0.3 < r.hi
        assert r.n == len(sub) and r.n_authors == sub["author"].nunique()


def test_seeded_and_reproducible(posts: pd.DataFrame) -> None:
    a = bootstrap_share(posts, "g", "v", n_boot=200, seed=9, author="author")
    b = bootstrap_share(posts, "g", "v", n_boot=200, seed=9, author="author")
    pd.testing.assert_frame_equal(a, b)


def test_weighted_share(posts: pd.DataFrame) -> None:
    out = bootstrap_share(posts, "g", "v", "w", n_boot=100, seed=1)
    sub = posts[posts["g"] == "a"]
    assert out.set_index("g").loc["a", "share"] == pytest.approx((sub["v"] * sub["w"]).sum() / sub["w"].sum())


def test_cluster_bootstrap_is_wider_when_one_author_dominates() -> None:
    # one prolific author posts 500 times, all tagged; 100 others post once, 20% tagged
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": "x", "author": ["big"] * 500 + [f"u{i}" for i in range(100)],
                       "v": [1] * 500 + list((rng.random(100) < 0.2).astype(int))})
    by_row = bootstrap_share(df, "g", "v", n_boot=400, seed=2)
    by_author = bootstrap_share(df, "g", "v", n_boot=400, seed=2, author="author")
    assert (by_author["hi"] - by_author["lo"]).iloc[0] > 3 * (by_row["hi"] - by_row["lo"]).iloc[0]
    assert by_author["n_authors"].iloc[0] == 101


def test_small_sample_warning_names_group(posts: pd.DataFrame) -> None:
    small = pd.concat([posts, pd.DataFrame({"g": ["tiny"] * 5, "author": list("abcde"), "v": [1, 0, 1, 0, 0],
                                            "w": 1.0})])
    with pytest.warns(SmallSampleWarning, match=r"tiny \(5\)"):
        out = bootstrap_share(small, "g", "v", n_boot=100, seed=1, author="author", min_size=30)
    assert out.set_index("g").loc["tiny", "n_authors"] == 5  # returned, not dropped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bootstrap_share(posts, "g", "v", n_boot=50, seed=1, author="author", min_size=30)  # no warning


def test_rejects_values_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="outside"):
        bootstrap_share(pd.DataFrame({"g": ["a"], "v": [2]}), "g", "v")


def test_label_shares_counts_untagged_posts_in_denominator() -> None:
    posts = pd.DataFrame({"platform": "xhs", "post_id": [str(i) for i in range(40)],
                          "author_id": [str(i) for i in range(40)], "campaign": ["c1"] * 20 + ["c2"] * 20})
    tags = pd.DataFrame({"platform": "xhs", "post_id": ["0", "1", "2", "20"], "facet": "trait",
                         "label": ["vitality", "vitality", "fashion", "vitality"]})
    with pytest.warns(SmallSampleWarning, match="2 group"):  # 20 authors per campaign < 30, warned once each
        out = label_shares(posts, tags, "trait", ["vitality", "fashion"], "campaign", n_boot=200, seed=1)
    got = out.set_index(["campaign", "label"])["share"]
    assert got[("c1", "vitality")] == pytest.approx(2 / 20) and got[("c1", "fashion")] == pytest.approx(1 / 20)
    assert got[("c2", "vitality")] == pytest.approx(1 / 20) and got[("c2", "fashion")] == 0.0
    assert set(out["n_authors"]) == {20}
