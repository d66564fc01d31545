"""Tables of the brand-content-channel triad, written by :mod:`brandlab.triad`: a score per campaign,
part and component, and the posts that are the evidence for each score.
"""

from __future__ import annotations

from brandlab.schema import FLOAT, INT, JSON, LIST, STR, TableSchema, _col, register

TRIAD_SCORE = TableSchema(
    "triad_scores",
    (
        _col("campaign", STR, False),
        _col("part", STR, False, values=("brand", "content", "channel", "coherence")),
        _col("component", STR, False),
        _col("score", FLOAT, bounds=(0.0, 1.0), doc="0 = worst, 1 = best"),
        _col("value", FLOAT, doc="the raw measure behind the score (a divergence, a share, minutes, ...)"),
        _col("n_posts", INT),
        _col("detail", JSON, doc="profile / mix behind the score as JSON"),
    ),
    key=("campaign", "part", "component"),
    doc="Brand-content-channel triad per campaign, each score with its evidence in triad_evidence.",
)

TRIAD_EVIDENCE = TableSchema(
    "triad_evidence",
    (
        _col("campaign", STR, False),
        _col("part", STR, False),
        _col("component", STR, False),
        _col("platform", STR, False),
        _col("post_id", STR, False),
        _col("label", STR, doc="trait / dimension / slot / role the post is evidence for"),
        _col("terms", LIST),
    ),
    key=("campaign", "part", "component", "platform", "post_id", "label"),
)

register(TRIAD_SCORE, TRIAD_EVIDENCE)
