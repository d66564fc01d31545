"""The vectorised paths agree with the per-row reference: chain parsing, id codes, membership."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandlab.network.chains import chain_name_table, chain_names
from brandlab.network.ids import decode_ids, encode_ids, isin_ids

# pieces that exercise the delimiters, both colons, Unicode spaces (U+3000 is str.isspace), emoji
ALPHABET = st.sampled_from(["a", "b", " ", ":", "：", "/", "@", "\u3000", "\t", "\n", "好", "🌸", "//@", "// @",
                            "//\u3000@", "//@ "])
TEXTS = st.lists(ALPHABET, max_size=25).map("".join)


def _names_by_row(table: pd.DataFrame, n: int) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(n)]
    for row, name in zip(table["row"], table["name"], strict=True):
        out[row].append(name)
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXTS), max_size=30))
def test_chain_table_equals_parse_chain(texts: list[str | None]) -> None:
    table = chain_name_table(texts)
    assert _names_by_row(table, len(texts)) == [chain_names(t) for t in texts]
    hops = table.groupby("row")["hop"].apply(list)
    assert all(h == list(range(len(h))) for h in hops)


def test_known_colon_names_take_the_per_row_path() -> None:
    texts = ["x//@时间:12:30 频道: 今天//@B: b", "y//@时间:12:30 频道: z", "x//@时间:12:30 频道: 今天"]
    known = {"weibo": frozenset({"时间:12:30 频道", "B"})}
    table = chain_name_table(texts, ["weibo", "douyin", "weibo"], known)
    assert _names_by_row(table, 3) == [["时间:12:30 频道", "B"], ["时间"], ["时间:12:30 频道"]]


@pytest.mark.parametrize("values", [
    [["a", "b", None, "a"], ["b", "c"]],
    [["🌸花花🌸", "", "x" * 40], [None, None]],
    [[], []],
])
def test_encode_ids_roundtrip_and_first_appearance(values: list[list[str | None]]) -> None:
    codes, uniques = encode_ids(values)
    flat = [v for col in values for v in col]
    expect_codes, expect_uniques = pd.factorize(pd.Series(flat, dtype=object))
    assert np.concatenate(codes).tolist() == expect_codes.tolist()
    assert uniques.to_pylist() == list(expect_uniques)
    for col, c in zip(values, codes, strict=True):
        back = decode_ids(uniques, c)
        assert [None if pd.isna(x) else x for x in back] == col


@pytest.mark.parametrize("values", [
    [["4951234567890123", "17", None, "4951234567890123"], ["0", "17", "9223372036854775807"]],
    [["007", "7", "7"], ["+7", " 7"]],            # not canonical: hashed as strings, so "007" != "7"
    [["1", "2"], ["9223372036854775808"]],      # beyond int64
    [["1", "-1"], ["1"]], [["12", "1a"], []], [["", "0"], []], [[None, None], ["5"]],
])
def test_encode_ids_decimal_ids_equal_factorize(values: list[list[str | None]]) -> None:
    """Decimal ids take the integer path; what comes back is what hashing the strings gives."""
    test_encode_ids_roundtrip_and_first_appearance(values)


def test_decimal_ids_skip_string_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """All-decimal ids never reach Arrow's string hashing; one letter sends them all there."""
    import brandlab.network.ids as ids_mod

    calls: list[int] = []
    real = ids_mod.pc.dictionary_encode
    monkeypatch.setattr(ids_mod.pc, "dictionary_encode", lambda a, **kw: calls.append(len(a)) or real(a, **kw))
    encode_ids([["12", None, "3"], ["3", "40"]])
    assert calls == []
    encode_ids([["12", None, "3"], ["3", "4a"]])
    assert calls == [5]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 2**63 - 1).map(str),
                                   st.sampled_from(["00", "01", "+3", "-3", "3 ", "3.0", "x"])),
                         max_size=40), min_size=1, max_size=3),
       st.integers(0, 3))
def test_encode_ids_decimal_property(values: list[list[str | None]], repeat: int) -> None:
    values = [[v for v in col for _ in range(repeat + 1)] for col in values]   # runs, as cascades have
    test_encode_ids_roundtrip_and_first_appearance(values)


def test_isin_ids() -> None:
    mask = isin_ids(pd.Series(["a", None, "c", "d"]), pd.Series(["c", None, "a"]))
    assert mask.tolist() == [True, False, True, False]
    assert isin_ids([], ["a"]).tolist() == []
