"""Statistics for A/B comparisons that survive heavy-tailed engagement counts.

Pure functions on arrays and DataFrames; every random step takes a seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from brandlab.errors import InsufficientDataError, SmallSampleWarning


@dataclass(frozen=True)
class TestResult:
    """One comparison: an effect with its interval and a p-value."""

    name: str
    effect: str          # what ``estimate`` measures, e.g. "rate ratio B/A"
    estimate: float
    lo: float
    hi: float
    p_value: float
    n_a: int
    n_b: int
    note: str = ""


def summarise_engagement(values: np.ndarray | pd.Series) -> dict[str, float]:
    """Distribution summary of per-post engagement: zeros, median, tail concentration."""
    x = np.asarray(pd.Series(values).dropna(), dtype=float)
    n = len(x)
    if n == 0:
        return {"n": 0, "share_zero": np.nan, "mean": np.nan, "median": np.nan, "p90": np.nan,
                "top1_share": np.nan}
    total = x.sum()
    k = max(1, int(np.ceil(0.01 * n)))
    top = np.sort(x)[::-1][:k].sum()
    return {
        "n": n,
        "share_zero": float((x == 0).mean()),
        "mean": float(x.mean()),
        "median": float(np.median(x)),
        "p90": float(np.quantile(x, 0.9)),
        "top1_share": float(top / total) if total > 0 else np.nan,
    }


def _check_sizes(n_a: int, n_b: int, what: str, min_size: int) -> str:
    if n_a == 0 or n_b == 0:
        raise InsufficientDataError(
            f"{what}: side {'A' if n_a == 0 else 'B'} has no observations; widen the side's filter "
            "(platform, period, generation) or check that its hashtag/keyword occurs in the workspace")
    if min(n_a, n_b) < min_size:
        msg = f"{what}: small sample (n_a={n_a}, n_b={n_b} < {min_size})"
        warnings.warn(msg, SmallSampleWarning, stacklevel=3)
        return msg
    return ""


def mann_whitney(a: np.ndarray, b: np.ndarray, *, min_size: int = 30) -> TestResult:
    """Mann-Whitney U with the common-language effect size P(B > A) + 0.5 P(B = A)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    note = _check_sizes(len(a), len(b), "Mann-Whitney", min_size)
    res = stats.mannwhitneyu(b, a, alternative="two-sided")
    auc = float(res.statistic) / (len(a) * len(b))
    # Hanley-McNeil style interval for the AUC
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = np.sqrt((auc * (1 - auc) + (len(b) - 1) * (q1 - auc**2) + (len(a) - 1) * (q2 - auc**2))
                 / (len(a) * len(b)))
    return TestResult("mann_whitney", "P(B>A)", auc, max(0.0, auc - 1.96 * se), min(1.0, auc + 1.96 * se),
                      float(res.pvalue), len(a), len(b), note)


def brunner_munzel(a: np.ndarray, b: np.ndarray, *, min_size: int = 30) -> TestResult:
    """Brunner-Munzel test (no equal-variance assumption); effect = P(B>A) + 0.5 P(B=A)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    note = _check_sizes(len(a), len(b), "Brunner-Munzel", min_size)
    if np.ptp(np.concatenate([a, b])) == 0:
        return TestResult("brunner_munzel", "P(B>A)", 0.5, 0.5, 0.5, 1.0, len(a), len(b),
                          (note + "; " if note else "") + "all values identical")
    res = stats.brunnermunzel(b, a)
    ranks = stats.rankdata(np.concatenate([a, b]))
    p_hat = (ranks[len(a):].mean() - (len(b) + 1) / 2) / len(a)
    # interval by inverting the BM statistic's normal approximation
    se = abs(p_hat - 0.5) / abs(res.statistic) if res.statistic not in (0, np.inf, -np.inf) \
        and np.isfinite(res.statistic) else np.nan
    lo, hi = (p_hat - 1.96 * se, p_hat + 1.96 * se) if np.isfinite(se) else (np.nan, np.nan)
    return TestResult("brunner_munzel", "P(B>A)", float(p_hat), float(lo), float(hi),
                      float(res.pvalue) if np.isfinite(res.pvalue) else 1.0, len(a), len(b), note)


def bootstrap_median_ratio(a: pd.DataFrame, b: pd.DataFrame, *, value: str = "engagement",
                           cluster: str = "author_id", n_boot: int = 1000, seed: int = 0,
                           min_size: int = 30) -> TestResult:
    """Interval of median(B)/median(A), resampling authors (clusters) with replacement.

    Posts by one author are correlated; resampling posts would understate the uncertainty.
    The p-value is the two-sided bootstrap share of ratios on the other side of 1.
    """
    note = _check_sizes(len(a), len(b), "median ratio", min_size)
    rng = np.random.default_rng(seed)

    def groups(df: pd.DataFrame) -> list[np.ndarray]:
        return [g.to_numpy(float) for _, g in df.groupby(cluster, sort=False, dropna=False)[value]]

    ga, gb = groups(a), groups(b)
    ma, mb = float(np.median(a[value].astype(float))), float(np.median(b[value].astype(float)))
    ratios = np.empty(n_boot)
    for i in range(n_boot):
        sa = np.concatenate([ga[j] for j in rng.integers(0, len(ga), len(ga))])
        sb = np.concatenate([gb[j] for j in rng.integers(0, len(gb), len(gb))])
        da = np.median(sa)
        ratios[i] = np.median(sb) / da if da > 0 else np.nan
    finite = ratios[np.isfinite(ratios)]
    if ma == 0 or len(finite) < 0.5 * n_boot:
        extra = "median of A is 0 in most resamples: the ratio is undefined; read the median difference"
        return TestResult("median_ratio", "median ratio B/A", np.nan, np.nan, np.nan, np.nan,
                          len(a), len(b), "; ".join(x for x in (note, extra) if x))
    lo, hi = np.quantile(finite, [0.025, 0.975])
    p = min(1.0, 2 * min((finite <= 1).mean(), (finite >= 1).mean()))
    return TestResult("median_ratio", "median ratio B/A", mb / ma, float(lo), float(hi), float(p),
                      len(a), len(b), note)


def author_means(df: pd.DataFrame, value: str = "engagement", cluster: str = "author_id") -> np.ndarray:
    """One observation per author (the mean of their posts): the unit that is independent."""
    return df.groupby(cluster, sort=False, dropna=False)[value].mean().to_numpy(float)


def nb_rate_ratio(a: pd.DataFrame, b: pd.DataFrame, *, value: str = "engagement",
                  followers: str = "follower_count", cluster: str | None = "author_id",
                  min_size: int = 30) -> TestResult:
    """Negative-binomial regression of counts on side B with offset log(1 + followers).

    Returns exp(beta_B): the engagement rate ratio of B to A per unit of audience. Standard
    errors are cluster-robust by author when ``cluster`` is a column (posts by one author are
    not independent; without this the interval is too narrow).
    """
    import statsmodels.api as sm

    note = _check_sizes(len(a), len(b), "negative binomial", min_size)
    y = np.concatenate([a[value].to_numpy(float), b[value].to_numpy(float)])
    f = np.concatenate([pd.to_numeric(a[followers], errors="coerce").fillna(0).to_numpy(float),
                        pd.to_numeric(b[followers], errors="coerce").fillna(0).to_numpy(float)])
    x = sm.add_constant(np.r_[np.zeros(len(a)), np.ones(len(b))])
    offset = np.log1p(f)
    if not np.any(y > 0):
        raise InsufficientDataError("negative binomial: every count is zero on both sides; nothing to compare")
    cov: dict[str, object] = {}
    if cluster and cluster in a.columns and cluster in b.columns:
        keys = pd.concat(["A:" + a[cluster].astype(object).fillna("?").astype(str),
                          "B:" + b[cluster].astype(object).fillna("?").astype(str)], ignore_index=True)
        if keys.nunique() >= 10:
            cov = {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(keys)[0]}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Joint ML of (beta, alpha) started from a Poisson fit and the Cameron-Trivedi moment
        # estimate of alpha; Nelder-Mead first, then BFGS: IRLS and BFGS from default starts
        # diverge on heavy tails with a poorly fitting offset.
        pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
        mu = pois.fittedvalues
        alpha0 = float(np.clip(np.sum((y - mu) ** 2 - y) / np.sum(mu**2), 1e-3, 1e3))
        model = sm.NegativeBinomial(y, x, offset=offset, loglike_method="nb2")
        start = model.fit(start_params=np.r_[pois.params, alpha0], method="nm", maxiter=4000, disp=0)
        fit = model.fit(start_params=start.params, method="bfgs", maxiter=500, disp=0, **cov)
    alpha = float(fit.params[-1])
    if not fit.mle_retvals.get("converged", False):
        raise InsufficientDataError("negative binomial fit did not converge; read the rank tests and the median ratio")
    beta, (lo, hi) = fit.params[1], fit.conf_int()[1]
    if not np.all(np.isfinite([beta, lo, hi])):
        raise InsufficientDataError("negative binomial fit gave no finite estimate; the counts may be degenerate")
    return TestResult("nb_rate_ratio", f"rate ratio B/A (NB2 alpha={alpha:.3g}, offset log(1+followers))",
                      float(np.exp(beta)),
                      float(np.exp(lo)), float(np.exp(hi)), float(fit.pvalues[1]), len(a), len(b),
                      note)


def wilson_interval(k: int | np.ndarray, n: int | np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion k/n (vectorised)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def share_difference(k_a: int, n_a: int, k_b: int, n_b: int, name: str) -> TestResult:
    """Difference of two proportions (B - A), Newcombe hybrid interval, two-proportion z test."""
    if n_a == 0 or n_b == 0:
        return TestResult(name, "share B - A", np.nan, np.nan, np.nan, np.nan, n_a, n_b, "empty side")
    pa, pb = k_a / n_a, k_b / n_b
    la, ha = wilson_interval(k_a, n_a)
    lb, hb = wilson_interval(k_b, n_b)
    d = pb - pa
    lo = d - np.sqrt((pb - lb) ** 2 + (ha - pa) ** 2)
    hi = d + np.sqrt((hb - pb) ** 2 + (pa - la) ** 2)
    pool = (k_a + k_b) / (n_a + n_b)
    se = np.sqrt(pool * (1 - pool) * (1 / n_a + 1 / n_b))
    p = float(2 * stats.norm.sf(abs(d) / se)) if se > 0 else 1.0
    return TestResult(name, "share B - A", float(d), float(lo), float(hi), p, n_a, n_b)


def mix_test(a: pd.Series, b: pd.Series, name: str) -> tuple[TestResult, pd.DataFrame]:
    """Chi-square test of a categorical mix (platform, generation) between sides, Cramér's V as effect."""
    table = pd.crosstab(pd.concat([a, b], ignore_index=True).fillna("unknown"),
                        np.r_[np.zeros(len(a), int), np.ones(len(b), int)])
    table = table.reindex(columns=[0, 1], fill_value=0)
    mix = (table / table.sum()).rename(columns={0: "share_a", 1: "share_b"})
    mix.index.name = "category"
    if table.shape[0] < 2 or min(len(a), len(b)) == 0:
        return TestResult(name, "Cramér's V", 0.0, 0.0, 0.0, 1.0, len(a), len(b), "single category"), mix.reset_index()
    chi2, p, dof, _ = stats.chi2_contingency(table.to_numpy())
    n = table.to_numpy().sum()
    v = float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))
    return TestResult(name, "Cramér's V", v, np.nan, np.nan, float(p), len(a), len(b)), mix.reset_index()


def adjust_pvalues(p: pd.Series, method: str = "holm") -> pd.Series:
    """Multiple-comparison adjustment (Holm by default), NaNs left as NaN."""
    from statsmodels.stats.multitest import multipletests

    out = pd.Series(np.nan, index=p.index, dtype=float)
    ok = p.notna()
    if ok.any():
        out[ok] = multipletests(p[ok].to_numpy(float), method=method)[1]
    return out
