"""Keyword profiles of open answers through the city-brand taxonomy.

An open answer ("用三个词形容这座城市") is segmented, each token is looked up in a term → label
lexicon (the taxonomy's image traits by default: 活力 vitality, 繁华 prosperity, 时尚 fashion,
...), and the respondent counts as naming a label when any token carries it. The result has
the shape of closed answers (SURVEY_ANSWER rows for a derived concept such as
``city_image_traits``), so the same shares, intervals, rank stability and tests apply.

``text_answers`` is pure and takes the segmenter and lexicon as arguments; ``taxonomy_lexicon``
and ``default_cut`` build them from brandlab.nlp (the shipped taxonomy, matched
as :func:`brandlab.nlp.taxonomy.tag_posts` matches posts: one token = one term, a term may carry
several labels).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from functools import lru_cache

import pandas as pd

from brandlab.errors import ModelUnavailableError, format_message
from brandlab.schema import SURVEY_ANSWER, validate
from brandlab.survey.parse import SurveyData

Cut = Callable[[str], list[str]]
#: term -> label key, or term -> label keys (a term may carry several labels, as in the taxonomy)
Lexicon = Mapping[str, str] | Mapping[str, tuple[str, ...]]


def _labels(v: str | tuple[str, ...]) -> tuple[str, ...]:
    return (v,) if isinstance(v, str) else tuple(v)


def text_answers(texts: pd.DataFrame, lexicon: Lexicon, cut: Cut, *, source_concept: str,
                 concept: str, labels: list[str] | None = None, survey_id: str = "") -> tuple[pd.DataFrame, list[str]]:
    """SURVEY_ANSWER rows (one per respondent with an answer x label) and the label list.

    Every respondent with a non-empty open answer is counted (an answer naming no label gives
    rows with selected False), so shares are of all who answered.
    """
    t = texts[texts["concept"] == source_concept]
    items = labels or sorted({lab for v in lexicon.values() for lab in _labels(v)})
    rows: list[dict[str, object]] = []
    for rid, text in zip(t["respondent_id"], t["text"], strict=True):
        hit = {lab for tok in cut(str(text)) if tok in lexicon for lab in _labels(lexicon[tok])}
        rows.extend({"survey_id": survey_id, "respondent_id": rid, "concept": concept, "item": it,
                     "selected": it in hit, "rank": None} for it in items)
    return validate(pd.DataFrame(rows, columns=SURVEY_ANSWER.names), SURVEY_ANSWER), items


def top_terms(texts: pd.DataFrame, cut: Cut, *, source_concept: str, n: int = 20, min_len: int = 2) -> pd.DataFrame:
    """The most frequent tokens of the open answers (respondent counts), for a first look."""
    t = texts[texts["concept"] == source_concept]
    counts: Counter[str] = Counter()
    for text in t["text"]:
        counts.update({tok for tok in cut(str(text)) if len(tok) >= min_len})
    return pd.DataFrame(counts.most_common(n), columns=["term", "respondents"])


def with_text_concept(data: SurveyData, lexicon: Lexicon, cut: Cut, *,
                      source_concept: str = "city_image_text", concept: str = "city_image_traits",
                      labels: list[str] | None = None) -> SurveyData:
    """A copy of ``data`` with the derived concept added to answers and items (no-op without texts)."""
    if data.texts.empty or not (data.texts["concept"] == source_concept).any() or concept in data.items:
        return data
    extra, items = text_answers(data.texts, lexicon, cut, source_concept=source_concept, concept=concept,
                                labels=labels, survey_id=data.survey_id)
    return SurveyData(data.survey_id, data.respondents, pd.concat([data.answers, extra], ignore_index=True),
                      data.texts, data.quarantine, data.source_format, {**data.items, concept: items})


def _nlp_missing(err: Exception) -> ModelUnavailableError:
    return ModelUnavailableError(format_message(
        f"the city-brand taxonomy / tokenizer of brandlab.nlp cannot be loaded ({err})",
        fix="install brandlab fully (pip install -e .) so brandlab.nlp.taxonomy and brandlab.nlp.tokenize "
            "are present, or pass your own lexicon= and cut="))


@lru_cache(maxsize=4)
def taxonomy_lexicon(facet: str = "trait", taxonomy_files: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """term → label keys of one taxonomy facet (``trait`` or ``dimension``), as the tagger matches them."""
    try:
        from brandlab.nlp.taxonomy import load_taxonomy
    except ImportError as err:
        raise _nlp_missing(err) from err
    table = load_taxonomy(taxonomy_files).term_table()
    table = table[table["facet"] == facet]
    if table.empty:
        raise ModelUnavailableError(format_message(f"the taxonomy has no labels of facet {facet!r}",
                                                   expected="'trait' or 'dimension'", fix="pick one of those"))
    return {t: tuple(g) for t, g in table.groupby("term", sort=False)["label"]}


def default_cut(taxonomy_files: tuple[str, ...] = ()) -> Cut:
    """The shared brandlab tokenizer's ``cut`` (taxonomy terms in its user dictionary)."""
    try:
        from brandlab.nlp.tokenize import default_tokenizer
    except ImportError as err:
        raise _nlp_missing(err) from err
    return default_tokenizer(taxonomy_files=taxonomy_files).cut
