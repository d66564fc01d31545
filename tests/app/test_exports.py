"""The Compare page's downloads go through export_comparison: pseudonymised and formula-safe."""

from __future__ import annotations

import io

import pandas as pd

from brandlab.app.compare import export_bytes, side_spec
from brandlab.compare.api import Comparison


def test_comparison_downloads_are_formula_safe_and_pseudonymised() -> None:
    verdict = pd.DataFrame({"comparison_id": ["c1"], "section": ["engagement"], "test": ["=cmd|' /C calc'!A0"],
                            "p_value": [0.5], "warning": ["@SUM(1)"]})
    authors = pd.DataFrame({"author_id": ["12345"], "n": [3]})
    comp = Comparison("c1", "#成都好young#", "kw:火锅", verdict, {"top_authors": authors}, ["+note"])
    csv, xlsx = export_bytes(comp)
    df = pd.read_csv(io.BytesIO(csv), dtype=str, encoding="utf-8-sig")
    assert df["test"].iloc[0].startswith("'=") and df["warning"].iloc[0].startswith("'@")
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None, dtype=str)
    assert sheets["verdict"]["test"].iloc[0].startswith("'=") and sheets["notes"]["note"].iloc[0] == "'+note"
    assert sheets["top_authors"]["author_id"].iloc[0].startswith("u_")


def test_side_spec() -> None:
    assert side_spec("tag", "#成都好young#") == "#成都好young#"
    assert side_spec("kw", "火锅") == "kw:火锅" and side_spec("campaign", " haoyoung ") == "campaign:haoyoung"
    assert side_spec("tag", "  ") == ""
