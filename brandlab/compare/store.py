"""Store a comparison in the workspace and export it as CSV/XLSX (formula-safe, pseudonymised)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from brandlab.compare.api import Comparison
from brandlab.privacy import pseudonymise, safe_frame
from brandlab.schema import COMPARISON_DETAIL, COMPARISON_VERDICT
from brandlab.workspace import Workspace


def store_comparison(ws: Workspace, comp: Comparison) -> None:
    """Write (replacing any earlier run of the same comparison) the verdict and its details."""
    verdict = comp.verdict.assign(side_a=comp.side_a, side_b=comp.side_b)
    details = [{"comparison_id": comp.comparison_id, "name": name,
                "data": df.to_json(orient="records", force_ascii=False)} for name, df in comp.details.items()]
    details.append({"comparison_id": comp.comparison_id, "name": "notes",
                    "data": json.dumps([{"note": n} for n in comp.notes], ensure_ascii=False)})
    with ws.transaction():
        ws.replace(verdict, COMPARISON_VERDICT, where={"comparison_id": comp.comparison_id})
        ws.replace(pd.DataFrame(details), COMPARISON_DETAIL, where={"comparison_id": comp.comparison_id})


def load_comparison(ws: Workspace, comparison_id: str) -> Comparison:
    verdict = ws.read("comparison_verdict", "comparison_id = ?", [comparison_id])
    det = ws.read("comparison_detail", "comparison_id = ?", [comparison_id])
    details = {r.name: pd.read_json(io.StringIO(r.data), orient="records")
               for r in det.itertuples() if r.name != "notes"}
    notes_rows = det[det["name"] == "notes"]["data"]
    notes = [n["note"] for n in json.loads(notes_rows.iloc[0])] if len(notes_rows) else []
    a = str(verdict["side_a"].iloc[0]) if len(verdict) else ""
    b = str(verdict["side_b"].iloc[0]) if len(verdict) else ""
    return Comparison(comparison_id, a, b, verdict, details, notes)


def export_comparison(comp: Comparison, out_dir: Path, *, pseudonymised: bool = True,
                      salt: str = "brandlab") -> list[Path]:
    """Write verdict.csv, one CSV per detail table and comparison.xlsx with a sheet each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {"verdict": comp.verdict, **comp.details,
              "notes": pd.DataFrame({"note": comp.notes})}
    paths = []
    xlsx = out_dir / f"comparison_{comp.comparison_id}.xlsx"
    with pd.ExcelWriter(xlsx, engine="xlsxwriter") as xw:
        for name, df in frames.items():
            df = pseudonymise(df, salt=salt) if pseudonymised else df
            df = safe_frame(df)
            p = out_dir / f"{name}.csv"
            df.to_csv(p, index=False, encoding="utf-8-sig")
            paths.append(p)
            df.to_excel(xw, sheet_name=name[:31], index=False)
    paths.append(xlsx)
    return paths
