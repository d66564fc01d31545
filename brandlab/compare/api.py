"""``compare_sides``: one A/B comparison of two hashtags, keyword queries or campaigns.

The result is one verdict table (effect, interval, p and Holm-adjusted p per comparison, with
sample-size warnings and a note on multiple comparisons) plus the detail tables behind it.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from brandlab.compare.logodds import count_terms, distinctive_terms, log_odds_dirichlet
from brandlab.compare.sides import Filters, Side, select_posts
from brandlab.compare.stats import (
    TestResult,
    adjust_pvalues,
    author_means,
    bootstrap_median_ratio,
    brunner_munzel,
    mann_whitney,
    mix_test,
    nb_rate_ratio,
    share_difference,
    summarise_engagement,
)
from brandlab.config import Settings
from brandlab.errors import InsufficientDataError, SmallSampleWarning, format_message
from brandlab.workspace import Workspace

METRICS = {"engagement": "engagement", "likes": "likes", "comments": "comments", "shares": "shares",
           "plays": "plays"}

MULTIPLE_COMPARISONS_NOTE = (
    "p_adjusted controls the family-wise error over every test in this table (Holm); read "
    "p_value alone only for a comparison chosen before looking at the data.")


@dataclass
class Comparison:
    comparison_id: str
    side_a: str
    side_b: str
    verdict: pd.DataFrame
    details: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _row(section: str, r: TestResult, a_value: float | None = None, b_value: float | None = None) -> dict[str, object]:
    return {"section": section, "test": r.name, "effect": r.effect, "a_value": a_value, "b_value": b_value,
            "estimate": r.estimate, "lo": r.lo, "hi": r.hi, "p_value": r.p_value, "n_a": r.n_a, "n_b": r.n_b,
            "warning": r.note}


def comparison_id(a: str, b: str, filters: Filters, metric: str) -> str:
    key = f"{a}\x00{b}\x00{filters}\x00{metric}"
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def compare_sides(ws: Workspace, a: str | Side, b: str | Side, *, settings: Settings | None = None,
                  filters: Filters | None = None, metric: str = "engagement") -> Comparison:
    """Compare side A with side B on engagement, sentiment, mix, keywords and diffusion."""
    settings = settings or Settings()
    filters = filters or Filters()
    sa = a if isinstance(a, Side) else Side.parse(a)
    sb = b if isinstance(b, Side) else Side.parse(b)
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {sorted(METRICS)}")
    pa, pb = select_posts(ws, sa, filters), select_posts(ws, sb, filters)
    for label, df in (("A", pa), ("B", pb)):
        if df.empty:
            raise InsufficientDataError(format_message(
                f"side {label} ({(sa if label == 'A' else sb).label}) matches no posts in the workspace",
                fix="check the hashtag spelling (without #), the filters, or run `brandlab ingest` first"))
    overlap = set(pa["post_id"]) & set(pb["post_id"])
    notes = [MULTIPLE_COMPARISONS_NOTE]
    if overlap:
        notes.append(f"{len(overlap)} posts belong to both sides; they count on each side.")
    cid = comparison_id(sa.label, sb.label, filters, metric)
    m = METRICS[metric]
    rows: list[dict[str, object]] = []
    details: dict[str, pd.DataFrame] = {}
    min_n = settings.min_group_size
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallSampleWarning)
        xa, xb = pa.dropna(subset=[m]), pb.dropna(subset=[m])
        xa = xa.assign(**{m: xa[m].astype(float)})
        xb = xb.assign(**{m: xb[m].astype(float)})
        summ = pd.DataFrame([{"side": "A", **summarise_engagement(xa[m])}, {"side": "B", **summarise_engagement(xb[m])}])
        details["engagement_summary"] = summ
        ma, mb = summ.loc[0, "median"], summ.loc[1, "median"]
        if len(xa) and len(xb):
            ua, ub = author_means(xa, m), author_means(xb, m)
            rows.append(_row(metric, mann_whitney(ua, ub, min_size=min_n), ma, mb) | {"test": "mann_whitney_authors"})
            rows.append(_row(metric, brunner_munzel(ua, ub, min_size=min_n), ma, mb) | {"test": "brunner_munzel_authors"})
            rows.append(_row(metric, bootstrap_median_ratio(xa, xb, value=m, n_boot=settings.n_boot,
                                                            seed=settings.seed, min_size=min_n), ma, mb))
            try:
                rows.append(_row(metric, nb_rate_ratio(xa.assign(follower_count=xa["follower_count"].astype("Float64")),
                                                       xb.assign(follower_count=xb["follower_count"].astype("Float64")),
                                                       value=m, min_size=min_n),
                                 float(xa[m].mean()), float(xb[m].mean())))
            except InsufficientDataError as err:
                notes.append(str(err))
        # platform and generation mix
        r, mix = mix_test(pa["platform"].astype(str), pb["platform"].astype(str), "platform mix")
        rows.append(_row("mix", r))
        details["platform_mix"] = mix
        if pa["generation"].notna().any():
            r, mix = mix_test(pa["generation"].astype(str), pb["generation"].astype(str), "generation mix")
            rows.append(_row("mix", r))
            known_a = float((pa["generation"] != "unknown").mean())
            known_b = float((pb["generation"] != "unknown").mean())
            details["generation_mix"] = mix
            notes.append(f"generation known for {known_a:.0%} of A's and {known_b:.0%} of B's posts.")
        rows += _sentiment_rows(ws, pa, pb, details, notes)
        _keywords(ws, pa, pb, details, notes)
        rows += _diffusion_rows(ws, pa, pb, details, notes, min_n)
    small = sorted({str(w.message) for w in caught if issubclass(w.category, SmallSampleWarning)})
    if small:
        notes.append("small samples: " + "; ".join(small))
        for w in small:
            warnings.warn(w, SmallSampleWarning, stacklevel=2)
    verdict = pd.DataFrame(rows)
    verdict.insert(0, "comparison_id", cid)
    verdict["p_adjusted"] = adjust_pvalues(verdict["p_value"].astype(float))
    verdict["significant"] = verdict["p_adjusted"] < 0.05
    return Comparison(cid, sa.label, sb.label, verdict, details, notes)


def _sentiment_rows(ws: Workspace, pa: pd.DataFrame, pb: pd.DataFrame, details: dict[str, pd.DataFrame],
                    notes: list[str]) -> list[dict[str, object]]:
    if not ws.has_table("post_sentiment") or ws.count("post_sentiment") == 0:
        notes.append("sentiment not compared: run `brandlab analyze --stage sentiment`.")
        return []
    sent = ws.sql("SELECT platform, post_id, label FROM post_sentiment")
    rows = []
    shares = []
    la = pa.merge(sent, on=["platform", "post_id"], how="inner")["label"]
    lb = pb.merge(sent, on=["platform", "post_id"], how="inner")["label"]
    for label in ("positive", "neutral", "negative"):
        ka, kb = int((la == label).sum()), int((lb == label).sum())
        r = share_difference(ka, len(la), kb, len(lb), f"{label} share")
        rows.append(_row("sentiment", r, ka / len(la) if len(la) else None, kb / len(lb) if len(lb) else None))
        shares.append({"label": label, "share_a": ka / len(la) if len(la) else np.nan,
                       "share_b": kb / len(lb) if len(lb) else np.nan, "n_a": len(la), "n_b": len(lb)})
    details["sentiment_shares"] = pd.DataFrame(shares)
    return rows


def _keywords(ws: Workspace, pa: pd.DataFrame, pb: pd.DataFrame, details: dict[str, pd.DataFrame],
              notes: list[str]) -> None:
    if not ws.has_table("post_text") or ws.count("post_text") == 0:
        notes.append("keywords not compared: run `brandlab analyze --stage text`.")
        return
    toks = ws.sql("SELECT platform, post_id, tokens FROM post_text")
    ta = pa[["platform", "post_id"]].merge(toks, on=["platform", "post_id"])["tokens"]
    tb = pb[["platform", "post_id"]].merge(toks, on=["platform", "post_id"])["tokens"]
    table = log_odds_dirichlet(count_terms(_filter_tokens(ta)), count_terms(_filter_tokens(tb)))
    details["keywords"] = distinctive_terms(table)


def _filter_tokens(series: pd.Series) -> list[list[str]]:
    out = []
    for toks in series:
        if toks is None:
            continue
        out.append([t for t in toks if (len(t) > 1 and not t.isascii()) or (t.isalpha() and len(t) > 2)])
    return out


def _diffusion_rows(ws: Workspace, pa: pd.DataFrame, pb: pd.DataFrame, details: dict[str, pd.DataFrame],
                    notes: list[str], min_n: int) -> list[dict[str, object]]:
    if not ws.has_table("cascade_metrics") or ws.count("cascade_metrics") == 0:
        notes.append("diffusion not compared: run `brandlab analyze --stage network`.")
        return []
    cm = ws.sql("SELECT * FROM cascade_metrics")
    key = "root_id" if "root_id" in cm.columns else "post_id"
    rows = []
    summary = []
    for col in ("size", "structural_virality"):
        if col not in cm.columns:
            continue
        va = pa[["platform", "post_id"]].merge(cm, left_on=["platform", "post_id"], right_on=["platform", key])[col]
        vb = pb[["platform", "post_id"]].merge(cm, left_on=["platform", "post_id"], right_on=["platform", key])[col]
        va, vb = va.dropna().astype(float), vb.dropna().astype(float)
        summary += [{"metric": col, "side": "A", **summarise_engagement(va)},
                    {"metric": col, "side": "B", **summarise_engagement(vb)}]
        if len(va) and len(vb):
            rows.append(_row("diffusion", mann_whitney(va.to_numpy(), vb.to_numpy(), min_size=min_n),
                             float(va.median()), float(vb.median())) | {"test": f"mann_whitney_{col}"})
        else:
            notes.append(f"no cascades with {col} on side {'A' if not len(va) else 'B'}.")
    details["diffusion_summary"] = pd.DataFrame(summary)
    return rows
