"""The outcomes API: run the estimators on an OutcomePanel, and store results in the workspace.

    panel = read_panel("fixtures/demo/outcomes/SYNTHETIC_outcome_panel.csv")
    events = read_events("fixtures/demo/outcomes/SYNTHETIC_policy_events.csv")
    results = estimate(panel, metric="tourist_arrivals", treated="成都", treatment="2023-04", events=events)
    print(results_table(results))
    store(ws, panel, events, results)

A series too short for any counterfactual (fewer than ``MIN_PRE`` periods before the treatment,
e.g. two census points) gets the naive before/after number only, with a warning that no
counterfactual is possible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brandlab.errors import InsufficientDataError, format_message
from brandlab.outcomes.bsts import bsts_impact
from brandlab.outcomes.did import difference_in_differences
from brandlab.outcomes.its import SEASON_PERIOD, interrupted_time_series
from brandlab.outcomes.panel import panel_wide, parse_period
from brandlab.outcomes.result import EstimateResult, flag, make_series, naive_before_after
from brandlab.outcomes.synth import synthetic_control
from brandlab.schema import OUTCOME_ESTIMATE, OUTCOME_PANEL, OUTCOME_SERIES, POLICY_EVENT, validate

ESTIMATORS = ("synth", "did", "bsts", "its")
#: fewest pre-treatment periods for which a counterfactual is attempted
MIN_PRE = 4


def _window(panel: pd.DataFrame, metric: str, treated: str, donors: Sequence[str] | None,
            start: Any, end: Any) -> pd.DataFrame:
    wide = panel_wide(panel, metric)
    if wide.empty:
        raise InsufficientDataError(format_message(
            f"no rows for metric {metric!r} in the outcome panel",
            expected=f"one of {sorted(panel['metric'].unique())[:10]}", fix="pick a metric the panel has"))
    if treated not in wide.columns:
        raise InsufficientDataError(format_message(
            f"treated city {treated!r} has no {metric!r} data", expected=f"one of {list(wide.columns)[:12]}",
            fix="check the city name (e.g. 成都, not 成都市) or add its data"))
    if start is not None:
        wide = wide[wide.index >= parse_period(start)[0]]
    if end is not None:
        wide = wide[wide.index <= parse_period(end)[0]]
    wide = wide[wide[treated].notna()]
    cols = [treated, *[c for c in (donors or wide.columns) if c != treated]]
    unknown = [c for c in cols if c not in wide.columns]
    if unknown:
        raise InsufficientDataError(format_message(
            f"comparison cities {unknown} have no {metric!r} data", fix="drop them from donors= or add their data"))
    return wide[cols]


def _check_donors(wide: pd.DataFrame, metric: str, treated: str) -> None:
    gaps = {c: [str(p.date()) for p in wide.index[wide[c].isna()][:3]] for c in wide.columns if wide[c].isna().any()}
    if gaps:
        raise InsufficientDataError(format_message(
            f"missing donor data for {metric!r} inside the estimation window of {treated}",
            expected="every comparison city observed in every period the treated city is",
            found=f"gaps (first periods) {gaps}",
            fix="fill the gaps, narrow the window with start=/end=, or leave those cities out with donors=[...]"))


def naive_only(wide: pd.DataFrame, metric: str, treated: str, treatment: pd.Timestamp) -> EstimateResult:
    """The before/after change of the treated city, flagged: no counterfactual from so few points."""
    y = wide[treated].to_numpy(float)
    pre = wide.index < treatment
    if pre.sum() < 1 or (~pre).sum() < 1:
        raise InsufficientDataError(format_message(
            f"{treated} has no {metric!r} data on both sides of {treatment.date()}",
            found=f"periods {[str(p.date()) for p in wide.index]}", fix="move the treatment date between periods"))
    naive, rel = naive_before_after(y[pre], y[~pre])
    msgs: list[str] = []
    flag(msgs, f"naive: only {len(y)} time point(s) ({int(pre.sum())} before the treatment); no counterfactual "
               "is possible, so this is a before/after change, not an effect of the campaign — other causes "
               "(policy, economy, the trend) are not separated", stacklevel=4)
    return EstimateResult(
        estimator="naive", metric=metric, treated=treated, treatment_time=treatment, effect=float("nan"),
        lo=float("nan"), hi=float("nan"), relative_effect=float("nan"), p_value=None, pre_rmspe=float("nan"),
        pre_r2=float("nan"), naive_effect=naive, naive_relative=rel, n_pre=int(pre.sum()), n_post=int((~pre).sum()),
        warnings=msgs, details={"periods": [str(p.date()) for p in wide.index]},
        series=make_series(wide.index, y, np.full(len(y), np.nan)))


def estimate(panel: pd.DataFrame, *, metric: str, treated: str, treatment: Any,
             estimators: Sequence[str] = ESTIMATORS, donors: Sequence[str] | None = None,
             events: pd.DataFrame | None = None, start: Any = None, end: Any = None,
             offset_metric: str | None = None, seed: int = 0, placebo: bool = True,
             on_progress: Callable[[int, int], None] | None = None) -> list[EstimateResult]:
    """Run the chosen estimators for ``treated`` from ``treatment`` on one metric of the panel."""
    unknown = [e for e in estimators if e not in ESTIMATORS]
    if unknown:
        raise ValueError(f"unknown estimator(s) {unknown}; choose from {list(ESTIMATORS)}")
    t0 = parse_period(treatment)[0]
    wide = _window(panel, metric, treated, donors, start, end)
    if (wide.index < t0).sum() < MIN_PRE:
        return [naive_only(wide[[treated]], metric, treated, t0)]
    _check_donors(wide, metric, treated)
    freq = str(panel.loc[panel["metric"] == metric, "freq"].iloc[0])
    periods = wide.index
    long = wide.reset_index().melt(id_vars="period", var_name="city", value_name="value")
    controls = [c for c in wide.columns if c != treated]
    season = SEASON_PERIOD.get(freq)
    position = {"M": periods.month, "Q": periods.quarter, "W": periods.isocalendar().week.to_numpy(),
                "D": periods.day_of_week}.get(freq)
    results: list[EstimateResult] = []
    for i, name in enumerate(estimators):
        if name == "synth":
            r = synthetic_control(long, unit="city", time="period", outcome="value", treated=treated,
                                  treatment_time=t0, donors=controls, placebo=placebo, events=events, metric=metric)
        elif name == "did":
            r = difference_in_differences(long, unit="city", time="period", outcome="value", treated=treated,
                                          treatment_time=t0, controls=controls, events=events, metric=metric)
        elif name == "bsts":
            r = bsts_impact(wide[treated].to_numpy(float), periods=periods, treatment_time=t0,
                            covariates=wide[controls], treated=treated, metric=metric, events=events, seed=seed)
        else:
            offset = None
            if offset_metric:
                off = _window(panel, offset_metric, treated, [], None, None)[treated].reindex(periods)
                if off.isna().any():
                    raise InsufficientDataError(format_message(
                        f"offset metric {offset_metric!r} does not cover every period of {metric!r} for {treated}",
                        fix="fill it or pick another offset"))
                offset = off.to_numpy(float)
            r = interrupted_time_series(wide[treated].to_numpy(float), periods=periods, treatment_time=t0,
                                        offset=offset, season=None if position is None else np.asarray(position),
                                        season_period=season, treated=treated, metric=metric, events=events,
                                        seed=seed)
        results.append(r)
        if on_progress:
            on_progress(i + 1, len(estimators))
    return results


def store(ws: Any, panel: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
          results: Sequence[EstimateResult] = ()) -> dict[str, int]:
    """Write the panel, events, estimates and plot series into the workspace (idempotent upserts)."""
    written: dict[str, int] = {}
    with ws.transaction():
        if panel is not None:
            written["outcome_panel"] = ws.upsert(validate(panel, OUTCOME_PANEL), OUTCOME_PANEL, validated=True)
        if events is not None:
            written["policy_events"] = ws.upsert(validate(events, POLICY_EVENT), POLICY_EVENT, validated=True)
        if results:
            now = pd.Timestamp.now(tz="Asia/Shanghai")
            est = pd.DataFrame([{**r.to_row(), "created_at": now} for r in results])
            written["outcome_estimates"] = ws.upsert(est, OUTCOME_ESTIMATE)
            ser = pd.concat([r.series_rows() for r in results], ignore_index=True)
            written["outcome_series"] = ws.upsert(ser[OUTCOME_SERIES.names], OUTCOME_SERIES)
    return written
