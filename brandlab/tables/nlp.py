"""Tables of text analytics (issue 3) and sentiment (issue 4), written by :mod:`brandlab.nlp`:
cleaned and segmented text, brand traits and content dimensions, keywords, generation per author
and audience, shares per group, and sentiment per post and per group.
"""

from __future__ import annotations

from brandlab.schema import BOOL, FLOAT, INT, LIST, STR, Platform, TableSchema, _col, register

# --------------------------------------------------------------------------- text analytics (issue 3)

POST_TEXT = TableSchema(
    "post_text",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("clean_text", STR, doc="brandlab.nlp.clean.clean_text output (title + text)"),
        _col("tokens", LIST, doc="segmented clean text; EMO_ tokens kept whole, spaces dropped"),
        _col("hashtags", LIST, doc="hashtags found in the text (#话题#, #话题[话题]#, #话题)"),
        _col("mentions", LIST, doc="@names found in the text"),
        _col("emoticons", LIST, doc="EMO_ tokens of platform emoticons and emoji, in order"),
        _col("tokenizer", STR, doc="backend that segmented the text: rjieba | jieba"),
    ),
    key=("platform", "post_id"),
    doc="Cleaned and segmented text of every post, comment and repost.",
)

POST_TAG = TableSchema(
    "post_tags",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("facet", STR, False, values=("trait", "dimension")),
        _col("label", STR, False, doc="taxonomy label key, e.g. vitality, food"),
        _col("n_matches", INT, False, bounds=(1, None)),
        _col("terms", LIST, doc="matched taxonomy terms (the evidence), in order of first appearance"),
        _col("taxonomy_version", STR),
    ),
    key=("platform", "post_id", "facet", "label"),
    doc="City-brand traits and content dimensions per post, with the matched terms.",
)

KEYWORD = TableSchema(
    "keywords",
    (
        _col("group_kind", STR, False, values=("all", "campaign", "platform", "week", "generation")),
        _col("group", STR, False),
        _col("method", STR, False, values=("tfidf", "textrank")),
        _col("rank", INT, False, bounds=(1, None)),
        _col("term", STR, False),
        _col("score", FLOAT, False),
        _col("n_docs", INT, False, bounds=(1, None)),
    ),
    key=("group_kind", "group", "method", "rank"),
    doc="Top keywords per group by TF-IDF (jieba IDF background) and TextRank.",
)

AUTHOR_GENERATION = TableSchema(
    "author_generation",
    (
        _col("platform", STR, False, values=Platform),
        _col("author_id", STR, False),
        _col("generation", STR, False, doc="a cohort name of Settings.generations, or 'unknown'"),
        _col("birth_year_low", INT, bounds=(1900, 2030)),
        _col("birth_year_high", INT, bounds=(1900, 2030)),
        _col("evidence", STR, doc="the matched text or export field"),
        _col("source", STR, False, values=("export", "bio", "nickname", "text", "none")),
        _col("confidence", FLOAT, False, bounds=(0.0, 1.0)),
    ),
    key=("platform", "author_id"),
    doc="Generation per author with evidence; unknown stays unknown.",
)

AUDIENCE_GENERATION = TableSchema(
    "audience_generation",
    (
        _col("platform", STR, False, values=Platform),
        _col("scope", STR, False, values=("account", "post")),
        _col("scope_id", STR, False),
        _col("generation", STR, False),
        _col("weight", FLOAT, False, bounds=(0.0, 1.0)),
    ),
    key=("platform", "scope", "scope_id", "generation"),
    doc="Audience age portraits spread over generations (weights for aggregates).",
)


def _share_schema(name: str, what: str) -> TableSchema:
    return TableSchema(
        name,
        (
            _col("group_kind", STR, False, values=("all", "campaign", "platform", "week", "generation")),
            _col("group", STR, False),
            _col("label", STR, False),
            _col("share", FLOAT, bounds=(0.0, 1.0)),
            _col("lo", FLOAT, bounds=(0.0, 1.0)),
            _col("hi", FLOAT, bounds=(0.0, 1.0)),
            _col("n_posts", INT, False, bounds=(0, None)),
            _col("n_authors", INT, False, bounds=(0, None)),
            _col("small_sample", BOOL, False, doc="fewer authors than Settings.min_group_size"),
        ),
        key=("group_kind", "group", "label"),
        doc=f"Share of posts carrying each {what}, with an author-cluster bootstrap interval.",
    )


TRAIT_SHARE = _share_schema("trait_shares", "brand trait")
DIMENSION_SHARE = _share_schema("dimension_shares", "content dimension")

register(POST_TEXT, POST_TAG, KEYWORD, AUTHOR_GENERATION, AUDIENCE_GENERATION, TRAIT_SHARE, DIMENSION_SHARE)


# --------------------------------------------------------------------------- sentiment (issue 4)

SENTIMENT_LABELS = ("negative", "neutral", "positive")

POST_SENTIMENT = TableSchema(
    "post_sentiment",
    (
        _col("platform", STR, False, values=Platform),
        _col("post_id", STR, False),
        _col("label", STR, False, values=SENTIMENT_LABELS),
        _col("score", FLOAT, False, bounds=(0.0, 1.0), doc="calibrated probability of label"),
        _col("p_negative", FLOAT, False, bounds=(0.0, 1.0)),
        _col("p_neutral", FLOAT, False, bounds=(0.0, 1.0)),
        _col("p_positive", FLOAT, False, bounds=(0.0, 1.0)),
        _col("model", STR, False, doc="backend name, e.g. brandlab-shipped or hf:<path or id>"),
        _col("has_text", BOOL, False, doc="False where the cleaned title + text was empty (scored neutral)"),
    ),
    key=("platform", "post_id"),
    doc="Sentiment of every post, comment and repost (title + text).",
)

SENTIMENT_AGGREGATE = TableSchema(
    "sentiment_aggregates",
    (
        _col("group_kind", STR, False,
             values=("all", "generation", "platform", "campaign", "week", "trait", "dimension")),
        _col("group", STR, False),
        _col("label", STR, False, values=(*SENTIMENT_LABELS, "net")),
        _col("share", FLOAT, bounds=(-1.0, 1.0),
             doc="share of posts with the label; for 'net', mean of p_positive - p_negative"),
        _col("lo", FLOAT, bounds=(-1.0, 1.0)),
        _col("hi", FLOAT, bounds=(-1.0, 1.0)),
        _col("n_posts", INT, False, bounds=(0, None)),
        _col("n_authors", INT, False, bounds=(0, None)),
        _col("generation_known_share", FLOAT, bounds=(0.0, 1.0),
             doc="share of the group's authors whose generation is known"),
        _col("small_sample", BOOL, False, doc="fewer authors than Settings.min_group_size"),
    ),
    key=("group_kind", "group", "label"),
    doc="Sentiment per group with author-cluster bootstrap intervals (posts with text only).",
)

register(POST_SENTIMENT, SENTIMENT_AGGREGATE)
