"""Differences between generations: chi-square across generations and pairwise two-proportion z.

For each item of a concept: a chi-square test of independence on the 2 x G table (chose / did
not choose x generation), and a two-proportion z test for every pair of generations. p-values
are Holm-corrected within the concept, separately for the chi-square family and the z family.
Groups with no respondents are left out; an item chosen by everyone or no one gets p = 1.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from brandlab.schema import SURVEY_DIFFERENCE, validate
from brandlab.survey.shares import GENERATIONS, indicator_matrix


def _chi2(table: np.ndarray) -> tuple[float, float]:
    if (table.sum(axis=1) == 0).any() or table.shape[1] < 2:
        return 0.0, 1.0
    stat, p, _, _ = chi2_contingency(table, correction=False)
    return float(stat), float(p)


def _z(k: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    if k.sum() in (0, n.sum()):
        return 0.0, 1.0
    stat, p = proportions_ztest(k, n)
    return float(stat), float(p)


def generation_differences(answers: pd.DataFrame, respondents: pd.DataFrame, concept: str, items: list[str], *,
                           survey_id: str = "", alpha: float = 0.05) -> pd.DataFrame:
    """SURVEY_DIFFERENCE rows for one concept (see the module docstring)."""
    x = indicator_matrix(answers, concept, items)
    gen = respondents.set_index("respondent_id")["generation"].reindex(x.index)
    groups = [g for g in GENERATIONS if (gen == g).sum() > 0]
    k = {g: x[(gen == g).to_numpy()].sum(axis=0) for g in groups}
    n = {g: int((gen == g).sum()) for g in groups}
    rows = []
    for it in items:
        if len(groups) >= 2:
            table = np.array([[k[g][it] for g in groups], [n[g] - k[g][it] for g in groups]])
            stat, p = _chi2(table)
            rows.append({"item": it, "test": "chi2", "group_a": ",".join(groups), "group_b": "*",
                         "share_a": np.nan, "share_b": np.nan, "statistic": stat, "p_value": p})
        for a, b in combinations(groups, 2):
            stat, p = _z(np.array([k[a][it], k[b][it]]), np.array([n[a], n[b]]))
            rows.append({"item": it, "test": "z", "group_a": a, "group_b": b, "share_a": k[a][it] / n[a],
                         "share_b": k[b][it] / n[b], "statistic": stat, "p_value": p})
    df = pd.DataFrame(rows, columns=["item", "test", "group_a", "group_b", "share_a", "share_b", "statistic",
                                     "p_value"])
    df["p_adjusted"] = np.nan
    for _, idx in df.groupby("test").groups.items():
        df.loc[idx, "p_adjusted"] = multipletests(df.loc[idx, "p_value"].clip(0, 1), method="holm")[1]
    df["significant"] = df["p_adjusted"] < alpha
    df.insert(0, "concept", concept)
    df.insert(0, "survey_id", survey_id)
    return validate(df, SURVEY_DIFFERENCE)
