"""Generation attribution per author, with the evidence, its source and a confidence.

Evidence, strongest first:

========================  ==========  ==========================================================
what                      source      birth years / confidence
========================  ==========  ==========================================================
birth year in the export  export      that year, 0.95
age bucket in the export  export      crawl year - bucket, 0.6
``95后``/``零零后`` in bio   bio, nick   the cohort's years (``90后`` = 1990-1999), 0.8
``我是98年的``, ``我25岁``    text        that year / post year - age, 0.7 (needs a first-person cue)
``大二``, ``研一``, ``高三``   any         post (or crawl) year - typical age range, 0.5
``宝妈``                    any         year - 40 .. year - 22, 0.15 (weak: rarely one generation)
========================  ==========  ==========================================================

A birth-year range becomes a generation only when the whole range falls in one cohort of
``Settings.generations`` (default X < 1980, Y 1980-1994, Z >= 1995); ``90后`` (1990-1999) spans
Y and Z and so stays ``unknown`` with its range kept. Strong evidence that disagrees leaves the
author ``unknown``. Nothing is guessed: no evidence, no generation.

Not evidence: a year that is not a birth year (``2000年的老房子``, ``1995年建成``), a cohort
word about someone else (``90后的爸妈``, ``我家00后``, ``00后都说``), a cohort word inside a
longer number (``2000后``), ``大一点``/``高三度``, and a past life stage (``我大一的时候``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

Cohorts = Sequence[tuple[str, int, int]]
UNKNOWN = "unknown"

CONFIDENCE = {"birth_year": 0.95, "age_bucket": 0.6, "cohort_bio": 0.8, "self_year": 0.7,
              "life_stage": 0.5, "mother": 0.15}


@dataclass(frozen=True)
class Evidence:
    birth_year_low: int
    birth_year_high: int
    evidence: str
    source: str        # export | bio | nickname | text
    confidence: float


def generation_of(low: int, high: int, cohorts: Cohorts) -> str:
    """The cohort containing the whole birth-year range, else ``unknown``."""
    for name, first, last in cohorts:
        if first <= low and high <= last:
            return name
    return UNKNOWN


# --------------------------------------------------------------------------- cohort words

_COHORT_YEARS = {"00": 2000, "05": 2005, "10": 2010, "60": 1960, "65": 1965, "70": 1970, "75": 1975,
                 "80": 1980, "85": 1985, "90": 1990, "95": 1995}
_CN_COHORT = {"零零": "00", "九零": "90", "八零": "80", "七零": "70", "六零": "60", "九五": "95", "八五": "85"}
_COHORT = re.compile(r"(?<![0-9零一二三四五六七八九十])(00|05|10|60|65|70|75|80|85|90|95|零零|九零|八零|七零|六零|九五|八五)后"
                     r"(?![0-9])")
#: the cohort word is about others when followed by these ...
_OTHERS_AFTER = re.compile(r"^(?:的)?(?:爸|妈|父|母|家长|孩子|娃|小孩|儿子|女儿|宝宝|学生|员工|同事|领导|下属|新人|"
                           r"们|群体|消费者|用户|游客|年轻人|一代|都|已经|正在|开始|越来越|成为|更|最|占|爱|喜欢|眼中)")
#: ... or preceded by these
_OTHERS_BEFORE = re.compile(r"(?:我家|我们家|家里|家有|带|给|教|我的|面对|当代|如今的|现在的|很多|不少|一群|这届)\s*$")
_SELF_BEFORE = re.compile(r"(?:我是|我|本人|作为|作为一个|作为一名|咱|俺|咱们|身为)\s*(?:一[个名枚])?\s*$")
_SELF_AFTER = re.compile(r"^(?:一枚|女生|男生|女孩|男孩|姑娘|小伙|少女|少年|小姐姐|小哥哥|宝妈|宝爸|打工人|社畜|"
                         r"大学生|研究生|老阿姨|青年|的我|本人)")


def _cohort_range(code: str) -> tuple[int, int]:
    code = _CN_COHORT.get(code, code)
    start = _COHORT_YEARS[code]
    # "90后" means the 1990s; "95后" means 1995-1999
    return start, start + (9 if start % 10 == 0 else 4)


def find_cohort(text: str, *, source: str) -> list[Evidence]:
    """Self-declared cohort words. In a bio or nickname a bare ``95后`` counts (the owner describes
    themself); in post text a first-person cue must stand next to it."""
    out = []
    for m in _COHORT.finditer(text):
        before, after = text[max(0, m.start() - 8):m.start()], text[m.end():m.end() + 6]
        if _OTHERS_BEFORE.search(before) or _OTHERS_AFTER.match(after):
            if not (_SELF_BEFORE.search(before) and not _OTHERS_BEFORE.search(before)):
                continue
        self_cue = bool(_SELF_BEFORE.search(before) or _SELF_AFTER.match(after))
        if source == "text" and not self_cue:
            continue
        low, high = _cohort_range(m.group(1))
        conf = CONFIDENCE["cohort_bio"] if source != "text" else CONFIDENCE["self_year"]
        out.append(Evidence(low, high, text[max(0, m.start() - 4):m.end() + 4].strip(), source, conf))
    return out


# --------------------------------------------------------------------------- birth year and age

_BIRTH_YEAR = re.compile(
    r"(?:(?:我是|本人|我|出生于|生于)\s*((?:19[4-9]|20[0-2])\d|[0-9]{2})\s*年\s*(?:的|出生|生|人)?(?=[^0-9]|$))"
    r"|(?:((?:19[4-9]|20[0-2])\d)\s*年\s*(?:出生|生人))")
_AGE = re.compile(r"(?:(?:我|本人)\s*(?:今年)?\s*(\d{1,2})\s*岁)|(?:(\d{1,2})\s*岁的我)")


def _full_year(raw: str, ref_year: int) -> int | None:
    y = int(raw)
    if len(raw) == 2:
        y = 2000 + y if 2000 + y <= ref_year else 1900 + y
    return y if 1940 <= y <= ref_year else None


def find_birth_year(text: str, ref_year: int, *, source: str) -> list[Evidence]:
    """``我是98年的``, ``本人1996年生``, ``1996年出生``, ``出生于1996``, ``我今年25岁``, ``25岁的我``."""
    out = []
    for m in _BIRTH_YEAR.finditer(text):
        raw = m.group(1) or m.group(2)
        whole = m.group(0)
        # "我是98年" needs the closing 的/生/人 or "出生"; a bare "我2000年" is a date, not a birth year
        if m.group(1) and not re.search(r"(?:的|出生|生|人)$", whole) and not whole.startswith(("出生于", "生于")):
            continue
        y = _full_year(raw, ref_year)
        if y is not None:
            out.append(Evidence(y, y, whole, source, CONFIDENCE["self_year"]))
    for m in _AGE.finditer(text):
        age = int(m.group(1) or m.group(2))
        if 10 <= age <= 80:
            out.append(Evidence(ref_year - age - 1, ref_year - age, m.group(0), source, CONFIDENCE["self_year"]))
    return out


# --------------------------------------------------------------------------- life stage

#: typical age range during each stage (Chinese school system: university entry at ~18)
_STAGES = {"高一": (15, 17), "高二": (16, 18), "高三": (17, 19), "大一": (17, 20), "大二": (18, 21),
           "大三": (19, 22), "大四": (20, 23), "研一": (21, 26), "研二": (22, 27), "研三": (23, 28),
           "博士在读": (24, 33), "读博": (24, 33), "博一": (23, 30), "博二": (24, 31)}
_STAGE = re.compile(r"(高[一二三]|大[一二三四]|研[一二三]|博[一二]|博士在读|读博)"
                    r"(?![点些号岁圈倍截块半分个级辈度米层届]|的时候|那年|那会|时候|时|毕业|以后|之后)")
_STAGE_PAST = re.compile(r"(?:当年|那时|以前|曾经|回想)\S{0,3}$")
_MOTHER = re.compile(r"宝妈|二胎妈妈|新手妈妈|全职妈妈")


def find_life_stage(text: str, ref_year: int, *, source: str) -> list[Evidence]:
    out = []
    for m in _STAGE.finditer(text):
        if _STAGE_PAST.search(text[max(0, m.start() - 6):m.start()]):
            continue
        lo_age, hi_age = _STAGES[m.group(1)]
        out.append(Evidence(ref_year - hi_age, ref_year - lo_age, m.group(0), source, CONFIDENCE["life_stage"]))
    for m in _MOTHER.finditer(text):
        out.append(Evidence(ref_year - 40, ref_year - 22, m.group(0), source, CONFIDENCE["mother"]))
    return out


def find_evidence(text: str | None, ref_year: int, *, source: str) -> list[Evidence]:
    """Every piece of generation evidence in one bio, nickname or post text."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text) or not str(text):
        return []
    text = str(text)
    # each finder's patterns need one of its characters: a text without them is passed by a set test
    out = find_cohort(text, source=source) if "后" in text else []
    if "年" in text or "岁" in text:
        out += find_birth_year(text, ref_year, source=source)
    if not _STAGE_CHARS.isdisjoint(text):
        out += find_life_stage(text, ref_year, source=source)
    return out


#: a life stage starts with one of these (高一, 大二, 研三, 博一, 读博); every mother word has 妈
_STAGE_CHARS = frozenset("高大研博读妈")
#: a text with none of these characters holds no evidence of any kind
_EVIDENCE_CHARS = _STAGE_CHARS | frozenset("后年岁")


# --------------------------------------------------------------------------- export fields

_BUCKET = re.compile(r"^\s*(\d{1,2})?\s*[-~–至]\s*(\d{1,2})?\s*\+?\s*$|^\s*(\d{1,2})\s*\+\s*$")


def bucket_ages(bucket: str) -> tuple[int, int] | None:
    """``"18-23"`` -> (18, 23); ``"-18"`` -> (10, 17); ``"50-"``/``"50+"`` -> (50, 80); else None."""
    m = _BUCKET.match(str(bucket))
    if not m:
        return None
    if m.group(3):
        return int(m.group(3)), 80
    lo, hi = m.group(1), m.group(2)
    if lo is None and hi is None:
        return None
    if lo is None:
        return 10, int(hi) - 1
    return int(lo), int(hi) if hi is not None else 80


def export_evidence(birth_year: object, age_bucket: object, ref_year: int) -> list[Evidence]:
    out = []
    if birth_year is not None and not pd.isna(birth_year):
        y = int(birth_year)  # type: ignore[call-overload]
        out.append(Evidence(y, y, f"birth_year={y}", "export", CONFIDENCE["birth_year"]))
    if age_bucket is not None and not pd.isna(age_bucket):
        ages = bucket_ages(str(age_bucket))
        if ages:
            out.append(Evidence(ref_year - ages[1] - 1, ref_year - ages[0], f"age_bucket={age_bucket}", "export",
                                CONFIDENCE["age_bucket"]))
    return out


# --------------------------------------------------------------------------- decision


def decide(evidence: Iterable[Evidence], cohorts: Cohorts) -> dict[str, object]:
    """Pick the strongest evidence; strong evidence (>= 0.5) pointing at two cohorts -> unknown."""
    ev = sorted(evidence, key=lambda e: -e.confidence)
    if not ev:
        return {"generation": UNKNOWN, "birth_year_low": None, "birth_year_high": None, "evidence": None,
                "source": "none", "confidence": 0.0}
    best = ev[0]
    gen = generation_of(best.birth_year_low, best.birth_year_high, cohorts)
    strong = {generation_of(e.birth_year_low, e.birth_year_high, cohorts) for e in ev if e.confidence >= 0.5}
    strong.discard(UNKNOWN)
    text = best.evidence
    conf = best.confidence
    if len(strong) > 1:
        gen = UNKNOWN
        text = "conflict: " + " | ".join(dict.fromkeys(e.evidence for e in ev if e.confidence >= 0.5))
        conf = 0.0
    elif gen == UNKNOWN:
        conf = 0.0
    return {"generation": gen, "birth_year_low": best.birth_year_low, "birth_year_high": best.birth_year_high,
            "evidence": text[:200], "source": best.source, "confidence": conf}


def attribute_generations(authors: pd.DataFrame, posts: pd.DataFrame, cohorts: Cohorts, *,
                          default_year: int) -> pd.DataFrame:
    """One row per (platform, author_id) seen in ``authors`` or ``posts``.

    ``authors``: AUTHOR columns (nickname, bio, birth_year, age_bucket, crawled_at).
    ``posts``: platform, author_id, text, published_at. ``default_year`` is the reference year
    when a row has no date (Settings.as_of or today).
    """
    found: dict[tuple[str, str], list[Evidence]] = {}

    def year_of(ts: object) -> int:
        return default_year if ts is None or pd.isna(ts) else int(pd.Timestamp(ts).year)

    for r in authors.itertuples(index=False):
        key = (str(r.platform), str(r.author_id))
        ref = year_of(getattr(r, "crawled_at", None))
        ev = found.setdefault(key, [])
        ev += export_evidence(getattr(r, "birth_year", None), getattr(r, "age_bucket", None), ref)
        ev += find_evidence(getattr(r, "bio", None), ref, source="bio")
        ev += find_evidence(getattr(r, "nickname", None), ref, source="nickname")
    own = posts[posts["author_id"].notna()]
    for platform, author, text, ts in zip(*(own[c].to_numpy(dtype=object) for c in
                                            ("platform", "author_id", "text", "published_at")), strict=True):
        ev = found.setdefault((str(platform), str(author)), [])
        if isinstance(text, str) and not _EVIDENCE_CHARS.isdisjoint(text):  # else find_evidence finds nothing
            ev += find_evidence(text, year_of(ts), source="text")
    rows = [{"platform": k[0], "author_id": k[1], **decide(v, cohorts)} for k, v in found.items()]
    cols = ["platform", "author_id", "generation", "birth_year_low", "birth_year_high", "evidence", "source",
            "confidence"]
    return pd.DataFrame(rows, columns=cols)


def audience_generation_weights(segments: pd.DataFrame, cohorts: Cohorts, *, default_year: int) -> pd.DataFrame:
    """Spread each audience age bucket's share over cohorts by the overlap of birth years (uniform
    within a bucket). Returns platform, scope, scope_id, generation, weight (weights of one scope
    sum to the age shares' total; buckets that cannot be read go to ``unknown``)."""
    seg = segments[segments["dimension"] == "age"]
    rows = []
    for r in seg.itertuples(index=False):
        ref = default_year if pd.isna(getattr(r, "crawled_at", None)) else pd.Timestamp(r.crawled_at).year
        ages = bucket_ages(str(r.bucket))
        if ages is None:
            rows.append((r.platform, r.scope, r.scope_id, UNKNOWN, float(r.share)))
            continue
        lo, hi = ref - ages[1] - 1, ref - ages[0]
        span = hi - lo + 1
        for name, first, last in cohorts:
            overlap = min(hi, last) - max(lo, first) + 1
            if overlap > 0:
                rows.append((r.platform, r.scope, r.scope_id, name, float(r.share) * overlap / span))
    out = pd.DataFrame(rows, columns=["platform", "scope", "scope_id", "generation", "weight"])
    return out.groupby(["platform", "scope", "scope_id", "generation"], as_index=False)["weight"].sum()
