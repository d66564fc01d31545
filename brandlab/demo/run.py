"""``brandlab demo``: build a workspace from the SYNTHETIC demo campaign, analyse it, write the report.

Steps: ingest ``fixtures/demo`` (every export folder, not ``outcomes/``), mark the workspace
synthetic with its campaigns, run the analysis stages that exist (a stage not yet built is
skipped with a log line by :mod:`brandlab.pipeline`), load and estimate the demo outcome panel
when present (with the summit event sheet), reproduce the published survey findings on the
SYNTHETIC demo survey, compare the two campaign hashtags, and write the HTML report. Real errors are raised, never swallowed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brandlab.config import Settings
from brandlab.errors import BrandlabError, InsufficientDataError, format_message
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
SURVEY_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "survey"
#: the event sheet of the summit review (red lines), stored as written
SUMMIT_TABLE = "summit_events"
DEFAULT_WORKSPACE = Path(".brandlab") / "demo.duckdb"
#: outcome metric estimated in the demo (the others stay in the panel for the app)
DEMO_METRICS = ("tourist_arrivals", "graduates_retained")
Step = Callable[[str], None]


class DemoError(BrandlabError):
    """The demo fixtures are missing or the demo could not be built."""


@dataclass
class DemoResult:
    workspace: Path
    report: Path | None
    files: int = 0
    quarantined: int = 0
    stages: dict[str, dict[str, int]] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    survey: dict[str, int] = field(default_factory=dict)
    comparison: str | None = None
    seconds: float = 0.0


def demo_dir() -> Path:
    if not (DEMO_DIR / "campaigns.yaml").is_file():
        raise DemoError(format_message(
            f"the demo fixtures are missing: {DEMO_DIR / 'campaigns.yaml'} does not exist",
            fix="run brandlab demo from a clone of the repository (pip install -e .), or regenerate them with "
                "`python -m brandlab.demo.generate fixtures/demo`"))
    return DEMO_DIR


def export_folders(root: Path) -> list[Path]:
    """The demo's export folders (everything but outcomes/ and loose files)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name != "outcomes" and not p.name.startswith("."))


def ingest_demo(ws: Workspace, root: Path, step: Step) -> tuple[int, int]:
    from brandlab.ingest import ingest_paths

    reports = ingest_paths(ws, export_folders(root))
    for r in reports:
        if r.skipped:
            log.info("%s", r.summary())
    files = sum(1 for r in reports if not r.skipped)
    quarantined = sum(c.quarantined for r in reports for c in r.tables.values())
    step(f"ingested {files} files ({ws.count('posts'):,} posts, {quarantined} rows quarantined)")
    return files, quarantined


def mark_synthetic(ws: Workspace, root: Path) -> None:
    from brandlab.report.queries import write_meta

    cfg = yaml.safe_load((root / "campaigns.yaml").read_text(encoding="utf-8"))
    write_meta(ws, {"synthetic": True, "source": "fixtures/demo", "city": cfg.get("city"),
                    "campaigns": cfg.get("campaigns", []), "events": cfg.get("events", [])})


def analyse(ws: Workspace, settings: Settings, step: Step) -> dict[str, dict[str, int]]:
    from brandlab.pipeline import ANALYSIS_STAGES, analyze, available_stages

    have = {name for name, _ in available_stages()}
    for name, mod in ANALYSIS_STAGES:
        if name not in have:
            step(f"skipping stage {name}: {mod} is not available yet")
    results = analyze(ws, settings)
    for name, tables in results.items():
        step(f"stage {name}: " + ", ".join(f"{t} {n:,}" for t, n in tables.items()))
    return results


def load_outcomes(ws: Workspace, root: Path, settings: Settings, step: Step) -> dict[str, int]:
    folder = root / "outcomes"
    panel_file, events_file = folder / "SYNTHETIC_outcome_panel.csv", folder / "SYNTHETIC_policy_events.csv"
    if not panel_file.is_file():
        step("skipping outcomes: fixtures/demo/outcomes has no outcome panel yet")
        return {}
    try:
        from brandlab.outcomes.api import demo_exposure, estimate, store
        from brandlab.outcomes.panel import read_events, read_panel
    except ImportError as err:
        step(f"skipping outcomes: brandlab.outcomes is not available yet ({err})")
        return {}
    panel = read_panel(panel_file)
    events = read_events(events_file) if events_file.is_file() else None
    cfg = yaml.safe_load((root / "campaigns.yaml").read_text(encoding="utf-8"))
    start = min(c["start"] for c in cfg["campaigns"])[:7]
    results = []
    for metric in DEMO_METRICS:
        if metric not in set(panel["metric"]):
            continue
        try:
            results += estimate(panel, metric=metric, treated=cfg["city"], treatment=start, events=events,
                                seed=settings.seed)
        except InsufficientDataError as err:
            step(f"outcomes {metric}: {err}")
    written = store(ws, panel, events, results)
    written.update(demo_exposure(ws, root, seed=settings.seed))  # exposure_series/_outcome/_lags
    summit = folder / "SYNTHETIC_summit_events.csv"
    if summit.is_file():
        from brandlab.outcomes.summit import read_event_sheet

        sheet = read_event_sheet(summit)
        ws.write_frame(SUMMIT_TABLE, sheet)
        written[SUMMIT_TABLE] = len(sheet)
    step("outcomes: " + ", ".join(f"{t} {n:,}" for t, n in written.items()))
    return written


def load_survey(ws: Workspace, settings: Settings, step: Step) -> dict[str, int]:
    """Reproduce the published findings on the SYNTHETIC demo survey (fixtures/survey) into the workspace."""
    survey, mapping = SURVEY_DIR / "demo_survey_SYNTHETIC_wjx.xlsx", SURVEY_DIR / "mapping.yaml"
    if not survey.is_file() or not mapping.is_file():
        step(f"skipping the survey: {survey} is missing")
        return {}
    import warnings

    from brandlab import survey as sv
    from brandlab.errors import SmallSampleWarning

    data = sv.read_survey(survey, mapping, settings=settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)  # small groups are reported in the verdict table
        written = sv.write_results(ws, sv.analyze_survey(data, settings))
    step("survey: " + ", ".join(f"{t} {n:,}" for t, n in written.items()))
    return written


def compare_campaigns(ws: Workspace, root: Path, settings: Settings, step: Step) -> str | None:
    """Compare the demo's first two campaign hashtags and store the comparison (for the app and report)."""
    cfg = yaml.safe_load((root / "campaigns.yaml").read_text(encoding="utf-8"))
    tags = [c["hashtag"] for c in cfg.get("campaigns", []) if c.get("hashtag")][:2]
    if len(tags) < 2:
        return None
    import warnings

    from brandlab.compare.api import compare_sides
    from brandlab.compare.store import store_comparison
    from brandlab.errors import SmallSampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)  # flagged in the verdict's warning column
        comp = compare_sides(ws, f"#{tags[0]}#", f"#{tags[1]}#", settings=settings)
    store_comparison(ws, comp)
    step(f"comparison {comp.side_a} vs {comp.side_b}: {len(comp.verdict)} tests ({comp.comparison_id})")
    return comp.comparison_id


def build_demo(settings: Settings, *, workspace: Path | None = None, report: Path | None = None,
               fresh: bool = True, step: Step | None = None) -> DemoResult:
    """Build (``fresh``: from scratch) the demo workspace and write the HTML report."""
    from brandlab.report.render import write_report

    say: Step = step or (lambda msg: log.info("%s", msg))
    t0 = time.perf_counter()
    root = demo_dir()
    path = Path(workspace or DEFAULT_WORKSPACE)
    if fresh:
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
    result = DemoResult(path, None)
    with Workspace(path) as ws:
        result.files, result.quarantined = ingest_demo(ws, root, say)
        mark_synthetic(ws, root)
        result.stages = analyse(ws, settings, say)
        result.outcomes = load_outcomes(ws, root, settings, say)
        result.survey = load_survey(ws, settings, say)
        result.comparison = compare_campaigns(ws, root, settings, say)
        out = Path(report) if report else path.with_name("demo-report.html")
        result.report = write_report(ws, settings.with_(workspace=path), out)
        say(f"wrote report {result.report}")
    result.seconds = time.perf_counter() - t0
    return result


def serve(workspace: Path, *, port: int = 8501, open_browser: bool = True) -> int:
    """Run ``streamlit run app.py`` on localhost against ``workspace`` until interrupted."""
    import os
    import subprocess
    import sys

    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.is_file():
        raise DemoError(format_message(f"{app} is missing", fix="run brandlab demo from a clone of the repository"))
    env = {**os.environ, "BRANDLAB_WORKSPACE": str(Path(workspace).resolve())}
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", "localhost",
           "--server.port", str(port), "--server.headless", "false" if open_browser else "true",
           "--browser.gatherUsageStats", "false"]
    return subprocess.call(cmd, env=env)


def summary(result: DemoResult) -> dict[str, Any]:
    return {"workspace": str(result.workspace), "report": str(result.report), "files": result.files,
            "quarantined": result.quarantined, "stages": list(result.stages), "seconds": round(result.seconds, 1)}
