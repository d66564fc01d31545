"""The only place that knows the order of the stages.

``analyze`` runs, over a workspace that ingest has filled, each analysis stage in turn. A
stage is a module with ``run(ws, settings, *, on_progress=None) -> dict[str, int]`` that reads
the tables it needs from the workspace, writes its result tables back and returns
``{table_name: rows_written}``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from brandlab.config import Settings
from brandlab.workspace import Workspace

if TYPE_CHECKING:
    from brandlab.engine import Engine

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: (stage name, module) in the order they run
ANALYSIS_STAGES: tuple[tuple[str, str], ...] = (
    ("text", "brandlab.nlp.stage"),            # cleaning, segmentation, taxonomy, keywords, generation
    ("sentiment", "brandlab.nlp.sentiment_stage"),
    ("network", "brandlab.network.stage"),     # graphs, cascades, influence, roles
    ("triad", "brandlab.triad_stage"),         # triad scores (needs text, sentiment, network)
)


def available_stages() -> list[tuple[str, str]]:
    """Stages whose module is importable (a stage not yet built is skipped with a log line)."""
    out = []
    for name, mod in ANALYSIS_STAGES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as err:
            if err.name and mod.startswith(err.name):
                log.warning("stage %s is not available (%s)", name, err)
                continue
            raise
        out.append((name, mod))
    return out


def analyze(ws: Workspace, settings: Settings, *, stages: list[str] | None = None,
            on_stage: Callable[[str], Progress | None] | None = None,
            engine: Engine | None = None) -> dict[str, dict[str, int]]:
    """Run the analysis stages in order; ``stages`` restricts to those names (order kept).

    ``engine`` runs the per-post parts of the stages that support it (see :mod:`brandlab.engine`);
    without one, ``settings.engine`` decides and an engine is opened for this call.
    """
    from brandlab.engine import open_engine, stage_kwargs

    if engine is None:
        with open_engine(settings) as opened:
            return analyze(ws, settings, stages=stages, on_stage=on_stage, engine=opened)
    results: dict[str, dict[str, int]] = {}
    for name, mod in available_stages():
        if stages is not None and name not in stages:
            continue
        progress = on_stage(name) if on_stage else None
        module = importlib.import_module(mod)
        log.info("running stage %s on the %s engine", name, engine.name)
        results[name] = module.run(ws, settings, on_progress=progress, **stage_kwargs(module, engine, settings))
    return results
