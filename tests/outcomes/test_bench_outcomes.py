"""The outcomes benchmark runs and times every estimator beside its baseline in the same run."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandlab.bench import BENCHES, load_all


@pytest.mark.slow
def test_outcomes_bench_rows(tmp_path: Path) -> None:
    load_all()
    rows = {r.stage: r for r in BENCHES["outcomes"](0, tmp_path)}
    assert {"outcomes.synth", "outcomes.did", "outcomes.bsts", "outcomes.its", "outcomes.link"} <= set(rows)
    for stage in ("outcomes.did", "outcomes.its"):
        assert rows[stage].baseline_seconds is not None and rows[stage].ratio is not None
    assert rows["outcomes.did"].extra["beta_gap"] < 1e-6          # same TWFE estimate as statsmodels OLS
    synth = rows["outcomes.synth"]
    if synth.baseline is not None:                                # pysyncon installed: our fit is no worse
        assert synth.extra["rmspe_ours"] <= synth.extra["rmspe_pysyncon"] * 1.001
