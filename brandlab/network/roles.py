"""Account roles: official/government, media, influencer tiers by followers, ordinary users.

The rules, in order (the first that matches wins):

1. ``official`` -- Weibo ``verified_type`` 1 (government), or a verification reason / nickname
   containing a government pattern (发布, 文旅, 宣传, 融媒, 政务, 公安, 共青团, ...).
2. ``media`` -- ``verified_type`` 3 (media), or a media pattern (日报, 晚报, 电视台, 新闻, 媒体, ...).
3. influencer tiers by followers: head >= 1,000,000 (头部), waist >= 100,000 (腰部), tail >= 10,000
   (尾部); thresholds are configurable.
4. ``ordinary`` (素人) otherwise, including accounts whose follower count is unknown.

``tier`` is the follower tier alone (so an official account also has a tier). Weibo verified_type
codes follow the m.weibo.cn API: -1 none, 0 personal (orange V), 1 government, 2 company,
3 media, 4 campus, 5 website, 6 app, 7 organisation, 200/220 "达人".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from brandlab.schema import AccountRole

OFFICIAL_PATTERNS = ("发布", "文旅", "文化和旅游", "文化旅游", "旅游局", "宣传", "融媒", "政务", "公安", "警方", "警察",
                     "共青团", "团委", "人民政府", "政府", "委员会", "网信", "消防", "法院", "检察", "市委",
                     "县委", "区委")
MEDIA_PATTERNS = ("日报", "晚报", "早报", "晨报", "商报", "都市报", "电视台", "广播", "新闻", "媒体", "传媒", "卫视",
                  "杂志", "周刊", "报社", "记者", "通讯社", "新华社", "央视", "观察者", "澎湃")
OFFICIAL_TYPES = frozenset({"1"})
MEDIA_TYPES = frozenset({"3"})


@dataclass(frozen=True)
class TierThresholds:
    """Follower thresholds (inclusive lower bounds) of the influencer tiers."""

    head: int = 1_000_000
    waist: int = 100_000
    tail: int = 10_000

    def __post_init__(self) -> None:
        if not self.head > self.waist > self.tail >= 0:
            raise ValueError(f"tier thresholds must satisfy head > waist > tail >= 0, got {self}")


def follower_tier(followers: pd.Series, thresholds: TierThresholds = TierThresholds()) -> pd.Series:
    """The influencer tier of each follower count (unknown counts -> ordinary)."""
    f = pd.to_numeric(followers, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = np.select([f >= thresholds.head, f >= thresholds.waist, f >= thresholds.tail],
                    [AccountRole.INFLUENCER_HEAD.value, AccountRole.INFLUENCER_WAIST.value,
                     AccountRole.INFLUENCER_TAIL.value], AccountRole.ORDINARY.value)
    return pd.Series(out, index=followers.index, dtype="string")


def _matches(text: pd.Series, patterns: tuple[str, ...]) -> pd.Series:
    rx = "|".join(re.escape(p) for p in patterns)
    return text.fillna("").astype(str).str.contains(rx, regex=True)


def classify_roles(authors: pd.DataFrame, thresholds: TierThresholds = TierThresholds()) -> pd.DataFrame:
    """Add ``role`` and ``tier`` (AccountRole values) to a copy of ``authors``.

    Uses ``nickname``, ``verified_type``, ``verified_reason`` and ``follower_count`` where present.
    """
    df = authors.copy()
    n = len(df)

    def col(name: str) -> pd.Series:
        return df[name] if name in df.columns else pd.Series([None] * n, index=df.index, dtype=object)

    text = col("verified_reason").fillna("").astype(str) + " " + col("nickname").fillna("").astype(str)
    vtype = col("verified_type").astype("string").str.strip()
    official = vtype.isin(OFFICIAL_TYPES).fillna(False).astype(bool) | _matches(text, OFFICIAL_PATTERNS)
    media = vtype.isin(MEDIA_TYPES).fillna(False).astype(bool) | _matches(text, MEDIA_PATTERNS)
    tier = follower_tier(col("follower_count"), thresholds)
    role = np.where(official, AccountRole.OFFICIAL.value,
                    np.where(media, AccountRole.MEDIA.value, tier.to_numpy(dtype=object)))
    df["role"] = pd.Series(role, index=df.index, dtype="string")
    df["tier"] = tier
    return df


def role_mix(accounts: pd.DataFrame, roles: pd.DataFrame, *, scope: str, by: str) -> pd.DataFrame:
    """Share of distinct accounts per role within each group ``by`` of ``accounts`` (author_id, by).

    ``roles`` maps author_id -> role; accounts without a role row count as ordinary.
    Returns scope, scope_id, role, n_accounts, share.
    """
    cols = ["scope", "scope_id", "role", "n_accounts", "share"]
    a = accounts[[by, "author_id"]].dropna().drop_duplicates()
    if not len(a):
        return pd.DataFrame({c: [] for c in cols})
    rmap = roles.drop_duplicates("author_id").set_index("author_id")["role"]
    a = a.assign(role=a["author_id"].map(rmap).fillna(AccountRole.ORDINARY.value).astype(str))
    counts = a.groupby([by, "role"]).size().rename("n_accounts").reset_index()
    counts["share"] = counts["n_accounts"] / counts.groupby(by)["n_accounts"].transform("sum")
    counts = counts.rename(columns={by: "scope_id"})
    counts.insert(0, "scope", scope)
    return counts[cols]
