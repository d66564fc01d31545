"""Interrupted time series for counts: a Poisson GLM with offset, trend and Fourier seasonality.

``log E[y_t] = log(offset_t) + β0 + β1·t + β2·post_t [+ β3·(t - t0)·post_t] + Σ_k (a_k sin + b_k cos)(2πk·s_t/P)``
(Lopez Bernal, Cummins & Gasparrini 2017). ``exp(β2)`` is the rate ratio of the level change,
``exp(β3)`` the ratio per period of the slope change. Standard errors are quasi-Poisson (scaled by
the Pearson χ²/df), because counts such as arrivals or hospital admissions are over-dispersed;
that is also what reproduces the published confidence intervals.

The counterfactual is the fitted model with the post terms set to zero; the average effect's
interval comes from drawing the coefficients from their estimated sampling distribution.
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

#: seasonal period by panel frequency (None: no seasonality)
SEASON_PERIOD = {"M": 12, "Q": 4, "W": 52, "D": 7, "A": None}


def fourier_terms(season: Sequence[float], period: float, harmonics: int) -> pd.DataFrame:
    """sin/cos pairs of the first ``harmonics`` harmonics of ``season`` (position within the cycle)."""
    s = np.asarray(season, dtype=float)
    cols = {}
    for k in range(1, harmonics + 1):
        cols[f"sin{k}"] = np.sin(2 * np.pi * k * s / period)
        cols[f"cos{k}"] = np.cos(2 * np.pi * k * s / period)
    return pd.DataFrame(cols)


def interrupted_time_series(y: Sequence[float], *, periods: Sequence[Any], treatment_time: Any,
                            offset: Sequence[float] | None = None, season: Sequence[float] | None = None,
                            season_period: float | None = 12, harmonics: int = 2, slope_change: bool = False,
                            treated: str = "", metric: str = "", events: pd.DataFrame | None = None,
                            alpha: float = 0.05, n_draws: int = 2000, seed: int = 0) -> EstimateResult:
    """Poisson ITS of the counts ``y`` over ``periods``, interrupted at ``treatment_time``.

    ``season`` is each period's position within the seasonal cycle (e.g. the month 1..12); by
    default the position in the series. ``offset`` is an exposure such as the population.
    """
    yv = np.asarray(y, dtype=float)
    periods = list(periods)
    if np.any(yv < 0) or np.any(np.isnan(yv)):
        raise InsufficientDataError(format_message(
            f"interrupted time series: {metric or 'the outcome'} has negative or missing counts",
            expected="non-negative counts in every period", fix="fill the gaps or pick a count metric"))
    n = len(yv)
    post = np.asarray([p >= treatment_time for p in periods])
    if post.sum() < 1 or (~post).sum() < 4:
        raise InsufficientDataError(format_message(
            "interrupted time series needs at least 4 pre-treatment periods and 1 post-treatment period",
            found=f"{int((~post).sum())} pre and {int(post.sum())} post", fix="extend the series"))
    t = np.arange(1, n + 1, dtype=float)
    x = pd.DataFrame({"const": 1.0, "time": t, "level": post.astype(float)})
    if slope_change:
        t0 = t[post][0]
        x["slope"] = np.where(post, t - t0, 0.0)
    if season_period and harmonics:
        x = pd.concat([x, fourier_terms(t if season is None else season, season_period, harmonics)], axis=1)
    off = np.zeros(n) if offset is None else np.log(np.asarray(offset, dtype=float))
    fit = sm.GLM(yv, x, family=sm.families.Poisson(), offset=off).fit(scale="X2")
    warnings_: list[str] = []
    if fit.scale > 1.5:
        details_note = f"over-dispersed counts (scale {fit.scale:.2f}); quasi-Poisson errors used"
    else:
        details_note = f"dispersion scale {fit.scale:.2f}"

    x0 = x.copy()
    x0["level"] = 0.0
    if slope_change:
        x0["slope"] = 0.0
    cf = np.exp(x0.to_numpy() @ fit.params.to_numpy() + off)
    fitted = np.asarray(fit.fittedvalues)
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(fit.params.to_numpy(), np.asarray(fit.cov_params()), size=n_draws)
    cf_draws = np.exp(draws @ x0.to_numpy().T + off)            # draws x n
    eff_draws = (yv - cf_draws)[:, post].mean(axis=1)
    effect = float((yv - cf)[post].mean())
    lo, hi = (float(q) for q in np.quantile(eff_draws, [alpha / 2, 1 - alpha / 2]))
    ci = fit.conf_int(alpha)
    details: dict[str, Any] = {
        "rate_ratio": float(np.exp(fit.params["level"])),
        "rate_ratio_lo": float(np.exp(ci.loc["level", 0])), "rate_ratio_hi": float(np.exp(ci.loc["level", 1])),
        "dispersion": float(fit.scale), "note": details_note, "harmonics": harmonics if season_period else 0,
    }
    if slope_change:
        details.update(slope_ratio=float(np.exp(fit.params["slope"])),
                       slope_ratio_lo=float(np.exp(ci.loc["slope", 0])),
                       slope_ratio_hi=float(np.exp(ci.loc["slope", 1])))
    p_value = float(fit.pvalues["level"])
    if slope_change:  # joint test of level and slope change
        r = np.zeros((2, len(fit.params)))
        r[0, list(x.columns).index("level")] = 1
        r[1, list(x.columns).index("slope")] = 1
        p_value = float(np.asarray(fit.wald_test(r, scalar=True).pvalue).item())
    rmspe, r2 = fit_stats(yv[~post], fitted[~post])
    check_fit(warnings_, "its", yv[~post], rmspe, r2)
    if not season_period and n > 24:
        flag(warnings_, "its: no seasonality modelled; set season_period for monthly or weekly series")
    check_events(warnings_, "its", events, [treated], periods[0], periods[-1], treated)
    naive, naive_rel = naive_before_after(yv[~post], yv[post])
    band_lo = np.where(post, np.quantile(cf_draws, alpha / 2, axis=0), np.nan)
    band_hi = np.where(post, np.quantile(cf_draws, 1 - alpha / 2, axis=0), np.nan)
    cf_post = float(cf[post].mean())
    return EstimateResult(
        estimator="its", metric=metric, treated=treated, treatment_time=treatment_time, effect=effect,
        lo=lo, hi=hi, relative_effect=effect / cf_post if cf_post else float("nan"), p_value=p_value,
        pre_rmspe=rmspe, pre_r2=r2, naive_effect=naive, naive_relative=naive_rel, n_pre=int((~post).sum()),
        n_post=int(post.sum()), alpha=alpha, warnings=warnings_, details=details,
        series=make_series(periods, yv, cf, band_lo, band_hi))
