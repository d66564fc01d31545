"""Comparison statistics on constructed data whose right answer is known."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from brandlab.compare.logodds import log_odds_dirichlet
from brandlab.compare.stats import (
    adjust_pvalues,
    author_means,
    bootstrap_median_ratio,
    brunner_munzel,
    mann_whitney,
    mix_test,
    nb_rate_ratio,
    share_difference,
    summarise_engagement,
    wilson_interval,
)
from brandlab.errors import InsufficientDataError, SmallSampleWarning


def _side(rng: np.random.Generator, n: int, rate: float, n_authors: int = 80) -> pd.DataFrame:
    """Heavy-tailed NB engagement: mean = rate * (1 + followers)**1 / 100 with dispersion 0.8."""
    followers = rng.lognormal(7, 1.5, n_authors).astype(int)
    author = rng.integers(0, n_authors, n)
    mu = rate * (1 + followers[author]) / 100
    size = 0.8
    y = rng.negative_binomial(size, size / (size + mu))
    return pd.DataFrame({"author_id": author.astype(str), "engagement": y, "follower_count": followers[author]})


def test_summary_of_a_known_distribution() -> None:
    s = summarise_engagement(np.r_[np.zeros(98), 1, 100])
    assert s["n"] == 100 and s["share_zero"] == 0.98 and s["median"] == 0
    assert s["top1_share"] == pytest.approx(100 / 101)


def test_nb_finds_a_true_rate_ratio_of_1_4() -> None:
    """Over 20 seeded datasets the 95 % interval must exclude 1 every time and cover the true
    1.4 at least 16 times (binomial(20, 0.95) 1st percentile is 16)."""
    covered = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        a, b = _side(rng, 2000, 1.0), _side(rng, 2000, 1.4)
        r = nb_rate_ratio(a, b)
        assert r.lo > 1.0 and r.p_value < 0.01
        assert r.estimate == pytest.approx(1.4, rel=0.15)
        covered += r.lo < 1.4 < r.hi
    assert covered >= 16


@pytest.mark.slow
def test_identical_topics_are_not_declared_different_beyond_nominal_rate() -> None:
    """200 seeded repeats at alpha 0.05: the false-positive count must stay within the
    binomial(200, 0.05) 99.9 % upper bound (21)."""
    rng = np.random.default_rng(11)
    fp_mw = fp_nb = 0
    for _ in range(200):
        a, b = _side(rng, 300, 1.0, 60), _side(rng, 300, 1.0, 60)
        fp_mw += mann_whitney(author_means(a), author_means(b), min_size=10).p_value < 0.05
        fp_nb += nb_rate_ratio(a, b).p_value < 0.05
    assert fp_mw <= 21
    assert fp_nb <= 21


def test_rank_tests_detect_a_shift_and_not_a_null() -> None:
    rng = np.random.default_rng(3)
    a = rng.poisson(3, 500)
    assert mann_whitney(a, rng.poisson(3, 500)).p_value > 0.001
    shifted = mann_whitney(a, rng.poisson(5, 500))
    assert shifted.p_value < 1e-6 and shifted.estimate > 0.6
    bm = brunner_munzel(a, rng.poisson(5, 500))
    assert bm.p_value < 1e-6 and bm.lo < bm.estimate < bm.hi


def test_median_ratio_resamples_authors() -> None:
    rng = np.random.default_rng(5)
    a = pd.DataFrame({"author_id": np.repeat(np.arange(50), 10).astype(str),
                      "engagement": rng.poisson(10, 500)})
    b = a.assign(engagement=a["engagement"] * 2)
    r = bootstrap_median_ratio(a, b, n_boot=300, seed=1)
    assert r.estimate == pytest.approx(2.0, rel=0.05)
    assert r.lo <= 2.0 <= r.hi


def test_small_and_empty_sides() -> None:
    with pytest.warns(SmallSampleWarning):
        mann_whitney(np.arange(5), np.arange(5) + 1)
    with pytest.raises(InsufficientDataError, match="side A"):
        mann_whitney(np.array([]), np.arange(5))


def test_wilson_and_share_difference() -> None:
    lo, hi = wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0.2 < hi < 0.35
    d = share_difference(30, 100, 60, 100, "positive share")
    assert d.estimate == pytest.approx(0.3) and d.lo < 0.3 < d.hi and d.p_value < 0.001


def test_mix_test_and_holm() -> None:
    a = pd.Series(["weibo"] * 50 + ["douyin"] * 50)
    b = pd.Series(["weibo"] * 90 + ["douyin"] * 10)
    r, mix = mix_test(a, b, "platform mix")
    assert r.p_value < 1e-6 and set(mix["category"]) == {"weibo", "douyin"}
    adj = adjust_pvalues(pd.Series([0.01, 0.04, np.nan, 0.03]))
    assert adj.iloc[0] == pytest.approx(0.03) and np.isnan(adj.iloc[2])


def test_log_odds_ranks_distinctive_terms() -> None:
    a = Counter({"火锅": 50, "熊猫": 10, "成都": 100})
    b = Counter({"火锅": 5, "熊猫": 40, "成都": 100})
    t = log_odds_dirichlet(a, b).set_index("term")
    assert t.loc["火锅", "z"] > 1.96 and t.loc["熊猫", "z"] < -1.96
    assert abs(t.loc["成都", "z"]) < 1.96
