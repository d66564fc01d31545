"""The one result type every outcome estimator returns, and the checks they share.

An :class:`EstimateResult` carries the point effect (average post-period actual minus
counterfactual), its interval, a p-value or placebo rank, the pre-period fit, the naive
before/after number of the treated unit (always, so a reader can see how much the
counterfactual changes the story), the warnings raised while estimating, and a plot-ready
series ``period, actual, counterfactual, lo, hi, effect``.

Warnings are never silent: :func:`flag` both issues a :class:`~brandlab.errors.FitWarning`
and records the message in ``result.warnings``, which every table and report carries.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from brandlab.errors import FitWarning

SERIES_COLUMNS = ["period", "actual", "counterfactual", "lo", "hi", "effect"]

#: a pre-period R² below this is a poor fit (the counterfactual explains under half the variance)
MIN_PRE_R2 = 0.5


@dataclass
class EstimateResult:
    """What an estimator found, with everything needed to judge it."""

    estimator: str
    metric: str
    treated: str
    treatment_time: Any
    effect: float
    lo: float
    hi: float
    relative_effect: float
    p_value: float | None
    pre_rmspe: float
    pre_r2: float
    naive_effect: float
    naive_relative: float
    n_pre: int
    n_post: int
    series: pd.DataFrame
    placebo_rank: int | None = None
    n_placebos: int | None = None
    alpha: float = 0.05
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        """True when the two-sided p-value is below ``alpha`` (else the interval excludes 0)."""
        if self.p_value is not None and np.isfinite(self.p_value):
            return bool(self.p_value < self.alpha)
        return bool(self.lo > 0 or self.hi < 0)

    def to_row(self) -> dict[str, Any]:
        """One row of the ``outcome_estimates`` table."""
        return {
            "estimator": self.estimator, "metric": self.metric, "treated": self.treated,
            "treatment_time": period_label(self.treatment_time), "effect": self.effect,
            "lo": self.lo, "hi": self.hi, "relative_effect": self.relative_effect,
            "p_value": self.p_value, "placebo_rank": self.placebo_rank, "n_placebos": self.n_placebos,
            "pre_rmspe": self.pre_rmspe, "pre_r2": self.pre_r2, "naive_effect": self.naive_effect,
            "naive_relative": self.naive_relative, "n_pre": self.n_pre, "n_post": self.n_post,
            "warnings": list(self.warnings), "details": json.dumps(self.details, ensure_ascii=False, default=_jsonable),
        }

    def series_rows(self) -> pd.DataFrame:
        """The plot series keyed for the ``outcome_series`` table."""
        s = self.series.copy()
        s["period"] = s["period"].map(period_label)
        for k, v in (("estimator", self.estimator), ("metric", self.metric), ("treated", self.treated),
                     ("treatment_time", period_label(self.treatment_time))):
            s[k] = v
        return s


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, pd.DataFrame):
        return v.to_dict(orient="records")
    if isinstance(v, pd.Series):
        return v.to_dict()
    return str(v)


def period_label(v: Any) -> str:
    """A period as text: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def flag(messages: list[str], message: str, *, stacklevel: int = 3) -> None:
    """Issue a FitWarning and record it, so no number leaves without its caveat."""
    warnings.warn(message, FitWarning, stacklevel=stacklevel)
    messages.append(message)


def fit_stats(actual: np.ndarray, fitted: np.ndarray) -> tuple[float, float]:
    """Pre-period RMSPE and R² of a counterfactual against the actual series."""
    actual = np.asarray(actual, dtype=float)
    fitted = np.asarray(fitted, dtype=float)
    resid = actual - fitted
    rmspe = float(np.sqrt(np.mean(resid ** 2)))
    ss_tot = float(np.sum((actual - actual.mean()) ** 2))
    r2 = float(1 - np.sum(resid ** 2) / ss_tot) if ss_tot > 0 else float("nan")
    return rmspe, r2


def check_fit(messages: list[str], estimator: str, actual: np.ndarray, rmspe: float, r2: float, *,
              min_r2: float = MIN_PRE_R2) -> None:
    """Flag a poor pre-period fit: the counterfactual explains less than ``min_r2`` of the variance."""
    if np.isnan(r2) or r2 < min_r2:
        level = float(np.mean(np.abs(actual))) or 1.0
        flag(messages, f"{estimator}: poor pre-period fit (R² {r2:.2f} < {min_r2}; RMSPE {rmspe:.3g}, "
                       f"{rmspe / level:.1%} of the mean level); the counterfactual does not track the "
                       "pre-period, read the effect as indicative only")


def naive_before_after(pre: np.ndarray, post: np.ndarray) -> tuple[float, float]:
    """Post-period mean minus pre-period mean of the treated unit, and that change relative."""
    pre_m, post_m = float(np.mean(pre)), float(np.mean(post))
    return post_m - pre_m, (post_m - pre_m) / pre_m if pre_m else float("nan")


def check_events(messages: list[str], estimator: str, events: pd.DataFrame | None, units: Iterable[str],
                 start: Any, end: Any, treated: str) -> None:
    """Flag every policy event of the treated unit or a comparison unit inside [start, end]."""
    if events is None or not len(events):
        return
    units = set(map(str, units))
    ev = events[events["city"].astype(str).isin(units)]
    if isinstance(start, pd.Timestamp):
        dates = pd.to_datetime(ev["date"])
        ev = ev[(dates >= start) & (dates <= end)]
    else:
        ev = ev[(ev["date"] >= start) & (ev["date"] <= end)]
    for _, e in ev.iterrows():
        who = "the treated unit" if str(e["city"]) == str(treated) else "comparison unit"
        flag(messages, f"{estimator}: policy event inside the estimation window for {who} {e['city']}: "
                       f"{e['kind']} on {period_label(e['date'])}"
                       + (f" ({e['description']})" if isinstance(e.get("description"), str) else "")
                       + "; the estimate may mix the campaign with this policy")


def make_series(periods: Iterable[Any], actual: np.ndarray, counterfactual: np.ndarray,
                lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> pd.DataFrame:
    """The plot series; ``lo``/``hi`` bound the counterfactual (NaN where not estimated)."""
    actual = np.asarray(actual, dtype=float)
    counterfactual = np.asarray(counterfactual, dtype=float)
    nan = np.full_like(actual, np.nan)
    return pd.DataFrame({"period": list(periods), "actual": actual, "counterfactual": counterfactual,
                         "lo": nan if lo is None else np.asarray(lo, float),
                         "hi": nan if hi is None else np.asarray(hi, float),
                         "effect": actual - counterfactual})


def results_table(results: Iterable[EstimateResult]) -> pd.DataFrame:
    """A compact table: each estimate with the naive number beside it and its warnings."""
    rows = []
    for r in results:
        rows.append({"estimator": r.estimator, "metric": r.metric, "treated": r.treated,
                     "effect": r.effect, "lo": r.lo, "hi": r.hi, "relative": r.relative_effect,
                     "p_value": r.p_value,
                     "placebo_rank": None if r.placebo_rank is None else f"{r.placebo_rank}/{r.n_placebos}",
                     "pre_r2": r.pre_r2, "naive": r.naive_effect, "naive_relative": r.naive_relative,
                     "warnings": len(r.warnings)})
    return pd.DataFrame(rows)
