"""Tables of questionnaire surveys (issue 10), written by :mod:`brandlab.survey`: respondents,
closed and open answers, per-generation shares, differences between generations and one verdict
per published finding.
"""

from __future__ import annotations

from brandlab.schema import BOOL, FLOAT, INT, STR, TIME, Generation, TableSchema, _col, register

_GEN_OR_ALL = tuple(g.value for g in Generation) + ("all",)
_VERDICTS = ("reproduced", "partly", "not", "insufficient data")

SURVEY_RESPONDENT = TableSchema(
    "survey_respondents",
    (
        _col("survey_id", STR, False),
        _col("respondent_id", STR, False),
        _col("birth_year", INT, bounds=(1900, 2030)),
        _col("generation", STR, False, values=Generation),
        _col("submitted_at", TIME),
        _col("source_file", STR),
        _col("source_format", STR, doc="wjx.xlsx.text | wjx.xlsx.code | tencent.csv ..."),
        _col("source_row", INT, doc="1-based row in the export (header = row 1)"),
    ),
    key=("survey_id", "respondent_id"),
    doc="One row per questionnaire respondent; generation from birth year/age (Settings.generations).",
)

SURVEY_ANSWER = TableSchema(
    "survey_answers",
    (
        _col("survey_id", STR, False),
        _col("respondent_id", STR, False),
        _col("concept", STR, False, doc="channel | attention | migration_reason | settle_factor | ..."),
        _col("item", STR, False, doc="codebook item code from the mapping file"),
        _col("selected", BOOL, False, doc="chosen (ranking: ranked, within top_k when the mapping sets it)"),
        _col("rank", INT, bounds=(1, None), doc="rank given in a ranking question"),
    ),
    key=("survey_id", "respondent_id", "concept", "item"),
    doc="Closed answers, one row per respondent x answered question x codebook item.",
)

SURVEY_TEXT = TableSchema(
    "survey_texts",
    (
        _col("survey_id", STR, False),
        _col("respondent_id", STR, False),
        _col("concept", STR, False),
        _col("text", STR, False),
    ),
    key=("survey_id", "respondent_id", "concept"),
    doc="Open answers (e.g. words describing the city's image).",
)

SURVEY_SHARE = TableSchema(
    "survey_shares",
    (
        _col("survey_id", STR, False),
        _col("concept", STR, False),
        _col("generation", STR, False, values=_GEN_OR_ALL),
        _col("item", STR, False),
        _col("n", INT, False, bounds=(0, None), doc="respondents who answered the question"),
        _col("k", INT, False, bounds=(0, None), doc="respondents who chose the item"),
        _col("share", FLOAT, bounds=(0.0, 1.0)),
        _col("ci_low", FLOAT, bounds=(0.0, 1.0), doc="percentile bootstrap interval (respondents resampled)"),
        _col("ci_high", FLOAT, bounds=(0.0, 1.0)),
        _col("rank", INT, bounds=(1, None), doc="rank of the item by share within the generation (1 = top)"),
        _col("rank_stability", FLOAT, bounds=(0.0, 1.0), doc="share of bootstrap draws keeping that rank"),
        _col("top3_stability", FLOAT, bounds=(0.0, 1.0), doc="share of bootstrap draws with the item in the top 3"),
        _col("small_sample", BOOL, doc="n below Settings.min_group_size"),
    ),
    key=("survey_id", "concept", "generation", "item"),
    doc="Per-generation shares and rankings with bootstrap intervals and rank stability.",
)

SURVEY_DIFFERENCE = TableSchema(
    "survey_differences",
    (
        _col("survey_id", STR, False),
        _col("concept", STR, False),
        _col("item", STR, False),
        _col("test", STR, False, values=("chi2", "z")),
        _col("group_a", STR, False),
        _col("group_b", STR, False, doc="'*' for the chi-square test across all generations"),
        _col("share_a", FLOAT),
        _col("share_b", FLOAT),
        _col("statistic", FLOAT),
        _col("p_value", FLOAT, bounds=(0.0, 1.0)),
        _col("p_adjusted", FLOAT, bounds=(0.0, 1.0), doc="Holm-corrected within concept and test"),
        _col("significant", BOOL),
    ),
    key=("survey_id", "concept", "item", "test", "group_a", "group_b"),
    doc="Differences between generations: chi-square across all, pairwise two-proportion z.",
)

SURVEY_VERDICT = TableSchema(
    "survey_verdicts",
    (
        _col("survey_id", STR, False),
        _col("finding_id", STR, False),
        _col("concept", STR, False),
        _col("generation", STR, False),
        _col("published", STR, False, doc="the published result, as data"),
        _col("observed", STR, doc="what this survey shows"),
        _col("n", INT, bounds=(0, None)),
        _col("top3_overlap", INT, bounds=(0, 3)),
        _col("kendall_tau", FLOAT, bounds=(-1.0, 1.0)),
        _col("stability", FLOAT, bounds=(0.0, 1.0), doc="mean bootstrap P(published item in top 3)"),
        _col("share", FLOAT, bounds=(0.0, 1.0)),
        _col("ci_low", FLOAT, bounds=(0.0, 1.0)),
        _col("ci_high", FLOAT, bounds=(0.0, 1.0)),
        _col("verdict", STR, False, values=_VERDICTS),
        _col("reason", STR, False),
    ),
    key=("survey_id", "finding_id"),
    doc="One verdict per published finding, never stronger than the sample allows.",
)

register(SURVEY_RESPONDENT, SURVEY_ANSWER, SURVEY_TEXT, SURVEY_SHARE, SURVEY_DIFFERENCE, SURVEY_VERDICT)
