"""Per-generation shares and rankings with bootstrap intervals and rank stability.

``generation_shares(answers, respondents, concept, ...)`` returns a SURVEY_SHARE table: for each
generation (X, Y, Z and ``all``) and codebook item, the number answering (``n``), choosing
(``k``), the share, a percentile bootstrap interval (respondents resampled within the
generation), the observed rank by share and two stability measures from the same draws: the
share of draws in which the item keeps its observed rank, and in which it stays in the top 3.

The bootstrap is written here (brandlab/aggregate.py had not landed when this was written):
draws are multinomial resampling weights, so one draw of n respondents costs one matrix
product, and the generator is seeded from (seed, concept, generation) so results do not depend
on the order in which concepts are analysed.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from brandlab.errors import SmallSampleWarning
from brandlab.schema import SURVEY_SHARE, Generation, validate
from brandlab.survey.parse import SurveyData

GENERATIONS = (Generation.X.value, Generation.Y.value, Generation.Z.value)
_CHUNK = 200


def rng_for(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and stable string keys (independent of call order)."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode("utf-8")) for k in keys)])


def bootstrap_shares(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, items) shares from resampling the rows of the 0/1 matrix ``x`` (n, items)."""
    n = x.shape[0]
    out = np.empty((n_boot, x.shape[1]))
    p = np.full(n, 1.0 / n)
    xf = x.astype(float)
    for start in range(0, n_boot, _CHUNK):
        b = min(_CHUNK, n_boot - start)
        w = rng.multinomial(n, p, size=b)
        out[start:start + b] = w @ xf / n
    return out


def rank_desc(shares: np.ndarray) -> np.ndarray:
    """Ranks by share, largest = 1, ties share the best rank ('min'); works row-wise on 2-D input."""
    ranks: np.ndarray = rankdata(-shares, method="min", axis=-1).astype(int)
    return ranks


def indicator_matrix(answers: pd.DataFrame, concept: str, items: list[str]) -> pd.DataFrame:
    """Respondents (rows) x items (columns) 0/1 for one concept; only respondents who answered."""
    a = answers[answers["concept"] == concept]
    if a.empty:
        return pd.DataFrame(columns=items, dtype=int)
    m = a.pivot_table(index="respondent_id", columns="item", values="selected", aggfunc="max", observed=True)
    return m.reindex(columns=items).fillna(False).astype(int)


def _summarise(x: np.ndarray, items: list[str], n_boot: int, rng: np.random.Generator,
               ci: float) -> list[dict[str, object]]:
    n = x.shape[0]
    if n == 0:
        return [{"item": it, "n": 0, "k": 0, "share": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                 "rank": None, "rank_stability": np.nan, "top3_stability": np.nan} for it in items]
    k = x.sum(axis=0)
    share = k / n
    obs_rank = rank_desc(share)
    boot = bootstrap_shares(x, n_boot, rng)
    lo, hi = np.quantile(boot, [(1 - ci) / 2, 1 - (1 - ci) / 2], axis=0)
    ranks = rank_desc(boot)
    keep = (ranks == obs_rank).mean(axis=0)
    top3 = (ranks <= 3).mean(axis=0)
    return [{"item": it, "n": n, "k": int(k[j]), "share": float(share[j]), "ci_low": float(lo[j]),
             "ci_high": float(hi[j]), "rank": int(obs_rank[j]), "rank_stability": float(keep[j]),
             "top3_stability": float(top3[j])} for j, it in enumerate(items)]


def generation_shares(answers: pd.DataFrame, respondents: pd.DataFrame, concept: str, items: list[str], *,
                      survey_id: str = "", n_boot: int = 1000, seed: int = 0, min_group_size: int = 30,
                      ci: float = 0.95, generations: Iterable[str] = GENERATIONS, warn: bool = True) -> pd.DataFrame:
    """Shares, intervals and rank stability of one concept per generation and overall (``all``)."""
    x = indicator_matrix(answers, concept, items)
    gen = respondents.set_index("respondent_id")["generation"].reindex(x.index)
    rows: list[dict[str, object]] = []
    small: list[str] = []
    for g in [*generations, "all"]:
        sub = x if g == "all" else x[(gen == g).to_numpy()]
        for r in _summarise(sub.to_numpy(), items, n_boot, rng_for(seed, concept, g), ci):
            r.update(survey_id=survey_id, concept=concept, generation=g, small_sample=len(sub) < min_group_size)
            rows.append(r)
        if len(sub) < min_group_size:
            small.append(f"{g} (n={len(sub)})")
    if small and warn:
        warnings.warn(f"{concept}: groups below min_group_size={min_group_size}: {', '.join(small)}; "
                      "their shares are returned with small_sample=True", SmallSampleWarning, stacklevel=2)
    return validate(pd.DataFrame(rows, columns=SURVEY_SHARE.names), SURVEY_SHARE)


def all_shares(data: SurveyData, *, n_boot: int, seed: int, min_group_size: int) -> pd.DataFrame:
    """SURVEY_SHARE for every closed concept of a parsed survey."""
    frames = [generation_shares(data.answers, data.respondents, concept, items, survey_id=data.survey_id,
                                n_boot=n_boot, seed=seed, min_group_size=min_group_size, warn=False)
              for concept, items in data.items.items()]
    if not frames:
        return SURVEY_SHARE.empty()
    out = pd.concat(frames, ignore_index=True)
    small = out[out["small_sample"].fillna(False).astype(bool)].drop_duplicates(["concept", "generation"])
    if len(small):
        notes = "; ".join(f"{r.concept}/{r.generation} (n={r.n})" for r in small.itertuples())
        warnings.warn(f"groups below min_group_size={min_group_size}: {notes}; their results are flagged "
                      "small_sample", SmallSampleWarning, stacklevel=2)
    return out
