"""Published findings as data: load and check a findings YAML (default: the BCG × Douyin 2020 study)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from brandlab.errors import ExportFormatError, format_message

DATA = Path(__file__).parent / "data"
DEFAULT_FINDINGS = DATA / "findings_bcg_douyin_2020.yaml"
KINDS = ("top3", "share_gt")


@dataclass(frozen=True)
class Finding:
    id: str
    concept: str
    generation: str
    kind: str
    text: str
    items: tuple[str, ...] = ()
    ordered: bool = True
    item: str | None = None
    threshold: float | None = None
    among: tuple[str, str] | None = None   # (concept, item)

    @property
    def published(self) -> str:
        if self.kind == "top3":
            sep = " > " if self.ordered else ", "
            return f"top 3: {sep.join(self.items)}"
        return f"share({self.item}) > {self.threshold:.0%}" if self.threshold is not None else ""


@dataclass(frozen=True)
class Findings:
    source: dict[str, Any]
    findings: tuple[Finding, ...]

    @property
    def citation(self) -> str:
        s = self.source
        return f"{s.get('publisher', '')}, {s.get('title', '')} ({s.get('fielded', '')}; {s.get('sample', '')})"


def _bad(path: str, what: str, found: Any) -> ExportFormatError:
    return ExportFormatError(format_message(f"findings file {path!r}: {what}", found=found,
                                            fix="see brandlab/survey/data/findings_bcg_douyin_2020.yaml for the layout"),
                             path=path)


def parse_findings(data: Any, path: str = "<findings>") -> Findings:
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise _bad(path, "has no 'findings' list", type(data).__name__)
    out = []
    for i, f in enumerate(data["findings"]):
        missing = [k for k in ("id", "concept", "generation", "kind") if k not in f]
        if missing:
            raise _bad(path, f"findings[{i}] lacks {missing}", sorted(f))
        kind = str(f["kind"])
        if kind not in KINDS:
            raise _bad(path, f"findings[{i}].kind must be one of {list(KINDS)}", kind)
        if kind == "top3" and len(f.get("items") or []) != 3:
            raise _bad(path, f"findings[{i}] (top3) needs exactly three items", f.get("items"))
        if kind == "share_gt" and (f.get("item") is None or f.get("threshold") is None):
            raise _bad(path, f"findings[{i}] (share_gt) needs item and threshold", f)
        among = f.get("among")
        out.append(Finding(
            id=str(f["id"]), concept=str(f["concept"]), generation=str(f["generation"]), kind=kind,
            text=str(f.get("text", "")), items=tuple(str(x) for x in f.get("items") or ()),
            ordered=bool(f.get("ordered", True)), item=str(f["item"]) if f.get("item") is not None else None,
            threshold=float(f["threshold"]) if f.get("threshold") is not None else None,
            among=(str(among["concept"]), str(among["item"])) if among else None))
    ids = [f.id for f in out]
    if len(set(ids)) != len(ids):
        raise _bad(path, "finding ids repeat", ids)
    return Findings(dict(data.get("source") or {}), tuple(out))


def load_findings(path: str | Path | None = None) -> Findings:
    """Read a findings YAML (default: the shipped BCG × Douyin 2020 findings)."""
    p = Path(path) if path is not None else DEFAULT_FINDINGS
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ExportFormatError(format_message(f"cannot read findings file {str(p)!r}: {err}",
                                               fix="check the path"), path=str(p)) from err
    return parse_findings(data, str(p))
