"""Value parsers: table-driven cases, real sample values and hypothesis properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandlab.ingest.values import (
    ValueParseError,
    clean_id,
    clean_ids,
    parse_count,
    parse_counts,
    parse_counts_checked,
    parse_time,
    parse_times,
    parse_times_checked,
    split_location,
)

TZ = "Asia/Shanghai"
AS_OF = pd.Timestamp("2025-04-22 12:00", tz=TZ)


@pytest.mark.parametrize("raw, expected", [
    ("1.2万", (12000, False)), ("10万+", (100000, True)), ("100万+", (1000000, True)), ("3.5w", (35000, False)),
    ("1.2W", (12000, False)), ("8K", (8000, False)), ("1.2k", (1200, False)), ("3千", (3000, False)),
    ("1.1亿", (110000000, False)), ("1亿", (100000000, False)), ("-", (None, False)), ("无", (None, False)),
    ("", (None, False)), (None, (None, False)), (float("nan"), (None, False)), (12, (12, False)),
    (3.0, (3, False)), ("1,234", (1234, False)), ("105354", (105354, False)), (" 22.2万 ", (222000, False)),
    ("１２３", (123, False)),
])
def test_parse_count(raw: object, expected: tuple[int | None, bool]) -> None:
    assert parse_count(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12x", "1.2.3万", "-5", -5, True, "5.4%", [1]])
def test_parse_count_rejects(raw: object) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_count(raw)
    assert info.value.kind == "count"


@pytest.mark.parametrize("raw, expected", [
    (1730634799000, "2024-11-03 19:53:19"),                       # epoch ms (XHS)
    (1721971824, "2024-07-26 13:30:24"),                          # epoch s (Douyin)
    ("1730634799000", "2024-11-03 19:53:19"),
    ("2024-11-26 12:38:46+08:00", "2024-11-26 12:38:46"),
    ("2024-11-26T04:38:46Z", "2024-11-26 12:38:46"),
    ("Sat Dec 23 17:12:54 +0800 2023", "2023-12-23 17:12:54"),
    ("刚刚", "2025-04-22 12:00:00"), ("5分钟前", "2025-04-22 11:55:00"), ("3小时前", "2025-04-22 09:00:00"),
    ("昨天 12:30", "2025-04-21 12:30:00"), ("今天 08:00", "2025-04-22 08:00:00"),
    ("03-15", "2025-03-15 00:00:00"), ("12-30", "2024-12-30 00:00:00"),    # later than the crawl -> last year
    ("2025年03月04日18时30分00秒", "2025-03-04 18:30:00"), ("2025-03-04 18:30", "2025-03-04 18:30:00"),
    (45757.774, "2025-04-10 18:34:34"),                           # Excel serial (Douyin creator export)
    ("03-15 浙江", "2025-03-15 00:00:00"), ("2天前 上海", "2025-04-20 12:00:00"),
    ("昨天 15:09重庆", "2025-04-21 15:09:00"), ("编辑于 03-15", "2025-03-15 00:00:00"),
    ("2024-11-29T16:56:38", "2024-11-29 16:56:38"), ("06月27日 12:00", "2024-06-27 12:00:00"),
])
def test_parse_time(raw: object, expected: str) -> None:
    assert parse_time(raw, as_of=AS_OF) == pd.Timestamp(expected, tz=TZ)


def test_relative_time_without_anchor_names_the_fix() -> None:
    with pytest.raises(ValueParseError, match="--as-of") as info:
        parse_time("5分钟前")
    assert info.value.kind == "time_relative"


@pytest.mark.parametrize("raw", ["soon", "10", "2025-13-45", "昨天 25:99", True])
def test_parse_time_rejects(raw: object) -> None:
    with pytest.raises(ValueParseError):
        parse_time(raw, as_of=AS_OF)


@pytest.mark.parametrize("raw, expected", [
    ("03-15 浙江", ("03-15", "浙江")), ("2天前 上海", ("2天前", "上海")), ("昨天 15:09重庆", ("昨天 15:09", "重庆")),
    ("5分钟前", ("5分钟前", None)), ("2025年03月04日18时30分00秒", ("2025年03月04日18时30分00秒", None)),
    ("03月15日 日本", ("03月15日", "日本")), ("2025-03-04 18:30", ("2025-03-04 18:30", None)),
])
def test_split_location(raw: str, expected: tuple[str, str | None]) -> None:
    assert split_location(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("5106001984359073\t", "5106001984359073"), (7395812618608315657, "7395812618608315657"), ("  ab12 ", "ab12"),
    ("", None), (None, None), ("12.0", "12"), ("5e1a0000000000000000000b", "5e1a0000000000000000000b"),
])
def test_clean_id(raw: object, expected: str | None) -> None:
    assert clean_id(raw) == expected


@pytest.mark.parametrize("raw", [1.23e18, "1.23457E+18", float("inf")])
def test_clean_id_rejects_float_mangled_ids(raw: object) -> None:
    with pytest.raises(ValueParseError, match="re-export"):
        clean_id(raw)


def test_clean_ids_vectorised() -> None:
    out = clean_ids(pd.Series(["5106001984359073\t", None, " 7 "]))
    assert out.tolist() == ["5106001984359073", pd.NA, "7"]
    with pytest.raises(ValueParseError):
        clean_ids(pd.Series(["1.23E+18"]))


def test_parse_counts_vectorised_flags_problems() -> None:
    values, capped, problems = parse_counts_checked(pd.Series(["1", "2.2万", None, "x", "10万+"]))
    assert values.tolist() == [1, 22000, pd.NA, pd.NA, 100000]
    assert capped.tolist() == [False, False, False, False, True]
    assert problems.notna().tolist() == [False, False, False, True, False]


def test_parse_times_vectorised_mixed_forms() -> None:
    s = pd.Series(["1730634799000", "1721971824", "2024-11-26 12:38:46+08:00", "2024-11-29T16:56:38",
                   "昨天 12:30", None, "bad"])
    out, problems = parse_times_checked(s, as_of=AS_OF)
    assert str(out.dtype) == f"datetime64[ns, {TZ}]"
    assert out.iloc[0] == pd.Timestamp("2024-11-03 19:53:19", tz=TZ)
    assert out.iloc[4] == pd.Timestamp("2025-04-21 12:30", tz=TZ)
    assert out.iloc[5:].isna().all()
    assert problems.notna().tolist() == [False] * 6 + [True]


def test_real_sample_values(samples_dir) -> None:
    import json

    rows = [json.loads(line) for line in (samples_dir / "mediacrawler_xhs_search_contents.jsonl").open(encoding="utf-8")]
    note = next(r for r in rows if r["note_id"] == "6727642f000000001b02b3ab")
    assert parse_count(note["liked_count"]) == (22000, False)      # "2.2万"
    assert parse_count(note["collected_count"]) == (17000, False)  # "1.7万"
    assert parse_time(note["time"]) == pd.Timestamp("2024-11-03 19:53:19", tz=TZ)


# ----------------------------------------------------------------------- properties

_any = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                 st.text(max_size=20), st.sampled_from(["1.2万", "10万+", "-", "无", "3千", "8K", "刚刚", "03-15 浙江"]))


@settings(max_examples=300, deadline=None)
@given(_any)
def test_scalar_parsers_only_raise_value_parse_error(v: object) -> None:
    for fn in (parse_count, clean_id, lambda x: parse_time(x, as_of=AS_OF), lambda x: parse_time(x)):
        try:
            fn(v)
        except ValueParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**15))
def test_count_round_trips_integers(n: int) -> None:
    assert parse_count(str(n)) == (n, False)
    assert parse_count(n) == (n, False)
    assert parse_count(f"{n:,}") == (n, False)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 99999), st.integers(0, 9))
def test_wan_is_ten_thousand(whole: int, tenth: int) -> None:
    assert parse_count(f"{whole}万") == (whole * 10_000, False)
    assert parse_count(f"{whole}.{tenth}万") == (whole * 10_000 + tenth * 1000, False)
    assert parse_count(f"{whole}万+") == (whole * 10_000, True)


_count_like = st.one_of(st.none(), st.integers(0, 10**12).map(str), st.sampled_from(["1.2万", "10万+", "-", "", "x", "8K"]),
                        st.text(max_size=6))


@settings(max_examples=150, deadline=None)
@given(st.lists(_count_like, max_size=30))
def test_counts_scalar_and_vectorised_agree(values: list[object]) -> None:
    s = pd.Series(values, dtype=object)
    vals, capped, problems = parse_counts_checked(s)
    assert len(vals) == len(s) and len(capped) == len(s)          # row count kept
    for i, v in enumerate(values):
        try:
            expected = parse_count(v)
        except ValueParseError:
            assert pd.notna(problems.iat[i]) and pd.isna(vals.iat[i])
            continue
        got = None if pd.isna(vals.iat[i]) else int(vals.iat[i])
        assert (got, bool(capped.iat[i])) == expected


_time_like = st.one_of(st.none(), st.integers(10**9, 2 * 10**9), st.integers(10**12, 2 * 10**12),
                       st.sampled_from(["2024-11-26 12:38:46+08:00", "2025-03-04 18:30", "刚刚", "5分钟前", "03-15 浙江",
                                        "昨天 12:30", "bad", "", "Sat Dec 23 17:12:54 +0800 2023"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(_time_like, max_size=30), st.booleans())
def test_times_scalar_and_vectorised_agree(values: list[object], as_strings: bool) -> None:
    raw = [str(v) if (as_strings and v is not None) else v for v in values]
    s = pd.Series(raw, dtype=object)
    out = parse_times(s, as_of=AS_OF)
    assert len(out) == len(s)
    for i, v in enumerate(raw):
        try:
            expected = parse_time(v, as_of=AS_OF)
        except ValueParseError:
            assert pd.isna(out.iat[i])
            continue
        assert (pd.isna(out.iat[i]) and expected is None) or out.iat[i] == expected


def test_parse_counts_raise_mode_names_the_value() -> None:
    with pytest.raises(ValueParseError, match="'x'"):
        parse_counts(pd.Series(["1", "x"]))
