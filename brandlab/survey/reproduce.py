"""Compare a survey with published findings, item by item, with a verdict per finding.

Verdicts are one of ``reproduced``, ``partly``, ``not``, ``insufficient data`` and are never
stronger than the sample allows:

* a generation with fewer than ``min_group_size`` respondents, or a finding whose concept or
  items the survey did not ask, gives ``insufficient data``;
* ``top3`` findings: *overlap* is how many of the three published items are among this
  survey's top 3; *stability* is the mean, over the published items, of the share of bootstrap
  draws that keep the item in the top 3; Kendall's tau compares the published order with this
  survey's shares (ordered findings only). ``reproduced`` needs overlap 3, stability >=
  STABLE (0.8), tau > 0 when ordered, and intervals narrower than MAX_CI_WIDTH; ``not`` needs
  overlap <= 1 and every published item missing from the top 3 to enter it in at most
  UNSTABLE (0.2) of the draws; overlap 2, or overlap 3 short of the bar, is ``partly``;
  overlap <= 1 without that certainty is ``insufficient data``;
* ``share_gt`` findings: ``reproduced`` when the whole bootstrap interval is above the
  threshold (``partly`` if it is wider than MAX_CI_WIDTH), ``not`` when it is wholly below,
  ``partly`` when it straddles the threshold with the share above, ``insufficient data`` when
  it straddles with the share below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from brandlab.schema import SURVEY_VERDICT, validate
from brandlab.survey.findings import Finding, Findings
from brandlab.survey.parse import SurveyData
from brandlab.survey.shares import generation_shares

STABLE = 0.8
UNSTABLE = 0.2
MAX_CI_WIDTH = 0.25


def _subset(data: SurveyData, among: tuple[str, str] | None) -> pd.DataFrame:
    if among is None:
        return data.answers
    a = data.answers
    keep = a.loc[(a["concept"] == among[0]) & (a["item"] == among[1]) & a["selected"].astype(bool), "respondent_id"]
    return a[a["respondent_id"].isin(set(keep))]


def _row(data: SurveyData, f: Finding, verdict: str, reason: str, **kw: Any) -> dict[str, Any]:
    return {"survey_id": data.survey_id, "finding_id": f.id, "concept": f.concept, "generation": f.generation,
            "published": f.published, "verdict": verdict, "reason": reason, "observed": None, **kw}


def _judge_top3(data: SurveyData, f: Finding, s: pd.DataFrame, n: int) -> dict[str, Any]:
    s = s.sort_values(["share", "item"], ascending=[False, True])
    observed = s["item"].head(3).tolist()
    obs_text = "top 3: " + " > ".join(f"{r.item} {r.share:.0%}" for r in s.head(3).itertuples())
    pub = s.set_index("item").loc[list(f.items)]
    overlap = len(set(f.items) & set(observed))
    stability = float(pub["top3_stability"].mean())
    width = float((pub["ci_high"] - pub["ci_low"]).max())
    tau = np.nan
    if f.ordered:
        t = kendalltau([1, 2, 3], -pub["share"].to_numpy()).statistic
        tau = float(t) if t == t else np.nan
    kw = {"observed": obs_text, "n": n, "top3_overlap": overlap, "kendall_tau": tau, "stability": stability}
    facts = f"{overlap}/3 published items in the top 3, stability {stability:.2f}, widest interval {width:.2f}"
    if f.ordered and tau == tau:
        facts += f", Kendall tau {tau:+.2f}"
    if overlap == 3 and stability >= STABLE and (not f.ordered or not tau == tau or tau > 0) and width <= MAX_CI_WIDTH:
        return _row(data, f, "reproduced", facts, **kw)
    missing = [i for i in f.items if i not in observed]
    p_missing_in = float(pub.loc[missing, "top3_stability"].max()) if missing else 1.0
    if overlap <= 1 and p_missing_in <= UNSTABLE:
        return _row(data, f, "not", facts, **kw)
    if overlap >= 2:
        why = "" if overlap == 2 else " (short of the bar for 'reproduced': order, stability or interval width)"
        return _row(data, f, "partly", facts + why, **kw)
    return _row(data, f, "insufficient data", facts + f"; points against the finding but a missing item enters "
                f"the top 3 in {p_missing_in:.0%} of draws, too often to say 'not'", **kw)


def _judge_share(data: SurveyData, f: Finding, s: pd.DataFrame, n: int) -> dict[str, Any]:
    r = s.set_index("item").loc[f.item]
    share, lo, hi, t = float(r["share"]), float(r["ci_low"]), float(r["ci_high"]), float(f.threshold or 0)
    kw = {"observed": f"share({f.item}) = {share:.1%} [{lo:.1%}, {hi:.1%}]", "n": n, "share": share,
          "ci_low": lo, "ci_high": hi}
    facts = f"95% interval [{lo:.1%}, {hi:.1%}] vs published > {t:.0%}"
    if lo > t:
        if hi - lo > MAX_CI_WIDTH:
            return _row(data, f, "partly", facts + f"; interval wider than {MAX_CI_WIDTH:.0%}", **kw)
        return _row(data, f, "reproduced", facts + "; wholly above", **kw)
    if hi < t:
        return _row(data, f, "not", facts + "; wholly below", **kw)
    if share >= t:
        return _row(data, f, "partly", facts + "; the share is above but the interval reaches below", **kw)
    return _row(data, f, "insufficient data", facts + "; the interval straddles the threshold", **kw)


def reproduce(data: SurveyData, findings: Findings, *, n_boot: int = 1000, seed: int = 0,
              min_group_size: int = 30) -> pd.DataFrame:
    """One SURVEY_VERDICT row per finding (see the module docstring for the rules)."""
    rows = []
    cache: dict[tuple[str, tuple[str, str] | None], pd.DataFrame] = {}
    for f in findings.findings:
        items = data.items.get(f.concept)
        if items is None:
            rows.append(_row(data, f, "insufficient data",
                             f"the survey has no question mapped to concept {f.concept!r}"))
            continue
        wanted = list(f.items) if f.kind == "top3" else [str(f.item)]
        missing = [i for i in wanted if i not in items]
        if missing:
            rows.append(_row(data, f, "insufficient data", f"the codebook of {f.concept!r} lacks {missing}"))
            continue
        if f.among is not None and f.among[0] not in data.items:
            rows.append(_row(data, f, "insufficient data", f"needs concept {f.among[0]!r} to select respondents"))
            continue
        key = (f.concept, f.among)
        if key not in cache:
            cache[key] = generation_shares(_subset(data, f.among), data.respondents, f.concept, items,
                                           survey_id=data.survey_id, n_boot=n_boot, seed=seed,
                                           min_group_size=min_group_size, warn=False)
        s = cache[key]
        s = s[s["generation"] == f.generation]
        n = int(s["n"].iloc[0]) if len(s) else 0
        if n < min_group_size:
            rows.append(_row(data, f, "insufficient data", f"only {n} respondents (< {min_group_size})", n=n))
            continue
        rows.append(_judge_top3(data, f, s, n) if f.kind == "top3" else _judge_share(data, f, s, n))
    return validate(pd.DataFrame(rows, columns=SURVEY_VERDICT.names), SURVEY_VERDICT)


def format_verdicts(v: pd.DataFrame) -> str:
    """A plain-text table of verdicts for the terminal."""
    cols = ["finding_id", "generation", "n", "published", "observed", "verdict"]
    t = v[cols].astype(object).where(v[cols].notna(), "")
    return str(t.to_string(index=False))
