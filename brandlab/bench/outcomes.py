"""Outcome estimators on a 50-city x 120-month panel, each beside a baseline timed in the same run.

The panel is simulated (seeded): each city is a mix of three common factors plus a 12-month
season and noise, counts around 1,000-3,000; city ``c00`` gets +5 % from month 97. Rows:

* ``outcomes.synth``      brandlab synthetic control, one fit (NNLS inner solve) beside
  ``pysyncon.Synth`` on the same pre-period outcomes with the same (identity) V — the same
  weight problem; and ``outcomes.synth+placebos`` (treated + 49 placebo fits) beside pysyncon
  looped over the same 50 fits;
* ``outcomes.did``        brandlab DiD (TWFE + event study + 49 placebo-in-space refits, as the
  API runs it with one treated city) beside one statsmodels formula OLS with unit and month
  dummies and clustered errors (the TWFE fit alone);
* ``outcomes.bsts``       brandlab's CausalImpact wrapper beside ``causal_impact.CausalImpact`` on
  the same data and model arguments (the wrapper's overhead), both after one untimed warm-up run;
* ``outcomes.its``        brandlab Poisson ITS (fit + 2,000 parameter draws) beside the
  statsmodels Poisson GLM fit of the same design;
* ``outcomes.link``       exposure-outcome lag correlation (7 lags, 1,999 block permutations)
  on 120 months; no baseline (none computes the same thing).

``n_posts`` is ignored: the panel size is fixed so that runs compare.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brandlab.bench import BenchResult, PeakRSS, register, timed

N_CITIES, N_MONTHS, T0 = 50, 120, 96


def make_panel(seed: int = 0) -> pd.DataFrame:
    """A long outcome panel: city, period, freq, metric, value, source."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_MONTHS)
    factors = np.stack([np.cumsum(rng.normal(0, 1, N_MONTHS)) for _ in range(3)])
    load = rng.dirichlet(np.ones(3), N_CITIES)
    level = rng.uniform(1000, 3000, N_CITIES)
    season = 1 + 0.1 * np.sin(2 * np.pi * t / 12)
    y = level[:, None] * season[None, :] * (1 + 0.01 * (load @ factors)) + rng.normal(0, 15, (N_CITIES, N_MONTHS))
    y[0, T0:] *= 1.05
    periods = pd.date_range("2015-01", periods=N_MONTHS, freq="MS")
    return pd.DataFrame({"city": np.repeat([f"c{i:02d}" for i in range(N_CITIES)], N_MONTHS),
                         "period": np.tile(periods, N_CITIES), "freq": "M", "metric": "visits",
                         "value": np.round(y.ravel()), "source": "bench"})


def _pysyncon_fit(wide: pd.DataFrame, treated: str, pre: np.ndarray) -> np.ndarray:
    from pysyncon import Synth

    donors = [c for c in wide.columns if c != treated]
    z0, z1 = wide.loc[pre, donors], wide.loc[pre, treated]
    s = Synth()
    s.fit(X0=z0, X1=z1, Z0=z0, Z1=z1, custom_V=np.ones(len(z0)))
    return np.asarray(s.W)


def _row(stage: str, seconds: float, rss: float, baseline: str | None, base_s: float | None, notes: str,
         **extra: object) -> BenchResult:
    return BenchResult(stage, N_CITIES * N_MONTHS, "cells", seconds, rss, baseline, base_s, notes=notes,
                       extra=dict(extra))


@register("outcomes")
def bench_outcomes(n_posts: int, workdir: Path) -> list[BenchResult]:
    """Time each estimator and its baseline on the same simulated panel."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from brandlab.errors import FitWarning
    from brandlab.outcomes.api import estimate
    from brandlab.outcomes.bsts import causalimpact_available
    from brandlab.outcomes.linkage import lag_correlation
    from brandlab.outcomes.panel import panel_wide

    panel = make_panel()
    wide = panel_wide(panel, "visits")
    t0 = wide.index[T0]
    pre = wide.index < t0
    out: list[BenchResult] = []

    def ours(name: str, **kw: Any) -> tuple[float, float, Any]:
        with warnings.catch_warnings(), PeakRSS() as rss, timed() as t:
            warnings.simplefilter("ignore", FitWarning)
            r = estimate(panel, metric="visits", treated="c00", treatment=t0, estimators=[name], **kw)[0]
        return t[0], rss.peak_mb, r

    # synthetic control: one fit, then with the 49 placebo fits
    s1, m1, r1 = ours("synth", placebo=False)
    try:
        with timed() as tb:
            w_base = _pysyncon_fit(wide, "c00", pre)
        donors = [c for c in wide.columns if c != "c00"]
        w_ours = np.array([r1.details["donor_weights"].get(c, 0.0) for c in donors])
        z0, z1 = wide.loc[pre, donors].to_numpy(float), wide.loc[pre, "c00"].to_numpy(float)
        rm_ours, rm_base = (float(np.sqrt(np.mean((z1 - z0 @ w) ** 2))) for w in (w_ours, w_base))
        out.append(_row("outcomes.synth", s1, m1, "pysyncon.Synth (custom V = I)", tb[0],
                        f"pre-period RMSPE ours {rm_ours:.4g}, pysyncon {rm_base:.4g}", rmspe_ours=rm_ours,
                        rmspe_pysyncon=rm_base))
        s2, m2, _ = ours("synth", placebo=True)
        with timed() as tb2:
            for c in wide.columns:
                _pysyncon_fit(wide, str(c), pre)
        out.append(_row("outcomes.synth+placebos", s2, m2, "pysyncon.Synth x 50", tb2[0],
                        "treated + 49 placebo-in-space fits"))
    except ImportError:
        out.append(_row("outcomes.synth", s1, m1, None, None, "pysyncon not installed: pip install brandlab[causal]"))

    # difference-in-differences
    s, m, r = ours("did")
    df = panel.assign(d=((panel["city"] == "c00") & (panel["period"] >= t0)).astype(float))
    with timed() as tb:
        fit = smf.ols("value ~ d + C(city) + C(period)", data=df).fit(cov_type="cluster",
                                                                       cov_kwds={"groups": df["city"]})
    gap = abs(float(fit.params["d"]) - float(r.effect))
    out.append(_row("outcomes.did", s, m, "statsmodels OLS (TWFE, clustered)", tb[0],
                    f"ours adds the event study and 49 placebo refits; |beta_ours - beta_ols| = {gap:.3g}",
                    beta_gap=gap))

    # structural time series (one untimed run first: the first call pays imports and JIT compilation)
    ours("bsts")
    s, m, _ = ours("bsts")
    if causalimpact_available():
        from causal_impact import CausalImpact

        data = np.column_stack([wide["c00"].to_numpy(float), wide.drop(columns="c00").to_numpy(float)])
        with timed() as tb:
            CausalImpact(data, [0, T0 - 1], [T0, N_MONTHS - 1],
                         model_args={"niter": 1000, "nwarmup": 500, "seed": 0}, alpha=0.05)
        out.append(_row("outcomes.bsts", s, m, "causal_impact.CausalImpact", tb[0], "wrapper overhead"))
    else:
        out.append(_row("outcomes.bsts", s, m, None, None, "bsts-causalimpact absent: statsmodels fallback"))

    # interrupted time series
    s, m, _ = ours("its")
    y = wide["c00"].to_numpy(float)
    tt = np.arange(1, N_MONTHS + 1, dtype=float)
    month = wide.index.month.to_numpy(float)
    x = pd.DataFrame({"const": 1.0, "time": tt, "level": (wide.index >= t0).astype(float)})
    for h in (1, 2):
        x[f"sin{h}"], x[f"cos{h}"] = np.sin(2 * np.pi * h * month / 12), np.cos(2 * np.pi * h * month / 12)
    with timed() as tb:
        sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    out.append(_row("outcomes.its", s, m, "statsmodels GLM Poisson", tb[0], "ours adds 2,000 parameter draws"))

    # exposure-outcome linkage
    rng = np.random.default_rng(1)
    xe = rng.gamma(0.7, 10, N_MONTHS)
    with warnings.catch_warnings(), PeakRSS() as rss, timed() as t:
        warnings.simplefilter("ignore", FitWarning)
        lag_correlation(xe, y, max_lag=6, n_perm=1999)
    out.append(BenchResult("outcomes.link", N_MONTHS, "months", t[0], rss.peak_mb, None, None,
                           notes="7 lags x 1,999 block permutations"))
    return out
