"""Tables of A/B comparisons, written by :mod:`brandlab.compare`: one row per test of a comparison
(the verdict) and the detail tables behind it, as JSON records.
"""

from __future__ import annotations

from brandlab.schema import BOOL, FLOAT, INT, JSON, STR, TableSchema, _col, register

COMPARISON_VERDICT = TableSchema(
    "comparison_verdict",
    (
        _col("comparison_id", STR, False),
        _col("side_a", STR, False),
        _col("side_b", STR, False),
        _col("section", STR, False, doc="engagement metric | mix | sentiment | diffusion"),
        _col("test", STR, False),
        _col("effect", STR, doc="what estimate measures, e.g. 'rate ratio B/A'"),
        _col("a_value", FLOAT),
        _col("b_value", FLOAT),
        _col("estimate", FLOAT),
        _col("lo", FLOAT),
        _col("hi", FLOAT),
        _col("p_value", FLOAT, bounds=(0.0, 1.0)),
        _col("p_adjusted", FLOAT, bounds=(0.0, 1.0)),
        _col("significant", BOOL),
        _col("n_a", INT),
        _col("n_b", INT),
        _col("warning", STR),
    ),
    key=("comparison_id", "section", "test"),
    doc="One row per test of an A/B comparison; p_adjusted is Holm over the whole table.",
)

COMPARISON_DETAIL = TableSchema(
    "comparison_detail",
    (
        _col("comparison_id", STR, False),
        _col("name", STR, False, doc="engagement_summary | platform_mix | keywords | notes | ..."),
        _col("data", JSON, False, doc="the detail table as JSON records"),
    ),
    key=("comparison_id", "name"),
)

register(COMPARISON_VERDICT, COMPARISON_DETAIL)
