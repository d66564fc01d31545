"""Chinese word segmentation with jieba semantics: a fast path (rjieba, the jieba-rs binding) and a
fallback (a private ``jieba.Tokenizer()`` instance), both loaded with the same user dictionary.

Build a :class:`Tokenizer` once with :func:`build_tokenizer` (or the cached
:func:`default_tokenizer`) and pass it to the functions that need it. jieba's global tokenizer
is never touched.

User words: ``brandlab/nlp/data/userdict.txt`` (jieba format: ``word [freq] [tag]``) plus the
taxonomy terms. A user word without a frequency gets :data:`DEFAULT_USER_FREQ`; a word already in
jieba's dictionary keeps jieba's frequency unless the file gives one. Both backends then hold
the same dictionary and give the same tokens (tests/nlp/test_tokenize.py checks it on a corpus).
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from brandlab.errors import ModelUnavailableError, format_message
from brandlab.nlp.clean import EMO_PREFIX

DATA_DIR = Path(__file__).parent / "data"
USERDICT = DATA_DIR / "userdict.txt"
#: frequency given to a user word that has none (jieba's dict.txt: 春熙路 9, 成都 5,000-ish)
DEFAULT_USER_FREQ = 2000
BACKENDS = ("rjieba", "jieba")

#: what jieba can hold as one token: its own "han" block characters
_JIEBA_WORD = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")
_EMO_SPLIT = re.compile(rf"({EMO_PREFIX}\S+)")
_OTHER_SPACE = re.compile(r"[^\S ]|  +")

UserWord = tuple[str, int | None]


class UserDictError(ValueError):
    """A user dictionary line cannot be read."""


def parse_user_dict(lines: Iterable[str], source: str = "<user words>") -> list[UserWord]:
    """Parse jieba user-dictionary lines (``word [freq] [tag]``; ``#`` starts a comment)."""
    out: list[UserWord] = []
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word, freq = parts[0], None
        if len(parts) > 1:
            if not parts[1].isdigit():
                raise UserDictError(format_message(
                    f"{source} line {lineno}: frequency {parts[1]!r} of {word!r} is not a whole number",
                    expected="'word [freq] [tag]' with freq a non-negative integer", found=line,
                    fix="write the frequency as digits or leave it out"))
            freq = int(parts[1])
        if not _JIEBA_WORD.match(word):
            raise UserDictError(format_message(
                f"{source} line {lineno}: {word!r} cannot be one jieba token",
                expected="CJK characters, ASCII letters, digits or + # & . _ % -", found=line,
                fix="remove spaces and other punctuation from the word"))
        out.append((word, freq))
    return out


def read_user_dict(path: str | Path) -> list[UserWord]:
    p = Path(path)
    return parse_user_dict(p.read_text(encoding="utf-8").splitlines(), source=str(p))


def _normalise_words(user_words: Iterable[str | UserWord]) -> list[UserWord]:
    seen: dict[str, int | None] = {}
    for w in user_words:
        word, freq = (w, None) if isinstance(w, str) else w
        if not _JIEBA_WORD.match(word):
            continue  # e.g. a taxonomy phrase with a space: it can never be one token
        if word not in seen or freq is not None:
            seen[word] = freq
    return list(seen.items())


@dataclass
class Tokenizer:
    """A segmenter with jieba semantics. ``cut`` keeps ``EMO_`` tokens whole and drops spaces."""

    backend: str
    hmm: bool
    _cut: Callable[[str], list[str]] = field(repr=False)
    n_user_words: int = 0

    def cut_raw(self, text: str) -> list[str]:
        """The backend's tokens exactly as it returns them (spaces included)."""
        return self._cut(text)

    def cut(self, text: str) -> list[str]:
        if _OTHER_SPACE.search(text):  # cleaned text has only single spaces; raw text may have more
            text = _OTHER_SPACE.sub(" ", text)
        if EMO_PREFIX not in text:
            return [t for t in self._cut(text) if t != " "]
        out: list[str] = []
        for i, part in enumerate(_EMO_SPLIT.split(text)):
            if i % 2:
                out.append(part)
            elif part:
                out.extend(t for t in self._cut(part) if t != " ")
        return out

    def cut_many(self, texts: Sequence[str], *, n_jobs: int = 1, chunk_size: int = 2000) -> list[list[str]]:
        """Segment many texts; with ``n_jobs > 1`` forked worker processes share the work."""
        if n_jobs <= 1 or len(texts) < 2 * chunk_size or "fork" not in multiprocessing.get_all_start_methods():
            return [self.cut(t) for t in texts]
        global _WORKER
        _WORKER = self
        chunks = [list(texts[i:i + chunk_size]) for i in range(0, len(texts), chunk_size)]
        with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
            parts = pool.map(_cut_chunk, chunks)
        _WORKER = None
        return [toks for part in parts for toks in part]


_WORKER: Tokenizer | None = None


def _cut_chunk(texts: list[str]) -> list[list[str]]:
    assert _WORKER is not None
    return [_WORKER.cut(t) for t in texts]


#: jieba's finalseg splits the non-Chinese part of an HMM buffer with this pattern ("t.cn" ->
#: "t", ".", "cn"; "3.5G" -> "3.5", "G"); jieba-rs keeps the whole run. We apply it to jieba-rs's
#: tokens so that both backends agree (tests/nlp/test_tokenize.py::test_backends_agree).
_FINALSEG_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ASCII_JOINED = re.compile(r"[A-Za-z0-9][^\sA-Za-z0-9\u0080-\uffff]|[^\sA-Za-z0-9\u0080-\uffff][A-Za-z0-9]")


def _resplit_ascii(tokens: list[str], has_word: Callable[[str], bool]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if len(t) > 1 and t.isascii() and not t.isalnum() and not t.isspace() and not has_word(t):
            out.extend(x for x in _FINALSEG_SKIP.split(t) if x)
        else:
            out.append(t)
    return out


def _build_rjieba(words: list[UserWord], hmm: bool) -> Callable[[str], list[str]]:
    import rjieba

    seg = rjieba.Jieba()
    for word, freq in words:
        if freq is None and seg.has_word(word):
            continue
        seg.add_word(word, DEFAULT_USER_FREQ if freq is None else freq, None)

    def cut(text: str) -> list[str]:
        tokens: list[str] = seg.cut(text, hmm)
        if hmm and _ASCII_JOINED.search(text):
            return _resplit_ascii(tokens, seg.has_word)
        return tokens

    return cut


def _build_jieba(words: list[UserWord], hmm: bool) -> Callable[[str], list[str]]:
    import jieba

    seg = jieba.Tokenizer()
    seg.initialize()
    for word, freq in words:
        old = seg.FREQ.get(word, 0)
        if freq is None and old > 0:
            continue
        seg.add_word(word, DEFAULT_USER_FREQ if freq is None else freq)
        seg.total -= old  # jieba adds the new frequency without removing the old one; jieba-rs swaps

    def cut(text: str) -> list[str]:
        tokens: list[str] = seg.lcut(text, HMM=hmm)
        return tokens

    return cut


def build_tokenizer(user_words: Iterable[str | UserWord] = (), backend: str = "auto", *,
                    hmm: bool = True) -> Tokenizer:
    """Build a segmenter holding jieba's dictionary plus ``user_words``.

    ``backend``: ``"rjieba"`` (fast), ``"jieba"`` (pure Python) or ``"auto"`` (rjieba when
    installed, else jieba).
    """
    words = _normalise_words(user_words)
    if backend not in ("auto", *BACKENDS):
        raise ValueError(format_message(f"unknown tokenizer backend {backend!r}",
                                        expected=f"one of {('auto', *BACKENDS)}", fix="pick one of those"))
    if backend in ("auto", "rjieba"):
        try:
            return Tokenizer("rjieba", hmm, _build_rjieba(words, hmm), len(words))
        except ImportError as err:
            if backend == "rjieba":
                raise ModelUnavailableError(format_message(
                    "the rjieba backend is not installed", fix="pip install rjieba, or use backend='jieba'")) from err
    try:
        return Tokenizer("jieba", hmm, _build_jieba(words, hmm), len(words))
    except ImportError as err:
        raise ModelUnavailableError(format_message(
            "neither rjieba nor jieba is installed", fix="pip install rjieba jieba")) from err


def default_user_words(taxonomy_files: Sequence[str] = ()) -> list[UserWord]:
    """The shipped user dictionary plus every term of the (extended) taxonomy."""
    from brandlab.nlp.taxonomy import load_taxonomy

    words: list[str | UserWord] = list(read_user_dict(USERDICT))
    words.extend(load_taxonomy(extra_files=taxonomy_files).all_terms())
    return _normalise_words(words)


@lru_cache(maxsize=4)
def default_tokenizer(backend: str = "auto", taxonomy_files: tuple[str, ...] = ()) -> Tokenizer:
    """The tokenizer with the shipped user dictionary and taxonomy terms, built once per process."""
    return build_tokenizer(default_user_words(taxonomy_files), backend)
