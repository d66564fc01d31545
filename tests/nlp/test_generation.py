"""Generation extraction: positive cases with their birth years, and the negative cases."""

from __future__ import annotations

import pandas as pd
import pytest

from brandlab.nlp.generation import (
    Evidence,
    attribute_generations,
    audience_generation_weights,
    bucket_ages,
    decide,
    find_evidence,
    generation_of,
)

COHORTS = (("X", 1900, 1979), ("Y", 1980, 1994), ("Z", 1995, 2030))


@pytest.mark.parametrize("source, text, low, high, generation", [
    ("bio", "95后｜成都｜爱吃火锅", 1995, 1999, "Z"),
    ("nickname", "零零后小仙女", 2000, 2009, "Z"),
    ("bio", "80后奶爸", 1980, 1989, "Y"),
    ("bio", "70后", 1970, 1979, "X"),
    ("bio", "85后设计师", 1985, 1989, "Y"),
    ("bio", "90后", 1990, 1999, "unknown"),      # the 1990s span Y and Z: range kept, no generation
    ("text", "作为一个95后，我觉得", 1995, 1999, "Z"),
    ("text", "我是98年的", 1998, 1998, "Z"),
    ("text", "本人1996年出生", 1996, 1996, "Z"),
    ("text", "我今年25岁", 1998, 1999, "Z"),
    ("text", "研一的我", 1998, 2003, "Z"),
    ("bio", "大二在读", 2003, 2006, "Z"),
    ("bio", "高三党", 2005, 2007, "Z"),
])
def test_positive(source: str, text: str, low: int, high: int, generation: str) -> None:
    ev = find_evidence(text, 2024, source=source)
    assert ev, text
    best = decide(ev, COHORTS)
    assert (best["birth_year_low"], best["birth_year_high"], best["generation"]) == (low, high, generation)
    assert best["source"] == source


@pytest.mark.parametrize("source, text", [
    ("text", "2000年的老房子"),            # a year that is not a birth year
    ("text", "这座塔1995年建成"),
    ("text", "我2000年去过北京"),          # a date in a first-person sentence
    ("text", "编号12000后面"),             # 00后 inside a longer number
    ("bio", "2000后"),
    ("bio", "90后的爸妈"),                 # about someone else
    ("text", "我家00后天天刷抖音"),
    ("text", "00后都说太好吃了"),          # a group, in post text, without a first-person cue
    ("text", "带00后学生去春游"),
    ("text", "我大一的时候来过"),          # a past life stage
    ("text", "再大一点就好了"),            # 大一 inside 大一点
    ("text", "气温高三度"),
    ("text", "没有任何线索的一句话"),
    ("text", None),
])
def test_negative(source: str, text: str | None) -> None:
    assert find_evidence(text, 2024, source=source) == []


def test_mother_is_weak_and_stays_unknown() -> None:
    ev = find_evidence("宝妈一枚", 2024, source="bio")
    assert len(ev) == 1 and ev[0].confidence < 0.3
    assert decide(ev, COHORTS)["generation"] == "unknown"


def test_conflicting_strong_evidence_is_unknown() -> None:
    ev = [Evidence(1985, 1989, "85后", "bio", 0.8), Evidence(2003, 2006, "大二", "bio", 0.5)]
    out = decide(ev, COHORTS)
    assert out["generation"] == "unknown" and str(out["evidence"]).startswith("conflict")


def test_no_evidence_is_unknown() -> None:
    assert decide([], COHORTS) == {"generation": "unknown", "birth_year_low": None, "birth_year_high": None,
                                   "evidence": None, "source": "none", "confidence": 0.0}


def test_configurable_cohorts() -> None:
    custom = (("post80", 1980, 1989), ("post90", 1990, 1999))
    assert decide(find_evidence("90后", 2024, source="bio"), custom)["generation"] == "post90"
    assert generation_of(1990, 1999, COHORTS) == "unknown"


@pytest.mark.parametrize("bucket, ages", [("18-23", (18, 23)), ("-18", (10, 17)), ("50-", (50, 80)),
                                          ("50+", (50, 80)), ("abc", None)])
def test_bucket_ages(bucket: str, ages: tuple[int, int] | None) -> None:
    assert bucket_ages(bucket) == ages


def test_attribute_generations_prefers_export_and_keeps_unknown() -> None:
    t = pd.Timestamp("2024-05-01", tz="Asia/Shanghai")
    authors = pd.DataFrame({"platform": ["xhs"] * 4, "author_id": ["a", "b", "c", "e"],
                            "nickname": ["小王", "95后小李", "路人", "阿强"], "bio": ["摄影爱好者", None, None, "00后"],
                            "birth_year": pd.array([1978, None, None, 1978], dtype="Int64"),
                            "age_bucket": [None, None, "18-23", None], "crawled_at": [t] * 4})
    posts = pd.DataFrame({"platform": ["xhs", "xhs"], "author_id": ["c", "d"], "text": ["今天天气好", "我是99年的"],
                          "published_at": [t, t]})
    out = attribute_generations(authors, posts, COHORTS, default_year=2024).set_index("author_id")
    assert out.loc["a", "generation"] == "X" and out.loc["a", "source"] == "export"
    assert out.loc["e", "generation"] == "unknown" and str(out.loc["e", "evidence"]).startswith("conflict")
    assert out.loc["b", "generation"] == "Z" and out.loc["b", "source"] == "nickname"
    assert out.loc["c", "generation"] == "Z" and out.loc["c", "evidence"] == "age_bucket=18-23"  # born 2000-2006
    assert out.loc["d", "generation"] == "Z" and out.loc["d", "evidence"] == "我是99年的"
    posts.loc[1, "text"] = "今天天气好"
    out = attribute_generations(authors.iloc[:0], posts, COHORTS, default_year=2024).set_index("author_id")
    assert out.loc["d", "generation"] == "unknown" and out.loc["d", "source"] == "none"


def test_audience_weights_split_buckets_by_years() -> None:
    seg = pd.DataFrame({"platform": ["douyin"] * 2, "scope": ["account"] * 2, "scope_id": ["u1"] * 2,
                        "dimension": ["age", "age"], "bucket": ["18-23", "24-30"], "share": [0.6, 0.4],
                        "crawled_at": [pd.Timestamp("2024-01-01", tz="Asia/Shanghai")] * 2})
    w = audience_generation_weights(seg, COHORTS, default_year=2024).set_index("generation")["weight"]
    assert w.sum() == pytest.approx(1.0)
    # 18-23 in 2024: born 2000-2006, all Z; 24-30: born 1993-2000, 2 of 8 years in Y, 6 in Z
    assert w["Y"] == pytest.approx(0.4 * 2 / 8)
    assert w["Z"] == pytest.approx(0.6 + 0.4 * 6 / 8)
