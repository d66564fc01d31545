"""The mapping file: which survey question carries which brandlab concept.

A mapping is YAML::

    survey_id: my_survey_2024
    survey_year: 2024            # needed when age (not birth year) is asked
    id_column: 序号               # respondent id column (default: 序号 / 编号 / row number)
    questions:
      - concept: generation      # birth year, age, or a choice of cohorts
        question: 1              # the question number in the header (1、... / Q1 / 1.)
        kind: birth_year         # birth_year | age | choice
        valid: [1930, 2012]      # plausible birth years; others are quarantined
      - concept: channel
        question: 5
        kind: multi              # single | multi | ranking | text
        options:                 # option text as exported -> brandlab item code (in code order)
          短视频平台: short_video
          亲友: friends_family
        ignore: [其他]            # option columns to leave out on purpose
        codes: {1: short_video}  # optional: explicit answer codes (default: position in options)
        top_k: 3                 # ranking only: an item counts as chosen when ranked <= top_k

Concepts brandlab knows are listed in :data:`CONCEPTS`; a question may also carry any other
snake_case concept (it is analysed the same way). Option texts are compared after
normalisation (:func:`normalise_text`): full-width brackets/spaces folded, whitespace removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brandlab.errors import ExportFormatError, format_message

#: concepts the findings and the social analogue refer to
CONCEPTS = ("generation", "channel", "attention", "migration_reason", "settle_factor", "city_image",
            "city_image_text")
KINDS = ("birth_year", "age", "choice", "single", "multi", "ranking", "text")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def normalise_text(s: str) -> str:
    """Fold full-width forms (NFKC), drop whitespace and surrounding quotes; for option matching."""
    s = unicodedata.normalize("NFKC", str(s))
    return re.sub(r"\s+", "", s).strip("\"'“”‘’")


@dataclass(frozen=True)
class Question:
    concept: str
    question: str
    kind: str
    options: dict[str, str] = field(default_factory=dict)   # normalised option text -> item code
    codes: dict[str, str] = field(default_factory=dict)     # answer code (str) -> item code
    ignore: frozenset[str] = frozenset()                    # normalised option texts to skip
    valid: tuple[int, int] | None = None
    top_k: int | None = None
    other: str | None = None                                # item code for 其他〖...〗 answers

    @property
    def items(self) -> list[str]:
        """Item codes in codebook order, without duplicates."""
        extra = [self.other] if self.other else []
        return list(dict.fromkeys([*self.options.values(), *extra]))

    def item_for(self, answer: str) -> str | None:
        """The item code for an answer given as option text or as a code; None if unknown."""
        key = normalise_text(answer)
        if key in self.options:
            return self.options[key]
        code = key[:-2] if key.endswith(".0") else key
        return self.codes.get(code)


@dataclass(frozen=True)
class Mapping:
    survey_id: str
    questions: tuple[Question, ...]
    survey_year: int | None = None
    id_column: str | None = None
    path: str = "<mapping>"

    def question(self, concept: str) -> Question | None:
        for q in self.questions:
            if q.concept == concept:
                return q
        return None


def _fail(path: str, what: str, found: Any, fix: str) -> ExportFormatError:
    return ExportFormatError(format_message(f"mapping file {path!r}: {what}", found=found, fix=fix), path=path)


def _question(raw: Any, i: int, path: str) -> Question:
    where = f"questions[{i}]"
    if not isinstance(raw, dict):
        raise _fail(path, f"{where} is not a mapping", raw, "write each question as 'concept: ..., question: ..., kind: ...'")
    missing = [k for k in ("concept", "question", "kind") if k not in raw]
    if missing:
        raise _fail(path, f"{where} lacks {missing}", sorted(raw), "add them")
    concept, kind = str(raw["concept"]), str(raw["kind"])
    if not _SNAKE.match(concept):
        raise _fail(path, f"{where}.concept must be snake_case", concept, f"use one of {list(CONCEPTS)} or your own")
    if kind not in KINDS:
        raise _fail(path, f"{where}.kind is unknown", kind, f"use one of {list(KINDS)}")
    opts_raw = raw.get("options") or {}
    if not isinstance(opts_raw, dict):
        raise _fail(path, f"{where}.options must map option text to an item code", opts_raw, "write 'option text: item_code'")
    options: dict[str, str] = {}
    for text, code in opts_raw.items():
        names = [text] + list(raw.get("aliases", {}).get(text, []) if isinstance(raw.get("aliases"), dict) else [])
        for name in names:
            options[normalise_text(str(name))] = str(code)
    needs_options = kind in ("single", "multi", "ranking", "choice")
    if needs_options and not options:
        raise _fail(path, f"{where} ({concept}, kind {kind}) has no options", None, "list the exported option texts under options:")
    codes_raw = raw.get("codes")
    if codes_raw is None:
        codes = {str(j + 1): code for j, code in enumerate(opts_raw.values())}
    else:
        codes = {str(k): str(v) for k, v in dict(codes_raw).items()}
    unknown = sorted(set(codes.values()) - set(options.values()))
    if unknown:
        raise _fail(path, f"{where}.codes name items not among options", unknown, "use the item codes of options:")
    valid = raw.get("valid")
    if valid is not None:
        if not (isinstance(valid, (list, tuple)) and len(valid) == 2):
            raise _fail(path, f"{where}.valid must be [low, high]", valid, "write e.g. valid: [1930, 2012]")
        valid = (int(valid[0]), int(valid[1]))
    return Question(
        concept=concept, question=str(raw["question"]).strip(), kind=kind, options=options, codes=codes,
        ignore=frozenset(normalise_text(str(x)) for x in raw.get("ignore", []) or []),
        valid=valid, top_k=int(raw["top_k"]) if raw.get("top_k") is not None else None,
        other=str(raw["other"]) if raw.get("other") else None,
    )


def parse_mapping(data: Any, path: str = "<mapping>") -> Mapping:
    """Build a :class:`Mapping` from parsed YAML; every problem raises with the file and field."""
    if not isinstance(data, dict) or "questions" not in data:
        raise _fail(path, "has no 'questions' list", type(data).__name__, "see brandlab/survey/mapping.py for the format")
    qs = data["questions"]
    if not isinstance(qs, list) or not qs:
        raise _fail(path, "'questions' must be a non-empty list", qs, "list one entry per mapped question")
    questions = tuple(_question(q, i, path) for i, q in enumerate(qs))
    seen: set[str] = set()
    for q in questions:
        if q.concept in seen:
            raise _fail(path, f"concept {q.concept!r} is mapped twice", q.concept, "map each concept to one question")
        seen.add(q.concept)
    gen = next((q for q in questions if q.concept == "generation"), None)
    if gen is None:
        raise _fail(path, "no question is mapped to concept 'generation'", sorted(seen),
                    "map the birth-year or age question (kind birth_year / age / choice)")
    if gen.kind not in ("birth_year", "age", "choice"):
        raise _fail(path, "the generation question must have kind birth_year, age or choice", gen.kind, "change its kind")
    year = data.get("survey_year")
    if gen.kind == "age" and year is None:
        raise _fail(path, "an age question needs survey_year to derive birth years", None, "add survey_year: YYYY")
    return Mapping(survey_id=str(data.get("survey_id", Path(path).stem)), questions=questions,
                   survey_year=int(year) if year is not None else None,
                   id_column=str(data["id_column"]) if data.get("id_column") else None, path=path)


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping YAML file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as err:
        raise ExportFormatError(format_message(f"cannot read mapping file {str(p)!r}: {err}",
                                               fix="check the path and that it is UTF-8 YAML"), path=str(p)) from err
    return parse_mapping(data, str(p))
