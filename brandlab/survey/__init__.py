"""Questionnaire surveys: read 问卷星 / 腾讯问卷 exports, analyse by generation, reproduce findings.

Public verbs::

    data = read_survey("answers.xlsx", "mapping.yaml")       # SurveyData (+ quarantine)
    result = analyze_survey(data, settings)                   # shares, differences, verdicts
    write_results(ws, result)                                 # into the workspace

Modules: ``readers`` (raw export I/O), ``mapping`` (the mapping YAML), ``parse`` (typed tables and
quarantine), ``shares`` (bootstrap shares and rank stability), ``differences`` (tests between
generations), ``keywords`` (open answers through the taxonomy), ``findings`` (published
findings as data), ``reproduce`` (verdicts), ``social`` (the same view from posts).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from brandlab.config import Settings
from brandlab.errors import BrandlabWarning, ModelUnavailableError
from brandlab.schema import (
    QUARANTINE,
    SURVEY_ANSWER,
    SURVEY_DIFFERENCE,
    SURVEY_RESPONDENT,
    SURVEY_SHARE,
    SURVEY_TEXT,
    SURVEY_VERDICT,
)
from brandlab.survey.differences import generation_differences
from brandlab.survey.findings import Findings, load_findings
from brandlab.survey.keywords import Cut, Lexicon, default_cut, taxonomy_lexicon, with_text_concept
from brandlab.survey.mapping import Mapping, load_mapping
from brandlab.survey.parse import SurveyData, parse_survey
from brandlab.survey.readers import read_export
from brandlab.survey.reproduce import format_verdicts, reproduce
from brandlab.survey.shares import all_shares

__all__ = ["SurveyData", "SurveyResult", "analyze_survey", "format_verdicts", "load_findings", "load_mapping",
           "read_survey", "reproduce", "write_results"]


@dataclass
class SurveyResult:
    data: SurveyData
    shares: pd.DataFrame
    differences: pd.DataFrame
    verdicts: pd.DataFrame
    findings: Findings
    notes: list[str] = field(default_factory=list)


def read_survey(path: str | Path, mapping: str | Path | Mapping, *, settings: Settings | None = None) -> SurveyData:
    """Read an export with its mapping file into typed tables (malformed answers quarantined)."""
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    return parse_survey(read_export(path), m, generations=(settings or Settings()).generations)


def add_image_traits(data: SurveyData, *, lexicon: Lexicon | None = None, cut: Cut | None = None,
                     settings: Settings | None = None) -> tuple[SurveyData, list[str]]:
    """Derive ``city_image_traits`` from open answers through the taxonomy; notes say what was used."""
    if data.texts.empty:
        return data, []
    notes: list[str] = []
    files = tuple((settings or Settings()).taxonomy_files)
    if lexicon is None:
        try:
            lexicon = taxonomy_lexicon("trait", files)
        except ModelUnavailableError as err:
            notes.append(f"open answers not profiled: {err}")
            warnings.warn(notes[-1], BrandlabWarning, stacklevel=2)
            return data, notes
    if cut is None:
        try:
            cut = default_cut(files)
        except ModelUnavailableError as err:
            import jieba

            notes.append(f"brandlab.nlp tokenizer unavailable ({err}); segmented with jieba.lcut instead")
            warnings.warn(notes[-1], BrandlabWarning, stacklevel=2)
            cut = jieba.lcut
    return with_text_concept(data, lexicon, cut), notes


def analyze_survey(data: SurveyData, settings: Settings | None = None, *, findings: Findings | None = None,
                   lexicon: Lexicon | None = None, cut: Cut | None = None) -> SurveyResult:
    """Shares, differences between generations and a verdict per published finding."""
    s = settings or Settings()
    data, notes = add_image_traits(data, lexicon=lexicon, cut=cut, settings=s)
    f = findings or load_findings()
    shares = all_shares(data, n_boot=s.n_boot, seed=s.seed, min_group_size=s.min_group_size)
    diffs = [generation_differences(data.answers, data.respondents, c, items, survey_id=data.survey_id)
             for c, items in data.items.items()]
    differences = pd.concat(diffs, ignore_index=True) if diffs else SURVEY_DIFFERENCE.empty()
    verdicts = reproduce(data, f, n_boot=s.n_boot, seed=s.seed, min_group_size=s.min_group_size)
    return SurveyResult(data, shares, differences, verdicts, f, notes)


def write_results(ws: object, result: SurveyResult) -> dict[str, int]:
    """Replace this survey's rows in the workspace tables; returns rows written per table."""
    from brandlab.workspace import Workspace

    assert isinstance(ws, Workspace)
    sid = result.data.survey_id
    out: dict[str, int] = {}
    with ws.transaction():
        for schema, df in ((SURVEY_RESPONDENT, result.data.respondents), (SURVEY_ANSWER, result.data.answers),
                           (SURVEY_TEXT, result.data.texts), (SURVEY_SHARE, result.shares),
                           (SURVEY_DIFFERENCE, result.differences), (SURVEY_VERDICT, result.verdicts)):
            out[schema.name] = ws.replace(df, schema, where={"survey_id": sid})
        q = result.data.quarantine
        hashes = q["file_hash"].dropna().unique().tolist() if len(q) else []
        for h in hashes:
            ws.replace(q[q["file_hash"] == h], QUARANTINE, where={"file_hash": h})
        out[QUARANTINE.name] = len(q)
    return out
