"""Shares, intervals, rank stability, tests between generations, verdict rules, findings data, CLI."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from brandlab.errors import SmallSampleWarning
from brandlab.schema import SURVEY_ANSWER, SURVEY_RESPONDENT, validate
from brandlab.survey.differences import generation_differences
from brandlab.survey.findings import Findings, load_findings, parse_findings
from brandlab.survey.keywords import text_answers
from brandlab.survey.parse import SurveyData
from brandlab.survey.reproduce import reproduce
from brandlab.survey.shares import bootstrap_shares, generation_shares, rank_desc
from brandlab.survey.social import WHAT_POSTS_TELL, post_generation_shares, side_by_side

ROOT = Path(__file__).resolve().parents[2]
ITEMS = ["a", "b", "c", "d", "e"]


def make_survey(p: dict[str, list[float]], n: dict[str, int], seed: int = 0, concept: str = "channel") -> SurveyData:
    """Respondents choosing item i with probability p[gen][i] (exact counts: round(p * n))."""
    rng = np.random.default_rng(seed)
    resp, ans = [], []
    for g, size in n.items():
        chosen = {it: set(rng.permutation(size)[: round(pi * size)]) for it, pi in zip(ITEMS, p[g], strict=True)}
        for i in range(size):
            rid = f"{g}{i}"
            resp.append({"survey_id": "s", "respondent_id": rid, "generation": g})
            ans += [{"survey_id": "s", "respondent_id": rid, "concept": concept, "item": it,
                     "selected": i in chosen[it]} for it in ITEMS]
    return SurveyData("s", validate(pd.DataFrame(resp), SURVEY_RESPONDENT), validate(pd.DataFrame(ans), SURVEY_ANSWER),
                      pd.DataFrame(columns=["survey_id", "respondent_id", "concept", "text"]), pd.DataFrame(),
                      "test", {concept: ITEMS})


def findings(*fs: dict) -> Findings:
    return parse_findings({"findings": list(fs)})


def test_rank_desc_ties_share_the_best_rank():
    assert rank_desc(np.array([0.5, 0.7, 0.5, 0.1])).tolist() == [2, 1, 2, 4]


def test_bootstrap_shares_constant_columns_and_seed():
    x = np.array([[1, 0, 1]] * 10 + [[1, 0, 0]] * 10)
    b1 = bootstrap_shares(x, 300, np.random.default_rng(1))
    b2 = bootstrap_shares(x, 300, np.random.default_rng(1))
    assert np.array_equal(b1, b2)
    assert (b1[:, 0] == 1).all() and (b1[:, 1] == 0).all()
    assert 0.4 < b1[:, 2].mean() < 0.6 and b1[:, 2].std() > 0.05


def test_generation_shares_counts_intervals_and_stability():
    d = make_survey({"Z": [0.9, 0.6, 0.3, 0.1, 0.05]}, {"Z": 400})
    s = generation_shares(d.answers, d.respondents, "channel", ITEMS, n_boot=400, seed=3, generations=["Z"])
    z = s[s.generation == "Z"].set_index("item")
    assert z.loc["a", "n"] == 400 and z.loc["a", "k"] == 360 and z.loc["a", "share"] == pytest.approx(0.9)
    assert (z["ci_low"] <= z["share"]).all() and (z["share"] <= z["ci_high"]).all()
    assert z["rank"].tolist() == [1, 2, 3, 4, 5]
    assert z.loc["a", "rank_stability"] == 1.0 and z.loc["c", "top3_stability"] > 0.99
    assert z.loc["d", "top3_stability"] < 0.01
    assert not z["small_sample"].any()


def test_small_groups_are_flagged_and_warned():
    d = make_survey({"X": [0.5] * 5, "Z": [0.5] * 5}, {"X": 10, "Z": 50})
    with pytest.warns(SmallSampleWarning, match=r"X \(n=10\)"):
        s = generation_shares(d.answers, d.respondents, "channel", ITEMS, n_boot=50)
    assert s.set_index("generation")["small_sample"].groupby(level=0).first().to_dict()["X"]
    assert s[(s.generation == "Y")]["n"].eq(0).all() and s[(s.generation == "Y")]["share"].isna().all()


def test_generation_differences_detect_real_gaps_only():
    d = make_survey({"Y": [0.8, 0.5, 0.5, 0.5, 0.5], "Z": [0.2, 0.5, 0.5, 0.5, 0.52]}, {"Y": 300, "Z": 300})
    t = generation_differences(d.answers, d.respondents, "channel", ITEMS).set_index(["item", "test"])
    assert t.loc[("a", "z"), "significant"] and t.loc[("a", "z"), "p_adjusted"] < 1e-6
    assert not t.loc[("e", "z"), "significant"] and not t.loc[("b", "chi2"), "significant"]
    assert (t["p_adjusted"] >= t["p_value"] - 1e-12).all()


TOP3 = {"id": "f", "concept": "channel", "generation": "Z", "kind": "top3", "items": ["a", "b", "c"]}


@pytest.mark.parametrize(("p", "n", "extra", "verdict"), [
    ([0.9, 0.7, 0.5, 0.2, 0.1], 500, {}, "reproduced"),
    ([0.9, 0.7, 0.5, 0.2, 0.1], 20, {}, "insufficient data"),             # below min_group_size
    ([0.1, 0.2, 0.3, 0.8, 0.9], 500, {}, "not"),
    ([0.9, 0.7, 0.2, 0.5, 0.1], 500, {}, "partly"),                        # 2 of 3
    ([0.5, 0.7, 0.9, 0.2, 0.1], 500, {}, "partly"),                        # right set, reversed order
    ([0.5, 0.7, 0.9, 0.2, 0.1], 500, {"ordered": False}, "reproduced"),    # unordered finding
    ([0.62, 0.6, 0.58, 0.56, 0.1], 40, {}, "partly"),                      # right top 3 but unstable
])
def test_top3_verdicts(p, n, extra, verdict):
    d = make_survey({"Z": p}, {"Z": n})
    v = reproduce(d, findings({**TOP3, **extra}), n_boot=400, seed=1)
    assert v["verdict"].iloc[0] == verdict, v["reason"].iloc[0]


SHARE = {"id": "g", "concept": "channel", "generation": "all", "kind": "share_gt", "item": "a", "threshold": 0.6}


@pytest.mark.parametrize(("pa", "n", "verdict"), [
    (0.70, 1000, "reproduced"), (0.50, 1000, "not"), (0.62, 300, "partly"), (0.59, 300, "insufficient data"),
    (0.80, 35, "partly"),   # above, but the interval is wider than MAX_CI_WIDTH
])
def test_share_verdicts(pa, n, verdict):
    d = make_survey({"Z": [pa, 0.5, 0.5, 0.5, 0.5]}, {"Z": n})
    v = reproduce(d, findings(SHARE), n_boot=400, seed=1).iloc[0]
    assert v["verdict"] == verdict, v["reason"]
    assert v["ci_low"] <= v["share"] <= v["ci_high"]


def test_unasked_concepts_and_items_are_insufficient():
    d = make_survey({"Z": [0.5] * 5}, {"Z": 100})
    v = reproduce(d, findings({**TOP3, "concept": "attention"}, {**TOP3, "id": "h", "items": ["a", "b", "zz"]}))
    assert v["verdict"].tolist() == ["insufficient data"] * 2
    assert "no question mapped" in v["reason"].iloc[0] and "lacks ['zz']" in v["reason"].iloc[1]


def test_among_restricts_the_denominator():
    d = make_survey({"Z": [0.5] * 5}, {"Z": 200})
    movers = d.answers[(d.answers.item == "a") & d.answers.selected].respondent_id
    extra = d.answers[d.answers.respondent_id.isin(movers)].assign(concept="reason")
    extra.loc[extra.item == "b", "selected"] = True   # every mover names b
    d2 = SurveyData("s", d.respondents, pd.concat([d.answers, extra]), d.texts, d.quarantine, "t",
                    {"channel": ITEMS, "reason": ITEMS})
    f = {**SHARE, "concept": "reason", "item": "b", "among": {"concept": "channel", "item": "a"}}
    v = reproduce(d2, findings(f), n_boot=200).iloc[0]
    assert v["n"] == 100 and v["share"] == 1.0 and v["verdict"] == "reproduced"


def test_shipped_findings_are_the_published_ones():
    f = load_findings()
    assert "10,303" in f.citation and "2020-10" in f.citation and "BCG" in f.citation
    by = {x.id: x for x in f.findings}
    assert by["channel_z"].items == ("short_video", "personal_social", "public_social")
    assert by["attention_x"].items == ("nature_culture", "facilities", "livelihood_policy")
    assert by["migration_interest"].threshold == 0.60 and by["brand_image_settle"].threshold == pytest.approx(1 / 3,
                                                                                                            abs=1e-3)
    assert set(by["image_traits_young"].items) == {"vitality", "prosperity", "fashion"}


def test_text_answers_through_a_lexicon():
    texts = pd.DataFrame({"survey_id": "s", "respondent_id": ["1", "2", "3"], "concept": "city_image_text",
                          "text": ["活力 时尚", "安静", "繁华 活力"]})
    lex = {"活力": "vitality", "时尚": ("fashion", "modernity"), "繁华": "prosperity"}
    a, items = text_answers(texts, lex, str.split, source_concept="city_image_text", concept="traits")
    assert items == ["fashion", "modernity", "prosperity", "vitality"]
    sel = a[a.selected].groupby("respondent_id")["item"].apply(set).to_dict()
    assert sel == {"1": {"vitality", "fashion", "modernity"}, "3": {"prosperity", "vitality"}}
    assert a.respondent_id.nunique() == 3   # a respondent naming no label still counts in the denominator


def test_post_shares_resample_authors_and_line_up_with_the_survey():
    posts = pd.DataFrame({"platform": "douyin", "post_id": list("abcdef"), "author_id": list("112344"),
                          "kind": "post"})
    tags = pd.DataFrame({"platform": "douyin", "post_id": ["a", "b", "c", "e"], "facet": "dimension",
                         "label": ["food", "food", "events", "food"]})
    gens = pd.DataFrame({"platform": "douyin", "author_id": list("1234"), "generation": ["Z", "Z", "Y", "unknown"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        s = post_generation_shares(posts, tags, gens, "dimension", n_boot=200)
    z = s[s.generation == "Z"].set_index("label")
    assert z.loc["food", "share"] == pytest.approx(2 / 3) and z.loc["food", "n_authors"] == 2
    assert s[s.generation == "all"]["n_posts"].iloc[0] == 4     # unknown-generation posts are left out
    survey = pd.DataFrame({"concept": "attention", "generation": "Z", "item": ["food", "events"], "n": 10,
                           "share": [0.5, 0.4], "ci_low": 0.3, "ci_high": 0.7, "rank": [1, 2]})
    sbs = side_by_side(survey, s, "attention")
    row = sbs[(sbs.generation == "Z") & (sbs.item == "food")].iloc[0]
    assert row["survey_share"] == 0.5 and row["post_share"] == pytest.approx(2 / 3)
    assert "cannot show how people *learn about* a city" in WHAT_POSTS_TELL


def test_cli_reproduce_prints_verdicts_and_writes_workspace(tmp_path):
    from brandlab.cli import main
    from brandlab.workspace import Workspace

    out = tmp_path / "ws.duckdb"
    r = CliRunner().invoke(main, ["reproduce", str(ROOT / "fixtures/survey/wjx_text.xlsx"), "--mapping",
                                  str(ROOT / "fixtures/survey/mapping.yaml"), "--workspace", str(out),
                                  "--n-boot", "50"])
    assert r.exit_code == 0, r.output
    assert "channel_z" in r.output and "insufficient data" in r.output and "5 answers quarantined" in r.output
    with Workspace(out) as ws:
        assert ws.count("survey_verdicts") == 9 and ws.count("survey_respondents") == 6
        assert ws.count("quarantine") == 5
    bad = CliRunner().invoke(main, ["reproduce", str(ROOT / "fixtures/survey/wjx_text.xlsx"), "--mapping",
                                    str(ROOT / "fixtures/survey/tencent_utf8bom.csv")])
    assert bad.exit_code == 2 and "no 'questions' list" in bad.output


def test_demo_survey_file_matches_its_generator():
    import sys

    sys.path.insert(0, str(ROOT / "fixtures/survey"))
    from make_demo_survey import OUT, generate

    from brandlab.survey.readers import read_export

    head, rows = generate()
    raw = read_export(OUT)
    assert raw.headers == head and len(raw.cells) == len(rows) == 925
    got = raw.cells.iloc[[0, 500, -1]].to_numpy().tolist()
    want = [[None if v in (None, "") else str(v) for v in rows[i]] for i in (0, 500, -1)]
    assert got == want
