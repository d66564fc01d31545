"""The outcomes API: run the estimators on an OutcomePanel, and store results in the workspace.

    panel = read_panel("fixtures/demo/outcomes/SYNTHETIC_outcome_panel.csv")
    events = read_events("fixtures/demo/outcomes/SYNTHETIC_policy_events.csv")
    results = estimate(panel, metric="tourist_arrivals", treated="成都", treatment="2023-04", events=events)
    print(results_table(results))
    store(ws, panel, events, results)

A series too short for any counterfactual (fewer than ``MIN_PRE`` periods before the treatment,
e.g. two census points) gets the naive before/after number only, with a warning that no
counterfactual is possible.

Exposure: :func:`store_exposure` writes ``exposure_series`` rows (from :func:`workspace_exposure`
or :func:`brandlab.outcomes.exposure.index_rows`); :func:`link_exposure` aligns them with an
outcome and stores ``exposure_outcome`` and ``exposure_lags``; :func:`demo_exposure` does both for
the demo campaign.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brandlab.errors import FitWarning, InsufficientDataError, format_message
from brandlab.outcomes.bsts import bsts_impact
from brandlab.outcomes.did import difference_in_differences
from brandlab.outcomes.exposure import (
    ALL_CAMPAIGNS,
    ExposureMapping,
    exposure_from_posts,
    exposure_rows,
    read_exposure_mapping,
)
from brandlab.outcomes.its import SEASON_PERIOD, interrupted_time_series
from brandlab.outcomes.linkage import LagSummary, TreatmentSuggestion, align_exposure, link_series, suggest_treatment
from brandlab.outcomes.panel import panel_wide, parse_period
from brandlab.outcomes.result import EstimateResult, flag, make_series, naive_before_after
from brandlab.outcomes.synth import synthetic_control
from brandlab.schema import (
    EXPOSURE_LAG,
    EXPOSURE_OUTCOME,
    EXPOSURE_SERIES,
    OUTCOME_ESTIMATE,
    OUTCOME_PANEL,
    OUTCOME_SERIES,
    POLICY_EVENT,
    validate,
)

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


# ----------------------------------------------------------------------------- exposure


def store_exposure(ws: Any, exposure: pd.DataFrame) -> dict[str, int]:
    """Write ``exposure_series`` rows; each (city, campaign, freq, source) present replaces its stored rows.

    Idempotent: storing the same rows twice leaves the table as after the first time, and a
    recomputation over a shorter range or another half-life leaves no stale periods behind.
    """
    rows = validate(exposure, EXPOSURE_SERIES)
    with ws.transaction():
        ws.ensure_table(EXPOSURE_SERIES)
        for (city, campaign, freq), g in rows.groupby(["city", "campaign", "freq"], sort=False):
            ws.replace(g, EXPOSURE_SERIES, where={"city": city, "campaign": campaign, "freq": freq}, validated=True)
    return {"exposure_series": len(rows)}


def workspace_exposure(ws: Any, mapping: ExposureMapping) -> pd.DataFrame:
    """``exposure_series`` rows from the workspace posts for the campaigns of ``mapping`` (city totals included)."""
    wide = exposure_from_posts(ws.read("posts"), mapping.campaign_city, freq=mapping.freq,
                               city_keywords=mapping.city_keywords or None, kinds=mapping.kinds,
                               campaign_hashtags=mapping.campaign_hashtags or None, totals=True)
    return exposure_rows(wide, half_life=mapping.half_life)


@dataclass
class Linkage:
    """Exposure aligned to an outcome, its lagged-correlation summary, and a suggested treatment date."""

    aligned: pd.DataFrame
    summary: LagSummary | None
    suggestion: TreatmentSuggestion | None
    warnings: list[str] = field(default_factory=list)

    def lag_rows(self) -> pd.DataFrame:
        """The ``exposure_lags`` rows of the summary (empty without one)."""
        if self.summary is None:
            return EXPOSURE_LAG.empty()
        a = self.aligned.iloc[0]
        t = self.summary.table.assign(
            city=a["city"], campaign=a["campaign"], exposure_metric=a["exposure_metric"],
            outcome_metric=a["outcome_metric"], transform=self.summary.transform, p_family=self.summary.p_family,
            best=self.summary.table["lag"] == self.summary.best_lag, warnings=[list(self.warnings)] * len(
                self.summary.table))
        return validate(t[EXPOSURE_LAG.names], EXPOSURE_LAG)


def link_exposure(ws: Any, panel: pd.DataFrame | None = None, *, city: str, metric: str,
                  exposure_metric: str = "posts", campaign: str = ALL_CAMPAIGNS, max_lag: int = 6,
                  transform: str = "diff", n_perm: int = 1999, seed: int = 0, threshold: float = 0.25,
                  store: bool = True) -> Linkage:
    """Align stored exposure with an outcome (``panel``, else the workspace's), summarise lags, store both.

    Too few covered periods for a correlation is not an error: the aligned table is still stored
    for the chart and the summary is None, with the reason in ``warnings``.
    """
    exposure = ws.read("exposure_series", where="city = ? AND metric = ?", params=[city, exposure_metric])
    if panel is None:
        panel = ws.read("outcome_panel", where="city = ? AND metric = ?", params=[city, metric])
    aligned = align_exposure(exposure, panel, city=city, metric=metric, exposure_metric=exposure_metric,
                             campaign=campaign)
    msgs: list[str] = []
    summary = None
    try:
        summary = link_series(aligned, max_lag=max_lag, transform=transform, n_perm=n_perm, seed=seed)
        msgs += summary.warnings
    except InsufficientDataError as err:
        flag(msgs, f"no lagged correlation: {err}", stacklevel=3)
    suggestion = suggest_treatment(aligned, threshold=threshold) if aligned["exposure"].gt(0).any() else None
    link = Linkage(aligned, summary, suggestion, msgs)
    if store:
        store_link(ws, link)
    return link


def store_link(ws: Any, link: Linkage) -> dict[str, int]:
    """Write the aligned table and the lag rows, replacing the stored ones of the same series."""
    a = link.aligned.iloc[0]
    where = {k: a[k] for k in ("city", "campaign", "exposure_metric", "outcome_metric")}
    with ws.transaction():
        n = ws.replace(link.aligned, EXPOSURE_OUTCOME, where=where, validated=True)
        m = ws.replace(link.lag_rows(), EXPOSURE_LAG, where=where, validated=True)
    return {"exposure_outcome": n, "exposure_lags": m}


#: the demo's exposure mapping, beside the demo outcome panel
DEMO_MAPPING = "outcomes/exposure_mapping.yaml"


def demo_exposure(ws: Any, root: Path, *, seed: int = 0) -> dict[str, int]:
    """Exposure of the demo campaigns from the workspace posts, stored and linked to the stored outcome panel.

    Reads ``root / DEMO_MAPPING`` (campaign -> city, hashtags, frequency, half-life and the outcome
    metrics to link). Returns rows written per table. Call after the outcome panel is stored.
    """
    mapping = read_exposure_mapping(Path(root) / DEMO_MAPPING)
    written = store_exposure(ws, workspace_exposure(ws, mapping))
    link = mapping.link
    for city in sorted(set(mapping.campaign_city.values())):
        for metric in link.get("metrics", []):
            if not ws.scalar("SELECT count(*) FROM outcome_panel WHERE city = ? AND metric = ?", [city, metric]):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitWarning)  # kept in the stored rows' warnings column
                result = link_exposure(ws, city=city, metric=metric, exposure_metric=link.get("exposure_metric", "posts"),
                                       max_lag=int(link.get("max_lag", 3)), n_perm=int(link.get("n_perm", 999)),
                                       seed=seed, store=False)
            for table, n in store_link(ws, result).items():
                written[table] = written.get(table, 0) + n
    return written
