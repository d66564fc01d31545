"""Turn a raw export plus a mapping into typed survey tables; malformed answers are quarantined.

``parse_survey(raw, mapping)`` is pure. It returns a :class:`SurveyData` with

* ``respondents`` (SURVEY_RESPONDENT): one row per respondent with birth year and generation,
* ``answers`` (SURVEY_ANSWER): per respondent and mapped question, one row per codebook item
  with ``selected`` (and ``rank`` for rankings); a respondent who skipped the question has no
  rows, so the number of respondents in a concept is its denominator,
* ``texts`` (SURVEY_TEXT): open answers,
* ``quarantine`` (QUARANTINE): every cell that could not be read, with row, column, value and
  reason. A respondent with a quarantined birth year keeps generation ``unknown``; a
  quarantined answer leaves that respondent out of that question only. Nothing is dropped
  silently; rows where every cell is empty are not respondents and are not read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from brandlab.config import TIMEZONE, Settings
from brandlab.errors import ExportFormatError, format_message
from brandlab.schema import QUARANTINE, SURVEY_ANSWER, SURVEY_RESPONDENT, SURVEY_TEXT, Generation, validate
from brandlab.survey.mapping import Mapping, Question, normalise_text
from brandlab.survey.readers import HeaderColumn, RawSurvey, option_names

#: answers meaning "not answered": wjx (跳过)/-3 skipped, -2 not shown by skip logic, (空) empty
SKIP = frozenset({"(跳过)", "-3", "-2", "(空)", "跳过", "-"})
_SELECTED = frozenset({"1", "选中", "√", "✓", "✔", "是", "true", "yes", "y"})
_UNSELECTED = frozenset({"0", "未选中", "否", "false", "no", "n"})
_SPLIT_MULTI = re.compile(r"[┋|｜;；]")
_SPLIT_RANK = re.compile(r"\s*(?:→|->|＞|>|┋|\||｜)\s*")
_OTHER = re.compile(r"^其他[〖【\[(（]?(.*?)[〗】\])）]?$")
_ID_COLUMNS = ("序号", "编号", "答卷编号", "用户ID", "ID", "id")
_TIME_COLUMNS = ("提交答卷时间", "结束答题时间", "提交时间", "答题时间")


@dataclass
class SurveyData:
    survey_id: str
    respondents: pd.DataFrame
    answers: pd.DataFrame
    texts: pd.DataFrame
    quarantine: pd.DataFrame
    source_format: str = ""
    items: dict[str, list[str]] = field(default_factory=dict)   # concept -> codebook items


def _skip(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v))) or normalise_text(v) in SKIP


def generation_of(birth_year: int, generations: tuple[tuple[str, int, int], ...]) -> str:
    for name, lo, hi in generations:
        if lo <= birth_year <= hi:
            return name
    return Generation.UNKNOWN.value


class _Collector:
    def __init__(self, raw: RawSurvey, fmt: str) -> None:
        self.raw, self.fmt, self.rows = raw, fmt, []  # type: ignore[var-annotated]
        self.now = pd.Timestamp.now(tz=TIMEZONE)

    def add(self, row: int, col: HeaderColumn, value: str | None, reason: str, record: dict[str, Any]) -> None:
        self.rows.append({"file_hash": self.raw.file_hash, "source_file": self.raw.path, "source_format": self.fmt,
                          "source_row": row, "column": col.header, "value": value, "reason": reason,
                          "raw": json.dumps(record, ensure_ascii=False), "quarantined_at": self.now})

    def frame(self) -> pd.DataFrame:
        return validate(pd.DataFrame(self.rows, columns=QUARANTINE.names), QUARANTINE)


def _find_group(raw: RawSurvey, q: Question, mapping: Mapping) -> list[HeaderColumn]:
    groups = raw.groups()
    if q.question in groups:
        return groups[q.question]
    key = normalise_text(q.question)
    hits = [g for g in groups.values() if key and key in normalise_text(g[0].stem)]
    if len(hits) == 1:
        return hits[0]
    raise ExportFormatError(format_message(
        f"survey export {raw.path!r} has no question {q.question!r} (concept {q.concept!r}) from {mapping.path!r}",
        expected="a header numbered like '1、...' (wjx) or 'Q1:...' (腾讯问卷), or a unique text of the question",
        found=sorted(groups, key=lambda s: int(s)) if not hits else f"{len(hits)} questions match",
        fix="correct 'question:' in the mapping file"), path=raw.path, column=q.question)


def _option_columns(raw: RawSurvey, q: Question, cols: list[HeaderColumn]) -> list[tuple[HeaderColumn, str]]:
    names = option_names([c.stem for c in cols])
    out, unknown = [], []
    for c, name in zip(cols, names, strict=True):
        key = normalise_text(name)
        if key in q.ignore:
            continue
        item = q.options.get(key) or (q.other if _OTHER.match(key) else None)
        if item is None:
            unknown.append(name)
        else:
            out.append((c, item))
    if unknown:
        raise ExportFormatError(format_message(
            f"survey export {raw.path!r}, question {q.question} ({q.concept}): option columns {unknown} "
            "are not in the mapping", expected=f"options among {sorted(q.options)}",
            fix="add them under options: (or ignore:) in the mapping file"), path=raw.path, column=cols[0].header)
    return out


def _year(value: str) -> int | None:
    s = normalise_text(value).removesuffix("年")
    s = s[:-2] if s.endswith(".0") else s
    return int(s) if re.fullmatch(r"\d{1,4}", s) else None


def parse_survey(raw: RawSurvey, mapping: Mapping, *,
                 generations: tuple[tuple[str, int, int], ...] | None = None) -> SurveyData:
    """Read every mapped question of every respondent; see the module docstring."""
    gens = generations or Settings().generations
    cells = raw.cells
    n_single = sum(1 for q in mapping.questions if q.kind == "single")
    qcols = {q.concept: _find_group(raw, q, mapping) for q in mapping.questions}
    # answer-code form: the single-choice cells are numbers
    single_vals = [v for q in mapping.questions if q.kind == "single"
                   for v in cells[qcols[q.concept][0].index].dropna() if not _skip(v)]
    code_form = bool(single_vals) and all(re.fullmatch(r"-?\d+", str(v).strip()) for v in single_vals)
    fmt = raw.source_format + ((".code" if code_form else ".text") if n_single else "")
    qa = _Collector(raw, fmt)

    header_index = {h.strip(): i for i, h in enumerate(raw.headers)}
    id_col = header_index.get(mapping.id_column) if mapping.id_column else next(
        (header_index[c] for c in _ID_COLUMNS if c in header_index), None)
    if mapping.id_column and id_col is None:
        raise ExportFormatError(format_message(f"survey export {raw.path!r} has no id column {mapping.id_column!r}",
                                               found=raw.headers[:8], fix="correct id_column in the mapping file"),
                                path=raw.path)
    time_col = next((header_index[c] for c in _TIME_COLUMNS if c in header_index), None)

    respondents, answers, texts = [], [], []
    for row, r in cells.iterrows():
        rid = str(r[id_col]) if id_col is not None and r[id_col] is not None else str(row - 1)
        birth_year: int | None = None
        generation = Generation.UNKNOWN.value
        for q in mapping.questions:
            cols = qcols[q.concept]
            record = {c.header: r[c.index] for c in cols}
            if q.concept == "generation":
                v = r[cols[0].index]
                if _skip(v):
                    continue
                if q.kind == "choice":
                    item = q.item_for(v)
                    if item in {g.value for g in Generation}:
                        generation = str(item)
                    else:
                        qa.add(row, cols[0], v, f"answer {v!r} is not an option mapped to a generation", record)
                    continue
                num = _year(v)
                if num is None:
                    qa.add(row, cols[0], v, f"{q.kind} {v!r} is not a whole number", record)
                    continue
                if q.kind == "age":
                    if not 0 < num < 120:
                        qa.add(row, cols[0], v, f"age {num} is outside 1..119", record)
                        continue
                    num = int(mapping.survey_year or 0) - num
                lo, hi = q.valid or (1900, (mapping.survey_year or datetime.now().year))
                if not lo <= num <= hi:
                    qa.add(row, cols[0], v, f"birth year {num} is outside the plausible range {lo}..{hi}", record)
                    continue
                birth_year, generation = num, generation_of(num, gens)
                continue
            if q.kind == "text":
                v = r[cols[0].index]
                if not _skip(v):
                    texts.append({"respondent_id": rid, "concept": q.concept, "text": str(v).strip()})
                continue
            got = _answer(q, cols, r, row, qa, record, raw)
            if got is not None:
                for item in q.items:
                    rank = got.get(item)
                    sel = rank is not None and (q.kind != "ranking" or q.top_k is None or rank <= q.top_k)
                    answers.append({"respondent_id": rid, "concept": q.concept, "item": item,
                                    "selected": sel, "rank": rank if q.kind == "ranking" else None})
        submitted = r[time_col] if time_col is not None else None
        respondents.append({"respondent_id": rid, "birth_year": birth_year, "generation": generation,
                            "submitted_at": submitted, "source_file": raw.path, "source_format": fmt,
                            "source_row": row})
    sid = mapping.survey_id

    def table(rows: list[dict[str, Any]], schema: Any) -> pd.DataFrame:
        df = pd.DataFrame(rows, columns=[c for c in schema.names if c != "survey_id"])
        df.insert(0, "survey_id", sid)
        return validate(df, schema)

    ids = pd.Series([r["respondent_id"] for r in respondents], dtype="string")
    if ids.duplicated().any():
        raise ExportFormatError(format_message(
            f"survey export {raw.path!r}: respondent ids repeat", found=ids[ids.duplicated()].head(3).tolist(),
            fix="set id_column in the mapping to a unique column"), path=raw.path)
    for rec in respondents:
        t = pd.to_datetime(rec["submitted_at"], errors="coerce") if rec["submitted_at"] else pd.NaT
        rec["submitted_at"] = t.tz_localize(TIMEZONE) if t is not pd.NaT and t.tzinfo is None else t
    return SurveyData(sid, table(respondents, SURVEY_RESPONDENT),
                      table(answers, SURVEY_ANSWER), table(texts, SURVEY_TEXT), qa.frame(), fmt,
                      {q.concept: q.items for q in mapping.questions if q.items and q.concept != "generation"})


def _answer(q: Question, cols: list[HeaderColumn], r: pd.Series, row: int, qa: _Collector,
            record: dict[str, Any], raw: RawSurvey) -> dict[str, int] | None:
    """item -> rank (1 for a plain selection) of one respondent, or None if skipped/quarantined."""
    if len(cols) == 1 or q.kind == "single":
        col = cols[0]
        v = r[col.index]
        if _skip(v):
            return None
        parts = [v] if q.kind == "single" else [p for p in (_SPLIT_RANK if q.kind == "ranking" else _SPLIT_MULTI).split(
            str(v)) if p.strip()]
        got: dict[str, int] = {}
        for pos, part in enumerate(parts, start=1):
            item = q.item_for(part)
            if item is None and q.other and _OTHER.match(normalise_text(part)):
                item = q.other
            if item is None:
                qa.add(row, col, v, f"answer {part!r} is neither an option text nor a code in the codebook", record)
                return None
            if item in got:
                qa.add(row, col, v, f"option {part!r} appears twice", record)
                return None
            got[item] = pos if q.kind == "ranking" else 1
        return got
    opts = _option_columns(raw, q, cols)
    got, seen_any, bad = {}, False, False
    for col, item in opts:
        v = r[col.index]
        if _skip(v):
            continue
        seen_any = True
        key = normalise_text(v).lower()
        if q.kind == "ranking":
            rank = _year(v)
            if rank is None or rank < 1:
                qa.add(row, col, v, f"rank {v!r} is not a positive whole number", record)
                bad = True
            elif rank in got.values():
                qa.add(row, col, v, f"rank {rank} is given to more than one option", record)
                bad = True
            else:
                got[item] = rank
        elif key in _SELECTED or q.options.get(normalise_text(v)) == item:
            got[item] = 1
        elif key not in _UNSELECTED:
            qa.add(row, col, v, f"{v!r} is not a selection marker (1/0, 选中/未选中, or the option text)", record)
            bad = True
    if bad or not seen_any:
        return None
    return got
