"""Read questionnaire exports into a raw table of strings: 问卷星 (wjx) xlsx and 腾讯问卷 CSV.

``read_export(path)`` is thin I/O: it returns a :class:`RawSurvey` whose ``cells`` frame holds
every cell as a string (None for an empty cell) under the exported header, plus
``groups``: the header parsed into question numbers (:func:`parse_headers`, pure).

Header conventions handled (what we know of them; the reader is header-driven and tolerant):

* wjx: ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP`` then ``1、您的出生年份是？``;
  a multi-choice or per-option ranking question is exported one column per option as
  ``5、您通过哪些渠道了解一个城市？(短视频平台)`` or ``5、(短视频平台)``, and a header with
  no number (``(亲友)``) continues the previous question. The answer-text form (按选项文本)
  holds option texts, ``A→B→C`` for rankings, ``┋`` between multi-choice answers in one cell;
  the answer-code form (按选项序号) holds option numbers, 1/0 per option column, and ``-3``
  (skipped) / ``-2`` (not shown) where the text form holds ``(跳过)``.
* 腾讯问卷: ``编号, 开始答题时间, 结束答题时间, 答题时长, ...`` then ``Q1:您的出生年份是？`` or
  ``1.您的出生年份是？`` or ``第1题 ...``; option columns ``Q5:...-短视频平台`` /
  ``Q5:...:短视频平台`` / ``Q5:...(短视频平台)``. CSV in UTF-8 (with or without BOM) or GB18030.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from brandlab.errors import ExportFormatError, UnknownFormatError, format_message

_QNUM = (
    re.compile(r"^\s*(?:Q|q)(\d+)[\s.．:：、_\-)）]*(.*)$", re.S),
    re.compile(r"^\s*第(\d+)题[\s.．:：、]*(.*)$", re.S),
    re.compile(r"^\s*(\d+)\s*[、.．:：)）]\s*(.*)$", re.S),
)
#: characters after which an option name starts in a per-option header
_OPENERS = "(（【[:：-_—"
_CLOSERS = ")）】]"


@dataclass(frozen=True)
class HeaderColumn:
    index: int
    header: str
    question: str          # question number as a string ("" for meta columns)
    stem: str              # header text after the number


@dataclass
class RawSurvey:
    path: str
    source_format: str     # wjx.xlsx | tencent.csv
    file_hash: str
    cells: pd.DataFrame    # object dtype, str or None, positional columns 0..n-1
    headers: list[str]
    columns: list[HeaderColumn]

    def groups(self) -> dict[str, list[HeaderColumn]]:
        """Columns by question number, in file order."""
        out: dict[str, list[HeaderColumn]] = {}
        for c in self.columns:
            if c.question:
                out.setdefault(c.question, []).append(c)
        return out


def parse_headers(headers: list[str]) -> list[HeaderColumn]:
    """Question number and stem for each header; a bracketed header without a number continues
    the previous question (wjx ``(亲友)`` columns)."""
    out: list[HeaderColumn] = []
    last = ""
    for i, h in enumerate(headers):
        h = (h or "").strip()
        for rx in _QNUM:
            m = rx.match(h)
            if m:
                last = m.group(1)
                out.append(HeaderColumn(i, h, m.group(1), m.group(2).strip()))
                break
        else:
            if last and h[:1] in "(（【[" and h[-1:] in _CLOSERS:
                out.append(HeaderColumn(i, h, last, h))
            else:
                last = ""
                out.append(HeaderColumn(i, h, "", h))
    return out


def option_names(stems: list[str]) -> list[str]:
    """The option part of each per-option header of one question.

    The stems share the question text; what follows the last opener (``(``, ``:``, ``-`` ...)
    inside their common prefix is the option. A single stem gives its last bracketed part.
    """
    if len(stems) == 1:
        m = re.search(r"[(（【\[]([^()（）【】\[\]]+)[)）】\]]\s*$", stems[0])
        return [m.group(1).strip() if m else stems[0]]
    prefix = stems[0]
    for s in stems[1:]:
        n = 0
        while n < min(len(prefix), len(s)) and prefix[n] == s[n]:
            n += 1
        prefix = prefix[:n]
    cut = max((prefix.rfind(ch) for ch in _OPENERS), default=-1)
    start = cut + 1 if cut >= 0 else 0
    names = []
    for s in stems:
        rest = s[start:].strip()
        if rest and rest[-1] in _CLOSERS and (cut >= 0 and prefix[cut] in "(（【["):
            rest = rest[:-1]
        names.append(rest.strip())
    return names


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _cell(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float):
        if v != v:  # NaN
            return None
        if v.is_integer():
            return str(int(v))
    if hasattr(v, "isoformat"):
        return str(v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat())
    s = str(v)
    return s if s.strip() != "" else None


def _frame(rows: list[list[Any]], path: str, fmt: str, data: bytes) -> RawSurvey:
    if not rows:
        raise ExportFormatError(format_message(f"survey export {path!r} is empty",
                                               expected="a header row and one row per respondent",
                                               fix="re-export the answers"), path=path)
    headers = [(_cell(h) or "") for h in rows[0]]
    width = len(headers)
    body = []
    for r in rows[1:]:
        vals = [_cell(v) for v in r][:width]
        vals += [None] * (width - len(vals))
        body.append(vals)
    cells = pd.DataFrame(body, columns=range(width), dtype=object)
    # keep file row numbers (header = row 1), drop rows where every cell is empty (not respondents)
    cells.index = pd.RangeIndex(2, 2 + len(cells))
    cells = cells[cells.notna().any(axis=1)]
    return RawSurvey(path, fmt, file_hash(data), cells, headers, parse_headers(headers))


def read_wjx_xlsx(path: str | Path) -> RawSurvey:
    """A 问卷星 xlsx export (either form): the first sheet, first row as header."""
    from openpyxl import load_workbook

    p = Path(path)
    data = p.read_bytes()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several unrelated types for a bad zip
        raise ExportFormatError(format_message(f"cannot open {str(p)!r} as xlsx: {err}",
                                               fix="export the answers from 问卷星 as Excel (.xlsx)"),
                                path=str(p)) from err
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return _frame(rows, str(p), "wjx.xlsx", data)


def decode_csv(data: bytes, path: str) -> str:
    """UTF-8 (BOM or not), else GB18030; anything else is an error naming the file."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ExportFormatError(format_message(f"survey CSV {path!r} is neither UTF-8 nor GB18030",
                                           fix="re-save it as UTF-8 CSV"), path=path)


def read_tencent_csv(path: str | Path) -> RawSurvey:
    """A 腾讯问卷 CSV export."""
    p = Path(path)
    data = p.read_bytes()
    rows = list(csv.reader(io.StringIO(decode_csv(data, str(p)), newline="")))
    return _frame(rows, str(p), "tencent.csv", data)


def read_export(path: str | Path) -> RawSurvey:
    """Dispatch on the file type: .xlsx → wjx, .csv → 腾讯问卷 (or a wjx CSV; same conventions)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_wjx_xlsx(p)
    if suffix in (".csv", ".txt"):
        raw = read_tencent_csv(p)
        if any(h.strip() in ("序号", "提交答卷时间", "来自IP") for h in raw.headers):
            raw.source_format = "wjx.csv"
        return raw
    raise UnknownFormatError(format_message(f"survey export {str(p)!r} has an unknown type {suffix!r}",
                                            expected="a 问卷星 .xlsx or a 腾讯问卷 .csv export",
                                            fix="export the answers as Excel or CSV"))
