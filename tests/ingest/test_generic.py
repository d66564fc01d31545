"""The column-map (generic) adapter and the tabular machinery the other adapters share."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from brandlab.cli import main
from brandlab.errors import ExportFormatError
from brandlab.ingest import ingest_file
from brandlab.ingest.base import ReadContext
from brandlab.ingest.generic import ColumnMap, GenericAdapter, RawTable, find_header, synth_id, use_column_map

TZ = "Asia/Shanghai"


@pytest.fixture
def gen(fixtures_dir: Path) -> Path:
    return fixtures_dir / "exports" / "generic"


def test_yaml_map_posts_metrics_masked_authors(ws, gen: Path) -> None:
    use_column_map(gen / "toutiao_map.yaml")
    report = ingest_file(ws, gen / "toutiao_articles.csv", fmt="generic")
    assert report.tables["posts"].read == 3 and report.tables["posts"].quarantined == 1   # '04-03 09:00'
    posts = ws.read("posts").set_index("title")
    p = posts.loc["山城春日游全攻略"]
    assert (p["platform"], p["kind"], p["play_count"], p["like_count"]) == ("other", "post", 21000, 860)
    assert p["published_at"] == pd.Timestamp("2025-04-01 08:00", tz=TZ)
    assert (p["author_id"], p["author_name"]) == ("3fa2c1d9e8b7a6f5", "山***客")   # anonymised export
    assert p["post_id"] == synth_id("other", "山城春日游全攻略", p["published_at"])
    m = ws.read("post_metrics", where="post_id = ?", params=[p["post_id"]])
    assert dict(zip(m["metric"], m["value"], strict=True)) == {"impressions": 123000, "reads": 21000}
    q = ws.read("quarantine")
    assert q["column"].tolist() == ["发布时间"] and "%Y/%m/%d %H:%M" in q["reason"].iloc[0]
    n = {t: ws.count(t) for t in ("posts", "post_metrics", "authors", "quarantine")}
    ingest_file(ws, gen / "toutiao_articles.csv", fmt="generic")
    assert {t: ws.count(t) for t in ("posts", "post_metrics", "authors", "quarantine")} == n


def test_json_map_audience_segments(ws, gen: Path) -> None:
    use_column_map(gen / "star_audience_map.json")
    ingest_file(ws, gen / "star_audience.xlsx", fmt="generic")
    seg = ws.read("audience_segments")
    assert len(seg) == 4 and set(seg["scope"]) == {"account"} and set(seg["scope_id"]) == {"9000000001"}
    assert seg.set_index("bucket").loc["24-30", "share"] == 0.45


def test_cli_column_map(tmp_path: Path, gen: Path) -> None:
    res = CliRunner().invoke(main, ["-w", str(tmp_path / "w.duckdb"), "ingest", "--column-map",
                                    str(gen / "toutiao_map.yaml"), str(gen / "toutiao_articles.csv")])
    assert res.exit_code == 0, res.output
    assert "[generic] posts: 3 read, 2 accepted, 1 quarantined" in res.output


@pytest.mark.parametrize("data, problem", [
    ([1, 2], "must be a mapping"),
    ({"platform": "tiktok", "columns": {"a": "title"}}, "'platform' must be one of"),
    ({"platform": "other", "columns": {"a": "titel"}}, "are not columns of 'posts'"),
    ({"platform": "other", "columns": {"a": "title"}, "colums": {}}, "unknown key"),
    ({"platform": "other", "table": "nope", "columns": {"a": "title"}}, "'table' must be one of"),
    ({"platform": "other", "columns": {}}, "'columns' must map"),
])
def test_bad_column_maps_say_what_is_wrong(data: object, problem: str) -> None:
    with pytest.raises(ExportFormatError, match=problem):
        ColumnMap.from_dict(data)


def test_map_without_id_or_id_from_names_missing_column(tmp_path: Path) -> None:
    cm = ColumnMap.from_dict({"platform": "other", "columns": {"标题": "title"}})
    recs = [{"标题": "a"}]
    with pytest.raises(ExportFormatError) as err:
        GenericAdapter(cm).parse(recs, ReadContext(str(tmp_path / "x.csv")))
    assert "x.csv" in str(err.value) and "post_id" in str(err.value) and "id_from" in str(err.value)


def test_map_naming_absent_source_column(tmp_path: Path) -> None:
    cm = ColumnMap.from_dict({"platform": "other", "columns": {"ID": "post_id", "标题": "title"}})
    with pytest.raises(ExportFormatError, match="标题"):
        GenericAdapter(cm).parse([{"ID": "1"}], ReadContext(str(tmp_path / "x.csv")))


def test_generic_without_a_map_asks_for_one(tmp_path: Path) -> None:
    with pytest.raises(ExportFormatError, match="--column-map"):
        GenericAdapter().parse([{"a": 1}], ReadContext(str(tmp_path / "x.csv")))


def test_column_map_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="m.json"):
        ColumnMap.load(p)
    y = tmp_path / "m.yaml"
    y.write_text("platform: other\ncolumns: [a, b\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="m.yaml"):
        ColumnMap.load(y)


def test_find_header_skips_title_rows() -> None:
    rows = [["笔记列表明细表"], [], ["笔记标题", "首次发布时间", "点赞"], ["a", "b", 1]]
    assert find_header(rows, ["笔记标题", "点赞"]) == 2


def test_raw_table_pads_ragged_rows_skips_repeated_headers_and_flags_long_rows() -> None:
    rows = [["id", "a", "b"], ["1", "x"], ["id", "a", "b"], ["2", "y", "z", "extra"], [], ["3", "q", "r"]]
    raw = RawTable.from_rows(rows, 0, "f.csv")
    assert raw.df["id"].tolist() == ["1", "2", "3"]
    assert raw.df["b"].tolist()[0] is None
    assert raw.rows.tolist() == [1, 3, 5]                       # data-row numbers under the header
    q = raw.quarantine()
    assert q["source_row"].tolist() == [3] and "4 fields but the header has 3" in q["reason"].iloc[0]
    assert raw.bad.tolist() == [False, True, False]


def test_raw_table_converters_quarantine_with_value_and_reason() -> None:
    raw = RawTable.from_records([{"n": "1.2万", "r": "5.4%", "t": "2025-01-01 08:00", "id": "7\t"},
                                 {"n": "lots", "r": "-", "t": "soon", "id": "1.2e+18"}], "f.csv")
    counts, capped = raw.counts("n")
    assert counts.tolist()[0] == 12000 and not capped.any()
    assert raw.floats("r").tolist()[0] == pytest.approx(0.054)
    assert raw.times("t").iloc[0] == pd.Timestamp("2025-01-01 08:00", tz=TZ)
    assert raw.ids("id").tolist()[0] == "7"
    q = raw.quarantine().set_index("column")
    assert set(q.index) == {"n", "t", "id"} and q.loc["n", "value"] == "lots"
    assert json.loads(q.loc["n", "raw"])["n"] == "lots"
    assert raw.bad.tolist() == [False, True]
