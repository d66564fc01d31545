"""Survey readers on the hand-made fixtures (fixtures/survey/make_fixtures.py): both wjx forms,
腾讯问卷 CSV in UTF-8 BOM and GB18030; multi-choice, ranking and malformed answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandlab.errors import ExportFormatError, UnknownFormatError
from brandlab.survey.mapping import load_mapping, parse_mapping
from brandlab.survey.parse import parse_survey
from brandlab.survey.readers import RawSurvey, option_names, parse_headers, read_export

HERE = Path(__file__).resolve().parents[2] / "fixtures" / "survey"
FILES = {"wjx_text.xlsx": "wjx.xlsx.text", "wjx_code.xlsx": "wjx.xlsx.code",
         "tencent_utf8bom.csv": "tencent.csv.text", "tencent_gb18030.csv": "tencent.csv.text"}


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(HERE / "mapping.yaml")


def _parse(name: str, mapping):
    return parse_survey(read_export(HERE / name), mapping)


def _chosen(data, concept: str, rid: str) -> set[str]:
    a = data.answers
    return set(a.loc[(a.concept == concept) & (a.respondent_id == rid) & a.selected, "item"])


@pytest.mark.parametrize("name", list(FILES))
def test_respondents_and_generations(name, mapping):
    d = _parse(name, mapping)
    assert d.source_format == FILES[name]
    r = d.respondents.set_index("respondent_id")
    assert list(r.index) == ["1", "2", "3", "4", "5", "6"]  # the empty row is not a respondent
    assert r["generation"].tolist() == ["Z", "Y", "X", "unknown", "unknown", "Z"]
    assert r.loc["1", "birth_year"] == 1998 and pd.isna(r.loc["4", "birth_year"])
    assert str(r["submitted_at"].dt.tz) == "Asia/Shanghai"


@pytest.mark.parametrize("name", list(FILES))
def test_multi_choice_one_column_per_option(name, mapping):
    d = _parse(name, mapping)
    assert _chosen(d, "channel", "1") == {"short_video", "personal_social", "public_social"}
    assert _chosen(d, "channel", "3") == {"friends_family", "tv_newspaper"}
    assert _chosen(d, "channel", "4") == {"short_video"}
    # the 其他 column is ignored on purpose (mapping ignore:), not an unknown option
    assert set(d.answers.loc[d.answers.concept == "channel", "item"]) == {
        "short_video", "friends_family", "tv_newspaper", "personal_social", "public_social"}


@pytest.mark.parametrize("name", list(FILES))
def test_ranking_and_skips(name, mapping):
    d = _parse(name, mapping)
    a = d.answers[(d.answers.concept == "attention") & (d.answers.respondent_id == "1")]
    assert a.dropna(subset=["rank"]).set_index("item")["rank"].to_dict() == {
        "nature_culture": 1, "events": 2, "facilities": 3}
    # respondent 3 skipped the ranking ((跳过) / -3 / empty): no rows, so not in the denominator
    assert not ((d.answers.concept == "attention") & (d.answers.respondent_id == "3")).any()
    assert _chosen(d, "settle_factor", "3") == {"housing_price", "family_friends_there"}


def test_text_form_other_answer_and_single_column_multi(mapping):
    d = _parse("wjx_text.xlsx", mapping)
    assert _chosen(d, "migration_reason", "6") == {"interest_in_city", "other"}   # 其他〖气候〗
    assert _chosen(d, "migration_reason", "1") == {"interest_in_city", "job_opportunity"}  # a┋b in one cell
    assert d.texts.set_index("respondent_id").loc["1", "text"] == "活力 时尚 繁华"


EXPECTED_QUARANTINE = {
    "wjx_text.xlsx": [(5, "1、", "3000", "outside the plausible range"), (5, "6、", "火星", "not an option"),
                      (7, "1、", "九五年", "not a whole number"), (7, "(亲友)", "maybe", "not a selection marker"),
                      (7, "4、", "自然人文→自然人文→设施资源", "appears twice")],
    "wjx_code.xlsx": [(5, "1、", "3000", "outside the plausible range"), (5, "5、", "9", "not an option"),
                      (7, "1、", "九五年", "not a whole number"), (7, "(亲友)", "maybe", "not a selection marker"),
                      (7, "4、(设施资源)", "1", "more than one option")],
    "tencent_utf8bom.csv": [(5, "Q1", "3000", "outside the plausible range"), (5, "Q6", "火星", "not an option"),
                            (6, "Q1", "九五年", "not a whole number"), (6, "-亲友", "maybe", "not a selection marker"),
                            (6, "Q4", "自然人文┋自然人文┋设施资源", "appears twice")],
}


@pytest.mark.parametrize("name", list(EXPECTED_QUARANTINE))
def test_malformed_answers_are_quarantined_with_reasons(name, mapping):
    d = _parse(name, mapping)
    q = d.quarantine.sort_values(["source_row", "column"]).reset_index(drop=True)
    assert len(q) == len(EXPECTED_QUARANTINE[name])
    for row, col, value, reason in EXPECTED_QUARANTINE[name]:
        hit = q[(q.source_row == row) & q.column.str.contains(col, regex=False) & (q.value == value)]
        assert len(hit) == 1, (row, col, value)
        assert reason.replace("not an option", "neither an option text") in hit.reason.iloc[0]
    assert (q.source_file == str(HERE / name)).all() and q.file_hash.notna().all()
    # the quarantined cell leaves that respondent out of that question only, never out of the survey
    assert len(d.respondents) == 6
    assert not ((d.answers.respondent_id == "5") & (d.answers.concept == "attention")).any()
    assert ((d.answers.respondent_id == "5") & (d.answers.concept == "settle_factor")).any()


@pytest.mark.parametrize(("headers", "expected"), [
    (["序号", "1、您的出生年份是？", "3、渠道？(短视频平台)", "(亲友)", "4、(A)"],
     [("", "序号"), ("1", "您的出生年份是？"), ("3", "渠道？(短视频平台)"), ("3", "(亲友)"), ("4", "(A)")]),
    (["编号", "Q1:年份", "Q12 题目-选项", "第3题 你好", "5.问题"],
     [("", "编号"), ("1", "年份"), ("12", "题目-选项"), ("3", "你好"), ("5", "问题")]),
])
def test_parse_headers(headers, expected):
    assert [(c.question, c.stem) for c in parse_headers(headers)] == expected


@pytest.mark.parametrize(("stems", "expected"), [
    (["渠道？(电视)", "渠道？(电视/报纸)"], ["电视", "电视/报纸"]),
    (["(个人社交平台(朋友圈/QQ空间))", "(公共社交平台(微博/公众号))"],
     ["个人社交平台(朋友圈/QQ空间)", "公共社交平台(微博/公众号)"]),
    (["渠道？-短视频平台", "渠道？-亲友"], ["短视频平台", "亲友"]),
    (["因素？:房价", "因素？:工作机会"], ["房价", "工作机会"]),
    (["渠道？（多选）(短视频)"], ["短视频"]),
])
def test_option_names(stems, expected):
    assert option_names(stems) == expected


def test_unknown_option_column_is_an_error_naming_it(mapping, tmp_path):
    raw = read_export(HERE / "wjx_text.xlsx")
    raw.headers[raw.columns[10].index] = "3、您通常通过哪些渠道了解一个城市？(小红书)"
    from brandlab.survey.readers import parse_headers as ph
    raw.columns = ph(raw.headers)
    with pytest.raises(ExportFormatError, match=r"小红书.*not in the mapping"):
        parse_survey(raw, mapping)


@pytest.mark.parametrize(("data", "match"), [
    ({"questions": [{"concept": "channel", "question": 3, "kind": "multi", "options": {"a": "b"}}]}, "generation"),
    ({"questions": [{"concept": "generation", "question": 1, "kind": "age"}]}, "survey_year"),
    ({"questions": [{"concept": "generation", "question": 1, "kind": "sometimes"}]}, "kind is unknown"),
    ({"questions": [{"concept": "generation", "question": 1, "kind": "birth_year"},
                    {"concept": "channel", "question": 3, "kind": "multi"}]}, "has no options"),
    ({"nothing": 1}, "no 'questions'"),
])
def test_mapping_errors_name_the_problem(data, match):
    with pytest.raises(ExportFormatError, match=match):
        parse_mapping(data, "m.yaml")


def test_missing_question_and_unknown_type(mapping, tmp_path):
    m = parse_mapping({"questions": [{"concept": "generation", "question": 99, "kind": "birth_year"}]}, "m.yaml")
    with pytest.raises(ExportFormatError, match="no question '99'"):
        parse_survey(read_export(HERE / "wjx_text.xlsx"), m)
    p = tmp_path / "x.sav"
    p.write_bytes(b"x")
    with pytest.raises(UnknownFormatError):
        read_export(p)


def test_age_question_derives_birth_year():
    m = parse_mapping({"survey_year": 2020, "questions": [{"concept": "generation", "question": 1, "kind": "age"}]})
    raw = RawSurvey("mem.csv", "tencent.csv", "h", pd.DataFrame({0: ["1", "2", "3"], 1: ["22", "200", "abc"]},
                    index=[2, 3, 4], dtype=object), ["编号", "Q1:您的年龄"], parse_headers(["编号", "Q1:您的年龄"]))
    d = parse_survey(raw, m)
    assert d.respondents["birth_year"].tolist()[0] == 1998 and d.respondents["generation"].tolist() == [
        "Z", "unknown", "unknown"]
    assert sorted(d.quarantine["value"]) == ["200", "abc"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(-5000, 5000).map(str), st.text(max_size=6), st.none()), min_size=1,
                max_size=15))
def test_every_birth_year_cell_is_accepted_or_quarantined(values):
    m = parse_mapping({"questions": [{"concept": "generation", "question": 1, "kind": "birth_year",
                                      "valid": [1930, 2010]}]})
    values = [None if v is not None and v.strip() == "" else v for v in values]
    ids = [str(i) for i in range(1, len(values) + 1)]
    cells = pd.DataFrame({0: ids, 1: values}, index=range(2, 2 + len(values)), dtype=object)
    raw = RawSurvey("mem.csv", "tencent.csv", "h", cells, ["编号", "Q1:出生年份"], parse_headers(["编号", "Q1:出生年份"]))
    d = parse_survey(raw, m)
    assert len(d.respondents) == len(values)                      # rows never dropped
    accepted = set(d.respondents.loc[d.respondents.birth_year.notna(), "source_row"])
    quarantined = set(d.quarantine["source_row"])
    assert not accepted & quarantined
    skipped = {r for r, v in zip(cells.index, values, strict=True)
               if v is None or v.strip() in ("(跳过)", "-3", "-2", "(空)", "跳过", "-")}
    assert accepted | quarantined | skipped == set(cells.index)
