"""Difference-in-differences with two-way fixed effects, and an event study with leads and lags.

``y_it = α_i + γ_t + β·D_it + ε_it`` by statsmodels OLS on unit and period dummies, standard
errors clustered by unit. β is the average post-period effect on the treated.

Cluster-robust standard errors are trustworthy only with many treated clusters: with one or a few
treated units they understate uncertainty badly (Conley & Taber 2011; MacKinnon & Webb 2017).
So when fewer than ``MIN_TREATED_CLUSTERS`` units are treated, the p-value and interval come from
placebo-in-space permutation instead: each control unit in turn is assigned the treatment, and
the treated estimate is ranked among the placebo estimates (Conley-Taber interval from the
placebo distribution). The result says which inference it used in ``details['inference']``.

The event study replaces ``D`` by relative-period dummies (leads ``-leads..-2``, lags ``0..lags``,
period −1 the reference, endpoints binned); a joint test of the leads checks parallel pre-trends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from brandlab.errors import InsufficientDataError, format_message
from brandlab.outcomes.result import (
    EstimateResult,
    check_events,
    check_fit,
    fit_stats,
    flag,
    make_series,
    naive_before_after,
)

#: below this many treated units, inference is by placebo-in-space permutation
MIN_TREATED_CLUSTERS = 10


def _design(units: np.ndarray, times: np.ndarray, extra: pd.DataFrame) -> pd.DataFrame:
    ud = pd.get_dummies(pd.Categorical(units), prefix="u", drop_first=True, dtype=float)
    td = pd.get_dummies(pd.Categorical(times), prefix="t", drop_first=True, dtype=float)
    x = pd.concat([extra.reset_index(drop=True), ud, td], axis=1)
    x.insert(0, "const", 1.0)
    return x


def _within(y: np.ndarray, ui: np.ndarray, ti: np.ndarray) -> np.ndarray:
    """Two-way demeaning (exact for a balanced panel); ``ui``/``ti`` are integer codes."""
    um = np.bincount(ui, y) / np.bincount(ui)
    tm = np.bincount(ti, y) / np.bincount(ti)
    return np.asarray(y - um[ui] - tm[ti] + y.mean())


def _placebo_betas(y: np.ndarray, units: np.ndarray, times: np.ndarray, post: np.ndarray,
                   controls: Sequence[str]) -> np.ndarray:
    """The DiD estimate with each control unit in turn as the (only) treated unit, treated excluded."""
    ui, ti = pd.factorize(units)[0], pd.factorize(times)[0]
    yt = _within(y, ui, ti)
    out = []
    for c in controls:
        d = ((units == c) & post).astype(float)
        dt = _within(d, ui, ti)
        out.append(float(dt @ yt / (dt @ dt)))
    return np.asarray(out)


def difference_in_differences(data: pd.DataFrame, *, unit: str, time: str, outcome: str,
                              treated: str | Sequence[str], treatment_time: Any,
                              controls: Sequence[str] | None = None, leads: int = 4, lags: int = 4,
                              event_study: bool = True, events: pd.DataFrame | None = None,
                              metric: str | None = None, alpha: float = 0.05) -> EstimateResult:
    """Two-way fixed-effects DiD of ``treated`` from ``treatment_time`` against ``controls``."""
    treated_units = [treated] if isinstance(treated, str) else [str(t) for t in treated]
    data = data.assign(**{unit: data[unit].astype(str)})
    all_units = [str(u) for u in pd.unique(data[unit])]
    missing = [t for t in treated_units if t not in all_units]
    if missing:
        raise InsufficientDataError(format_message(
            f"difference-in-differences: treated unit(s) {missing} not in the data",
            expected=f"units among {all_units[:12]}", fix="check the spelling of the treated city"))
    controls = [c for c in (controls or all_units) if c not in treated_units]
    if not controls:
        raise InsufficientDataError(format_message(
            "difference-in-differences needs at least one control unit", found="none",
            fix="add comparison cities to the outcome panel"))
    df = data[data[unit].isin([*treated_units, *controls])][[unit, time, outcome]].dropna()
    counts = df.groupby(unit)[time].nunique()
    if counts.nunique() != 1:
        short = counts[counts < counts.max()].index.tolist()[:5]
        raise InsufficientDataError(format_message(
            "difference-in-differences needs a balanced panel", found=f"units with gaps: {short}",
            fix="fill the gaps or leave those units out with donors=[...]"))
    df = df.sort_values([unit, time]).reset_index(drop=True)
    units, times, y = df[unit].to_numpy(), df[time].to_numpy(), df[outcome].to_numpy(float)
    is_t = np.isin(units, treated_units)
    post = times >= treatment_time
    if post.all() or not post.any():
        raise InsufficientDataError(format_message(
            "difference-in-differences needs periods before and after the treatment",
            found=f"treatment {treatment_time!r} outside {times.min()!r}..{times.max()!r}",
            fix="move the treatment date inside the panel"))
    d = (is_t & post).astype(float)
    x = _design(units, times, pd.DataFrame({"treat_post": d}))
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(units)[0]})
    beta = float(fit.params["treat_post"])
    warnings_: list[str] = []
    details: dict[str, Any] = {"n_treated": len(treated_units), "n_controls": len(controls),
                               "cluster_se": float(fit.bse["treat_post"]),
                               "cluster_p": float(fit.pvalues["treat_post"])}

    rank: int | None = None
    n_pl: int | None = None
    if len(treated_units) >= MIN_TREATED_CLUSTERS:
        lo, hi = (float(v) for v in fit.conf_int(alpha).loc["treat_post"])
        p_value = float(fit.pvalues["treat_post"])
        details["inference"] = "cluster-robust by unit"
    else:
        sub = np.isin(units, controls)
        placebo = _placebo_betas(y[sub], units[sub], times[sub], post[sub], controls)
        if len(treated_units) > 1:  # average of single-unit effects keeps the placebos comparable
            flag(warnings_, f"did: {len(treated_units)} treated units (< {MIN_TREATED_CLUSTERS}); "
                            "placebo inference treats one control at a time, so it is conservative here")
        rank = 1 + int(np.sum(np.abs(placebo) >= abs(beta) - 1e-12))
        n_pl = len(controls) + 1
        p_value = rank / n_pl
        lo = beta - float(np.quantile(placebo, 1 - alpha / 2))
        hi = beta - float(np.quantile(placebo, alpha / 2))
        details["inference"] = f"placebo-in-space permutation over {len(controls)} controls"
        details["placebo_effects"] = dict(zip(controls, map(float, placebo), strict=True))
        if len(controls) + 1 < 1 / alpha:
            flag(warnings_, f"did: only {len(controls)} control units; the smallest attainable p-value "
                            f"is {1 / n_pl:.2f}, so significance at {alpha} is impossible")

    # treated-average actual vs the fixed-effects counterfactual (fitted values with D = 0)
    cf_all = fit.fittedvalues.to_numpy() - beta * d
    per = pd.DataFrame({"t": times, "y": y, "cf": cf_all})[is_t].groupby("t").mean()
    periods = per.index.to_numpy()
    pre_mask = periods < treatment_time
    rmspe, r2 = fit_stats(per["y"].to_numpy()[pre_mask], per["cf"].to_numpy()[pre_mask])
    check_fit(warnings_, "did", per["y"].to_numpy()[pre_mask], rmspe, r2)

    if event_study:
        details["event_study"] = _event_study(df, unit, time, outcome, treated_units, treatment_time,
                                              leads, lags, alpha)
        lead_p = details["event_study"].attrs.get("pretrend_p")
        details["pretrend_p"] = lead_p
        if lead_p is not None and lead_p < alpha and len(treated_units) >= MIN_TREATED_CLUSTERS:
            flag(warnings_, f"did: the leads are jointly non-zero (p = {lead_p:.3f}); parallel pre-trends "
                            "look violated, so the DiD effect is suspect")
    check_events(warnings_, "did", events, [*treated_units, *controls], times.min(), times.max(),
                 treated_units[0])
    naive, naive_rel = naive_before_after(per["y"].to_numpy()[pre_mask], per["y"].to_numpy()[~pre_mask])
    cf_post = float(per["cf"].to_numpy()[~pre_mask].mean())
    band = (per["cf"].to_numpy() + np.where(pre_mask, np.nan, beta - hi),
            per["cf"].to_numpy() + np.where(pre_mask, np.nan, beta - lo))
    return EstimateResult(
        estimator="did", metric=metric or outcome, treated=",".join(treated_units), treatment_time=treatment_time,
        effect=beta, lo=lo, hi=hi, relative_effect=beta / cf_post if cf_post else float("nan"),
        p_value=p_value, placebo_rank=rank, n_placebos=n_pl, pre_rmspe=rmspe, pre_r2=r2,
        naive_effect=naive, naive_relative=naive_rel, n_pre=int(pre_mask.sum()), n_post=int((~pre_mask).sum()),
        alpha=alpha, warnings=warnings_, details=details,
        series=make_series(periods, per["y"].to_numpy(), per["cf"].to_numpy(), *band))


def _event_study(df: pd.DataFrame, unit: str, time: str, outcome: str, treated: list[str],
                 treatment_time: Any, leads: int, lags: int, alpha: float) -> pd.DataFrame:
    """Lead/lag coefficients relative to period −1, endpoints binned, cluster-robust by unit."""
    periods = np.sort(df[time].unique())
    t0 = int(np.sum(pd.Index(periods) < treatment_time))
    idx = {p: i for i, p in enumerate(periods)}
    rel = df[time].map(idx).to_numpy() - t0
    rel = np.clip(rel, -leads, lags)
    is_t = df[unit].isin(treated).to_numpy()
    cols = {}
    for k in range(-leads, lags + 1):
        if k == -1:
            continue
        cols[f"rel_{k}"] = ((rel == k) & is_t).astype(float)
    extra = pd.DataFrame(cols)
    extra = extra.loc[:, extra.sum() > 0]
    x = _design(df[unit].to_numpy(), df[time].to_numpy(), extra)
    units = pd.factorize(df[unit])[0]
    fit = sm.OLS(df[outcome].to_numpy(float), x).fit(cov_type="cluster", cov_kwds={"groups": units})
    ci = fit.conf_int(alpha)
    out = pd.DataFrame({"rel_period": [int(c.split("_")[1]) for c in extra.columns],
                        "coef": [float(fit.params[c]) for c in extra.columns],
                        "lo": [float(ci.loc[c, 0]) for c in extra.columns],
                        "hi": [float(ci.loc[c, 1]) for c in extra.columns]})
    lead_cols = [c for c in extra.columns if int(c.split("_")[1]) < -1]
    if lead_cols:
        r = np.zeros((len(lead_cols), len(fit.params)))
        for i, c in enumerate(lead_cols):
            r[i, list(fit.params.index).index(c)] = 1.0
        wald = fit.wald_test(r, scalar=True)
        out.attrs["pretrend_p"] = float(np.asarray(wald.pvalue).item())
    return out
