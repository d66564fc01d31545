"""The small app fixes the browser tests asked for: compact KPI numbers, the ingest log as shown, a network
layout that depends only on the edges and the seed, Chinese placeholders, and a message when 导入 finds nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from brandlab.app.data import file_names, log_view
from brandlab.app.pages import network_layout
from brandlab.privacy import pseudonym
from brandlab.report.labels import compact_number


@pytest.mark.parametrize("value, zh, en", [
    (0, "0", "0"), (638, "638", "638"), (99_999, "99,999", "99,999"), (163_000, "16.3万", "163K"),
    (16_303_566, "1,630万", "16.3M"), (163_035_660, "1.63亿", "163M"), (999_999, "100万", "1M"),
    (99_999_999, "1亿", "100M"), (1_630_356_600, "16.3亿", "1.63B")])
def test_compact_number(value: int, zh: str, en: str) -> None:
    assert (compact_number(value, "zh"), compact_number(value, "en")) == (zh, en)


def test_log_view_shows_file_names_newest_first() -> None:
    log = pd.DataFrame({"source_file": ["/srv/ws/uploads/a.jsonl", "C:\\exports\\b.csv", "/srv/ws/uploads/c.csv"],
                        "finished_at": pd.to_datetime(["2026-01-01 10:00", "2026-01-03 10:00", "2026-01-02 10:00"])})
    shown = log_view(log)
    assert list(shown["source_file"]) == ["b.csv", "c.csv", "a.jsonl"]
    assert list(log["source_file"])[0] == "/srv/ws/uploads/a.jsonl"  # input not mutated
    assert file_names(pd.Series([None, "x/y.csv"], dtype="string")).tolist()[1] == "y.csv"


def _edges(n: int = 60) -> pd.DataFrame:
    src = [str(1000 + i % 17) for i in range(n)]
    dst = [str(2000 + (i * 7) % 29) for i in range(n)]
    return pd.DataFrame({"src": src, "dst": dst})


def test_network_layout_depends_only_on_edges_and_seed() -> None:
    edges = _edges()
    shuffled = edges.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a, _ = network_layout(edges, lambda v: str(pseudonym(v, "salt-1")))
    b, _ = network_layout(shuffled, lambda v: str(pseudonym(v, "another salt")))
    pd.testing.assert_frame_equal(a.drop(columns="label"), b.drop(columns="label"))
    assert a["label"].str.fullmatch(r"u_[0-9a-f]{8} \(\d+\)").all()
    assert not a["label"].str.contains("1000").any()  # raw ids stay off the chart
    c, _ = network_layout(edges, str, seed=8)
    assert not c[["x", "y"]].equals(a[["x", "y"]])


def test_network_layout_keeps_the_busiest_nodes() -> None:
    nodes, shown = network_layout(_edges(), str, max_nodes=5)
    assert len(nodes) == 5 and set(shown["src"]) | set(shown["dst"]) <= set(nodes["node"])


def _data_page(ws: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BRANDLAB_WORKSPACE", str(ws))
    at = AppTest.from_string("from brandlab.app import data\ndata.render()", default_timeout=120)
    at.session_state["lang"] = "zh"
    return at.run()


def test_ingest_with_nothing_chosen_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _data_page(tmp_path / "ws.duckdb", monkeypatch)
    assert [m.placeholder for m in at.multiselect if m.key == "f_platforms"] == ["请选择"]
    at.button(key="ingest_button").click().run()
    assert not at.exception
    assert any("没有可导入的文件" in w.value for w in at.warning)
