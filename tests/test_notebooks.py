"""The notebooks in notebooks/ execute without error and produce their key tables.

Each notebook writes its key tables as CSV to ``BRANDLAB_NB_OUT``; the tests read them back
and check them, and check that the tagged output cells exist and have output.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"


def run_notebook(name: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    monkeypatch.setenv("BRANDLAB_NB_OUT", str(out))
    monkeypatch.setenv("BRANDLAB_NB_N_BOOT", "200")
    nb = nbformat.read(NB / name, as_version=4)
    # the kernel inherits os.environ (monkeypatched above)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NB)}}).execute()
    return nb


def tagged(nb: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, tag
    assert cells[0].outputs, f"cell {tag!r} has no output"
    assert not [o for o in cells[0].outputs if o.output_type == "error"]
    return cells[0]


@pytest.mark.slow
def test_survey_reproduction_notebook(tmp_path, monkeypatch):
    nb = run_notebook("01_survey_reproduction.ipynb", tmp_path, monkeypatch)
    for tag in ("quarantine", "shares", "differences", "traits", "verdicts"):
        tagged(nb, tag)
    assert "SYNTHETIC" in nb.cells[0].source and "only on real respondents" in nb.cells[0].source
    v = pd.read_csv(tmp_path / "verdicts.csv").set_index("finding_id")
    assert len(v) == 9
    assert v.loc["channel_x", "verdict"] == "insufficient data" and v.loc["attention_x", "verdict"] == "insufficient data"
    assert v.loc["channel_z", "verdict"] == "reproduced"
    assert v.loc["migration_interest", "verdict"] in ("partly", "reproduced")
    q = pd.read_csv(tmp_path / "quarantine.csv", dtype=str)
    assert sorted(q["value"]) == ["19", "3000", "九五年"]
    s = pd.read_csv(tmp_path / "shares.csv")
    z = s[(s.concept == "channel") & (s.generation == "Z")].set_index("item")
    assert z.loc["short_video", "rank"] == 1 and 0 <= z.loc["short_video", "ci_low"] <= z.loc["short_video", "share"]


@pytest.mark.slow
def test_social_analogue_notebook(tmp_path, monkeypatch):
    nb = run_notebook("02_social_analogue.ipynb", tmp_path, monkeypatch)
    for tag in ("caveat", "workspace", "post_shares", "side_by_side", "channels"):
        tagged(nb, tag)
    caveat = "".join(o.get("text", "") for o in tagged(nb, "caveat").outputs)
    assert "cannot show how people *learn about* a city" in caveat
    ps = pd.read_csv(tmp_path / "post_shares.csv")
    assert set(ps["facet"]) == {"dimension", "trait"}
    z = ps[(ps.generation == "Z") & (ps.facet == "dimension")]
    assert z["n_authors"].iloc[0] > 0 and z["share"].between(0, 1).all()
    att = pd.read_csv(tmp_path / "side_by_side_attention.csv")
    assert {"survey_share", "post_share"} <= set(att.columns)
    row = att[(att.generation == "Z") & (att["item"] == "nature_culture")]
    assert len(row) == 1 and row["survey_share"].notna().all() and row["post_share"].notna().all()
