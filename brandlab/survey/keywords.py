"""Keyword profiles of open answers through the city-brand taxonomy.

An open answer ("用三个词形容这座城市") is segmented, each token is looked up in a term → label
lexicon (the taxonomy's image traits by default: 活力 vitality, 繁华 prosperity, 时尚 fashion,
...), and the respondent counts as naming a label when any token carries it. The result has
the shape of closed answers (SURVEY_ANSWER rows for a derived concept such as
``city_image_traits``), so the same shares, intervals, rank stability and tests apply.

``text_answers`` is pure and takes the segmenter and lexicon as arguments; ``taxonomy_lexicon``
and ``default_cut`` build them from brandlab.nlp (the shipped taxonomy and tokenizer).
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


def text_answers(texts: pd.DataFrame, lexicon: Mapping[str, str], cut: Cut, *, source_concept: str,
                 concept: str, labels: list[str] | None = None, survey_id: str = "") -> tuple[pd.DataFrame, list[str]]:
    """SURVEY_ANSWER rows (one per respondent with an answer x label) and the label list.

    Every respondent with a non-empty open answer is counted (an answer naming no label gives
    rows with selected False), so shares are of all who answered.
    """
    t = texts[texts["concept"] == source_concept]
    items = labels or sorted(set(lexicon.values()))
    rows = []
    for rid, text in zip(t["respondent_id"], t["text"], strict=True):
        hit = {lexicon[tok] for tok in cut(str(text)) if tok in lexicon}
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


def with_text_concept(data: SurveyData, lexicon: Mapping[str, str], cut: Cut, *,
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
def taxonomy_lexicon(section: str = "traits", taxonomy_files: tuple[str, ...] = ()) -> dict[str, str]:
    """term → label key of one taxonomy section (``traits`` or ``dimensions``)."""
    try:
        from brandlab.nlp.taxonomy import load_taxonomy
    except ImportError as err:
        raise _nlp_missing(err) from err
    tax = load_taxonomy(*taxonomy_files) if taxonomy_files else load_taxonomy()
    return _lexicon_of(tax, section)


def _lexicon_of(tax: object, section: str) -> dict[str, str]:
    """Read term → key from a loaded taxonomy whatever its container (mapping or attributes)."""
    part = tax.get(section) if isinstance(tax, Mapping) else getattr(tax, section)
    labels = part.values() if isinstance(part, Mapping) else part
    out: dict[str, str] = {}
    for lab in labels:
        key = lab["key"] if isinstance(lab, Mapping) else lab.key
        terms = lab["terms"] if isinstance(lab, Mapping) else lab.terms
        for term in (terms.split() if isinstance(terms, str) else terms):
            out.setdefault(str(term), str(key))
    return out


def default_cut(taxonomy_files: tuple[str, ...] = ()) -> Cut:
    """The shared brandlab tokenizer's ``cut`` (taxonomy terms in its user dictionary)."""
    try:
        from brandlab.nlp.tokenize import default_tokenizer
    except ImportError as err:
        raise _nlp_missing(err) from err
    return default_tokenizer(taxonomy_files=taxonomy_files).cut
