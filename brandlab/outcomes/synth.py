"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010).

The treated unit's counterfactual is a convex combination of donor units, with donor weights W
chosen to match the treated unit's predictors under predictor weights V, and V chosen so that
the resulting synthetic unit tracks the treated outcome over the pre-period (the nested
optimisation of the papers: an inner quadratic programme for W, an outer Nelder-Mead search for
V, predictors scaled by their standard deviation across units, as in pysyncon and R Synth).

Without predictors the pre-period outcomes themselves are matched with equal weights, a single
quadratic programme. Inference is placebo-in-space: every donor in turn is treated as if it had
been treated; the treated unit's rank on the post/pre RMSPE ratio gives the permutation p-value
``rank / (n_donors + 1)``. The interval comes from the post-period gaps of placebos whose
pre-period fit is no worse than five times the treated unit's (the cut-off of Abadie et al. 2010).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

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

#: placebos whose pre-period RMSPE exceeds this multiple of the treated unit's are left out of the interval
PLACEBO_RMSPE_CUTOFF = 5.0


@dataclass(frozen=True)
class Predictor:
    """A predictor row: ``op`` (mean) of ``column`` over ``periods``."""

    column: str
    periods: tuple[Any, ...]
    op: str = "mean"

    @property
    def name(self) -> str:
        return f"{self.column}[{self.periods[0]}..{self.periods[-1]}]"


def solve_weights(v: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """Donor weights W ≥ 0, ΣW = 1 minimising (x1 - x0 W)' diag(v) (x1 - x0 W).

    Solved exactly as non-negative least squares (Lawson-Hanson active set) on the rows scaled by
    √v, with ΣW = 1 imposed by an extra row weighted far above the data; a general-purpose SLSQP
    solve gives the same weights but is two orders of magnitude slower, which matters for placebos.
    """
    sv = np.sqrt(np.asarray(v, dtype=float))
    a = sv[:, None] * x0
    b = sv * x1
    big = 1e4 * max(1.0, float(np.abs(a).max()))
    a = np.vstack([a, np.full((1, x0.shape[1]), big)])
    b = np.append(b, big)
    w, _ = nnls(a, b, maxiter=50 * x0.shape[1])
    total = w.sum()
    if total <= 0:
        return np.full(x0.shape[1], 1.0 / x0.shape[1])
    return np.asarray(w / total)


def fit_weights(x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray, *,
                maxiter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Nested optimisation: V by derivative-free search on the outcome MSPE, W by quadratic programming.

    V is parametrised by a softmax (unconstrained, always a proper weight vector). Nelder-Mead and
    Powell both start from equal weights and the lower loss wins: the loss surface is flat in many
    directions, and one search alone stops early often enough (R Synth likewise tries several
    optimisers).
    """
    k = x0.shape[0]

    def to_v(u: np.ndarray) -> np.ndarray:
        e = np.exp(u - u.max())
        return np.asarray(e / e.sum())

    def loss(u: np.ndarray) -> float:
        w = solve_weights(to_v(u), x0, x1)
        return float(np.mean((z1 - z0 @ w) ** 2))

    best = None
    for method in ("Nelder-Mead", "Powell"):
        res = minimize(loss, np.zeros(k), method=method, options={"maxiter": maxiter})
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    v = to_v(best.x)
    return v, solve_weights(v, x0, x1)


def _wide(data: pd.DataFrame, unit: str, time: str, column: str, units: Sequence[str]) -> pd.DataFrame:
    return data.pivot_table(index=time, columns=unit, values=column, aggfunc="first",
                            dropna=False).reindex(columns=list(units))


def _require_complete(frame: pd.DataFrame, column: str, what: str) -> None:
    bad = frame.columns[frame.isna().any()].tolist()
    if bad:
        gaps = {u: [str(p) for p in frame.index[frame[u].isna()][:4]] for u in bad[:5]}
        raise InsufficientDataError(format_message(
            f"synthetic control: missing {column!r} data for {len(bad)} unit(s) in the {what}",
            expected="every donor and the treated unit observed in every period used",
            found=f"gaps (first periods) {gaps}",
            fix="fill the gaps in the outcome panel or leave those units out with donors=[...]"))


def predictor_matrix(data: pd.DataFrame, unit: str, time: str, units: Sequence[str],
                     predictors: Sequence[Predictor]) -> pd.DataFrame:
    """Rows = predictors, columns = units (each predictor aggregated over its periods)."""
    rows = {}
    for p in predictors:
        wide = _wide(data, unit, time, p.column, units).reindex(list(p.periods))
        if p.op != "mean":
            raise ValueError(f"predictor op {p.op!r} is not supported; use 'mean'")
        rows[p.name] = wide.mean(axis=0, skipna=True)
    x = pd.DataFrame(rows).T
    _require_complete(x, "predictors", "predictor periods")
    return x


def _fit_one(treated: str, donors: list[str], z: pd.DataFrame, x: pd.DataFrame | None,
             opt_mask: np.ndarray, maxiter: int) -> tuple[np.ndarray, np.ndarray | None]:
    z0, z1 = z[donors].to_numpy(float)[opt_mask], z[treated].to_numpy(float)[opt_mask]
    scale = float(np.mean(np.abs(z1))) or 1.0   # the QP's tolerances assume values near 1
    z0, z1 = z0 / scale, z1 / scale
    if x is None:
        return solve_weights(np.ones(len(z1)) / len(z1), z0, z1), None
    xs = x[[treated, *donors]]
    sd = xs.std(axis=1).replace(0, 1.0)
    xs = xs.divide(sd, axis=0)
    v, w = fit_weights(xs[donors].to_numpy(float), xs[treated].to_numpy(float), z0, z1, maxiter=maxiter)
    return w, v


def synthetic_control(data: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: str,
                      treatment_time: Any, donors: Sequence[str] | None = None,
                      predictors: Sequence[Predictor] | None = None,
                      optimize_periods: Sequence[Any] | None = None, placebo: bool = True,
                      events: pd.DataFrame | None = None, metric: str | None = None, alpha: float = 0.05,
                      maxiter: int = 1000, on_progress: Callable[[int, int], None] | None = None,
                      ) -> EstimateResult:
    """Estimate the effect on ``treated`` from ``treatment_time`` with a synthetic control.

    ``data`` is long: one row per (unit, time) with the outcome and any predictor columns.
    """
    units = [str(u) for u in pd.unique(data[unit])]
    if treated not in units:
        raise InsufficientDataError(format_message(
            f"synthetic control: treated unit {treated!r} is not in the data",
            expected=f"one of {units[:12]}", fix="check the spelling of the treated city"))
    donors = [d for d in (donors or units) if d != treated]
    if len(donors) < 2:
        raise InsufficientDataError(format_message(
            "synthetic control needs at least two donor units", found=f"{len(donors)} donor(s)",
            fix="add comparison cities to the outcome panel"))
    data = data.assign(**{unit: data[unit].astype(str)})
    z = _wide(data, unit, time, outcome, [treated, *donors]).sort_index()
    _require_complete(z, outcome, "outcome series")
    periods = z.index.to_numpy()
    pre_mask = periods < treatment_time
    if pre_mask.sum() < 3 or (~pre_mask).sum() < 1:
        raise InsufficientDataError(format_message(
            "synthetic control needs at least 3 pre-treatment periods and 1 post-treatment period",
            found=f"{int(pre_mask.sum())} pre and {int((~pre_mask).sum())} post",
            fix="extend the panel or move the treatment date"))
    opt_mask = np.isin(periods, list(optimize_periods)) if optimize_periods is not None else pre_mask
    x = predictor_matrix(data, unit, time, [treated, *donors], predictors) if predictors else None

    w, v = _fit_one(treated, donors, z, x, opt_mask, maxiter)
    actual = z[treated].to_numpy(float)
    synth = z[donors].to_numpy(float) @ w
    gap = actual - synth
    warnings_: list[str] = []
    rmspe_pre, r2 = fit_stats(actual[pre_mask], synth[pre_mask])
    rmspe_post = float(np.sqrt(np.mean(gap[~pre_mask] ** 2)))
    ratio = rmspe_post / rmspe_pre if rmspe_pre > 0 else np.inf

    ratios, placebo_gaps, placebo_pre = [], [], []
    if placebo:
        for i, d in enumerate(donors):
            others = [o for o in donors if o != d]
            wd, _ = _fit_one(d, others, z, x, opt_mask, maxiter)
            g = z[d].to_numpy(float) - z[others].to_numpy(float) @ wd
            pre_r = float(np.sqrt(np.mean(g[pre_mask] ** 2)))
            post_r = float(np.sqrt(np.mean(g[~pre_mask] ** 2)))
            ratios.append(post_r / pre_r if pre_r > 0 else np.inf)
            placebo_gaps.append(g)
            placebo_pre.append(pre_r)
            if on_progress:
                on_progress(i + 1, len(donors))

    effect = float(gap[~pre_mask].mean())
    lo = hi = float("nan")
    band_lo = band_hi = None
    p_value: float | None = None
    rank: int | None = None
    if placebo:
        rank = 1 + int(np.sum(np.asarray(ratios) >= ratio))
        p_value = rank / (len(donors) + 1)
        if len(donors) + 1 < 1 / alpha:
            flag(warnings_, f"synth: only {len(donors)} donors; the smallest attainable placebo p-value is "
                            f"{1 / (len(donors) + 1):.2f}, so significance at {alpha} is impossible")
        keep = np.asarray(placebo_pre) <= PLACEBO_RMSPE_CUTOFF * max(rmspe_pre, 1e-12)
        kept = np.asarray(placebo_gaps)[keep]
        if len(kept) >= max(2, int(np.ceil(1 / alpha)) - 1):
            post_means = kept[:, ~pre_mask].mean(axis=1)
            lo = effect - float(np.quantile(post_means, 1 - alpha / 2))
            hi = effect - float(np.quantile(post_means, alpha / 2))
            band_lo = synth + np.quantile(kept, alpha / 2, axis=0)
            band_hi = synth + np.quantile(kept, 1 - alpha / 2, axis=0)
        else:
            need = max(2, int(np.ceil(1 / alpha)) - 1)
            flag(warnings_, f"synth: {len(kept)} placebo(s) fit the pre-period within {PLACEBO_RMSPE_CUTOFF:g}x "
                            f"the treated unit's RMSPE, fewer than the {need} a {1 - alpha:.0%} interval needs; "
                            f"no interval is given (placebo rank {rank}/{len(donors) + 1} still holds)")
    check_fit(warnings_, "synth", actual[pre_mask], rmspe_pre, r2)
    if w.max() > 0.999:
        flag(warnings_, f"synth: the synthetic unit is a single donor ({donors[int(np.argmax(w))]}); "
                        "the treated unit may lie outside the donors' range")
    check_events(warnings_, "synth", events, [treated, *[d for d, wi in zip(donors, w, strict=True) if wi > 1e-3]],
                 periods[0], periods[-1], treated)
    naive, naive_rel = naive_before_after(actual[pre_mask], actual[~pre_mask])
    cf_post = float(synth[~pre_mask].mean())
    details: dict[str, Any] = {
        "donor_weights": {d: float(wi) for d, wi in zip(donors, w, strict=True)},
        "rmspe_ratio": ratio, "placebo_ratios": dict(zip(donors, map(float, ratios), strict=True)) if placebo else {},
    }
    if v is not None and predictors:
        details["predictor_weights"] = {p.name: float(vi) for p, vi in zip(predictors, v, strict=True)}
    return EstimateResult(
        estimator="synth", metric=metric or outcome, treated=treated, treatment_time=treatment_time,
        effect=effect, lo=lo, hi=hi, relative_effect=effect / cf_post if cf_post else float("nan"),
        p_value=p_value, placebo_rank=rank, n_placebos=len(donors) + 1 if placebo else None,
        pre_rmspe=rmspe_pre, pre_r2=r2, naive_effect=naive, naive_relative=naive_rel,
        n_pre=int(pre_mask.sum()), n_post=int((~pre_mask).sum()), alpha=alpha, warnings=warnings_,
        details=details, series=make_series(periods, actual, synth, band_lo, band_hi))
