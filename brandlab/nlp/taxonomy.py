"""The city-brand taxonomy: versioned YAML data, its loader and validator, and the post tagger.

The shipped file is ``brandlab/nlp/data/taxonomy/v1.yaml`` (see its header for the layout).
Users extend it with files of the same layout; an extension's terms are added to the label of
the same name (the Chinese name or the ``key``), and unknown labels are created (they then need
a ``key``). :func:`load_taxonomy` validates every file and reports every problem at once, naming
the file and the place inside it.

:func:`tag_posts` matches taxonomy terms against segmented tokens (every term is in the
segmenter's user dictionary, so it comes out as one token) with one hash join over all tokens,
and keeps the matched terms as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from brandlab.errors import BrandlabError, format_message
from brandlab.schema import Platform

TAXONOMY_DIR = Path(__file__).parent / "data" / "taxonomy"
DEFAULT_TAXONOMY = TAXONOMY_DIR / "v1.yaml"
FACETS = {"traits": "trait", "dimensions": "dimension"}
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"version", "name", "traits", "dimensions", "channels", "description"}


class TaxonomyError(BrandlabError, ValueError):
    """A taxonomy file is malformed; the message lists every problem with its place."""


@dataclass(frozen=True)
class Label:
    facet: str            # trait | dimension
    key: str              # English snake_case, written to result tables
    zh: str               # display name
    terms: tuple[str, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Channel:
    name: str
    platform: str
    kind: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str
    entries: tuple[Label, ...]
    channels: tuple[Channel, ...]
    sources: tuple[str, ...]

    def facet(self, facet: str) -> list[Label]:
        """The labels of one facet (``trait`` or ``dimension``)."""
        return [lb for lb in self.entries if lb.facet == facet]

    def labels(self, facet: str) -> list[str]:
        """The label keys of one facet, as written to result tables (e.g. ``vitality``)."""
        return [lb.key for lb in self.facet(facet)]

    def key_of(self, name: str, facet: str | None = None) -> str:
        """The key of a label given its key, Chinese name or alias (``活力`` -> ``vitality``,
        ``项目活动`` -> ``events``); KeyError when none matches."""
        for lb in self.entries:
            if (facet is None or lb.facet == facet) and name in (lb.key, lb.zh, *lb.aliases):
                return lb.key
        raise KeyError(name)

    def all_terms(self) -> list[str]:
        terms = chain.from_iterable(lb.terms for lb in self.entries)
        return list(dict.fromkeys(chain(terms, chain.from_iterable(c.terms for c in self.channels))))

    def term_table(self) -> pd.DataFrame:
        """One row per (term, facet, label) for traits and dimensions."""
        rows = [(t, lb.facet, lb.key) for lb in self.entries for t in lb.terms]
        return pd.DataFrame(rows, columns=["term", "facet", "label"]).drop_duplicates(ignore_index=True)

    def channel_table(self) -> pd.DataFrame:
        rows = [(t, c.name, c.platform, c.kind) for c in self.channels for t in c.terms]
        return pd.DataFrame(rows, columns=["term", "channel", "platform", "kind"])


# ----------------------------------------------------------------------- parsing


def _terms(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[Any] = value.split()
    elif isinstance(value, list):
        items = value
    else:
        problems.append(f"{where}: terms must be a list or a whitespace-separated string, found {type(value).__name__}")
        return ()
    out: list[str] = []
    for i, t in enumerate(items):
        if not isinstance(t, (str, int)) or isinstance(t, bool):
            problems.append(f"{where}[{i}]: term must be text, found {t!r}")
            continue
        t = str(t)
        if not t or any(ch.isspace() for ch in t):
            problems.append(f"{where}[{i}]: term {t!r} is empty or has a space (a term must be one token)")
            continue
        out.append(t)
    return tuple(dict.fromkeys(out))


def _labels(section: Any, facet: str, where: str, problems: list[str], *, need_key: bool) -> list[Label]:
    if not isinstance(section, dict):
        problems.append(f"{where}: expected a mapping of label name -> {{key, terms}}, found {type(section).__name__}")
        return []
    out = []
    for name, body in section.items():
        w = f"{where}.{name}"
        if not isinstance(body, dict):
            problems.append(f"{w}: expected a mapping with 'key' and 'terms', found {type(body).__name__}")
            continue
        unknown = set(body) - {"key", "zh", "terms", "zh_alias", "aliases", "description"}
        if unknown:
            problems.append(f"{w}: unknown field(s) {sorted(unknown)}; allowed: key, zh, terms, aliases")
        key = body.get("key")
        if key is None and need_key:
            problems.append(f"{w}: missing 'key' (an English snake_case id such as 'vitality')")
        elif key is not None and not (isinstance(key, str) and _KEY.match(key)):
            problems.append(f"{w}.key: {key!r} is not snake_case ASCII (e.g. 'night_economy')")
        if "terms" not in body:
            problems.append(f"{w}: missing 'terms'")
        terms = _terms(body.get("terms", []), f"{w}.terms", problems)
        aliases = tuple(str(a) for a in (body.get("aliases") or body.get("zh_alias") or []))
        out.append(Label(FACETS[facet], str(key or ""), str(body.get("zh", name)), terms, aliases))
    return out


def _channels(section: Any, where: str, problems: list[str]) -> list[Channel]:
    if not isinstance(section, dict):
        problems.append(f"{where}: expected a mapping of channel name -> {{platform, kind, terms}}")
        return []
    platforms = {p.value for p in Platform}
    out = []
    for name, body in section.items():
        w = f"{where}.{name}"
        if not isinstance(body, dict):
            problems.append(f"{w}: expected a mapping with platform, kind and terms")
            continue
        platform = body.get("platform")
        if platform not in platforms:
            problems.append(f"{w}.platform: {platform!r} is not one of {sorted(platforms)}")
        kind = body.get("kind")
        if not (isinstance(kind, str) and _KEY.match(kind)):
            problems.append(f"{w}.kind: {kind!r} must be a snake_case word such as 'short_video'")
        out.append(Channel(str(name), str(platform), str(kind), _terms(body.get("terms", []), f"{w}.terms", problems)))
    return out


def parse_taxonomy(data: Any, source: str = "<taxonomy>", *, base: Taxonomy | None = None) -> Taxonomy:
    """Validate a parsed YAML document; with ``base``, return ``base`` extended by it."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise TaxonomyError(format_message(f"taxonomy {source} is not a YAML mapping",
                                           expected="top-level keys version, traits, dimensions, channels",
                                           found=type(data).__name__, fix="see brandlab/nlp/data/taxonomy/v1.yaml"))
    if "version" not in data:
        problems.append("missing top-level 'version:' (e.g. version: 1)")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level key(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    labels: list[Label] = []
    for facet in FACETS:
        if facet in data:
            labels += _labels(data[facet], facet, facet, problems, need_key=base is None)
        elif base is None:
            problems.append(f"missing top-level '{facet}:'")
    channels = _channels(data["channels"], "channels", problems) if "channels" in data else []
    merged_labels, merged_channels = list(base.entries if base else ()), list(base.channels if base else ())
    for lb in labels:
        i = next((j for j, old in enumerate(merged_labels) if old.facet == lb.facet and
                  (lb.zh in (old.zh, *old.aliases) or (lb.key and lb.key == old.key))), None)
        if i is None:
            if not lb.key:
                problems.append(f"{lb.facet} {lb.zh!r} is new (not in the base taxonomy) and needs a 'key'")
            merged_labels.append(lb)
        else:
            old = merged_labels[i]
            merged_labels[i] = Label(old.facet, old.key, old.zh, tuple(dict.fromkeys(old.terms + lb.terms)),
                                     tuple(dict.fromkeys(old.aliases + lb.aliases)))
    for ch in channels:
        i = next((j for j, oc in enumerate(merged_channels) if oc.name == ch.name), None)
        if i is None:
            merged_channels.append(ch)
        else:
            oc = merged_channels[i]
            merged_channels[i] = Channel(oc.name, ch.platform, ch.kind, tuple(dict.fromkeys(oc.terms + ch.terms)))
    keys = [(lb.facet, lb.key) for lb in merged_labels]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        problems.append(f"label keys used twice: {dup}")
    if problems:
        raise TaxonomyError(format_message(
            f"taxonomy {source} has {len(problems)} problem(s): " + "; ".join(problems),
            fix="fix the file; the layout is documented at the top of brandlab/nlp/data/taxonomy/v1.yaml"))
    version = str(data["version"])
    if base is not None:
        version = f"{base.version}+{Path(source).stem}:{version}"
    return Taxonomy(version, tuple(merged_labels), tuple(merged_channels),
                    (*(base.sources if base else ()), source))


def read_taxonomy_file(path: str | Path, base: Taxonomy | None = None) -> Taxonomy:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise TaxonomyError(format_message(f"taxonomy file {str(p)!r} does not exist",
                                           fix="check the path given to --taxonomy")) from err
    except yaml.YAMLError as err:
        raise TaxonomyError(format_message(f"taxonomy file {str(p)!r} is not valid YAML: {err}",
                                           fix="fix the YAML syntax at the line named")) from err
    return parse_taxonomy(data, str(p), base=base)


@lru_cache(maxsize=8)
def _load(extra_files: tuple[str, ...]) -> Taxonomy:
    tax = read_taxonomy_file(DEFAULT_TAXONOMY)
    for f in extra_files:
        tax = read_taxonomy_file(f, base=tax)
    return tax


def load_taxonomy(extra_files: Sequence[str | Path] | None = ()) -> Taxonomy:
    """The shipped taxonomy extended by ``extra_files`` in order (cached per file list)."""
    return _load(tuple(str(f) for f in extra_files or ()))


# ----------------------------------------------------------------------- tagging

TAG_COLUMNS = ["platform", "post_id", "facet", "label", "n_matches", "terms"]


def tag_posts(posts: pd.DataFrame, tokens: Sequence[list[str]] | pd.Series, taxonomy: Taxonomy) -> pd.DataFrame:
    """Assign traits and dimensions to each post; one row per (post, facet, label) matched.

    ``posts`` needs ``platform`` and ``post_id``; ``tokens`` holds each post's tokens in the same
    order. ``n_matches`` counts matching tokens (repeats included); ``terms`` lists the distinct
    matched terms in order of first appearance (the evidence). Rows come ordered by post, facet,
    label.
    """
    toks = list(tokens)
    if len(toks) != len(posts):
        raise ValueError(format_message("tag_posts got tokens for a different number of posts",
                                        expected=f"{len(posts)} token lists", found=len(toks)))
    index = _term_index(taxonomy)
    lens = np.fromiter((len(t) for t in toks), dtype=np.int64, count=len(toks))
    flat = np.empty(int(lens.sum()), dtype=object)
    flat[:] = list(chain.from_iterable(toks))
    tid = index.terms.get_indexer(flat)
    hit = np.flatnonzero(tid >= 0)
    if not len(hit):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TAG_COLUMNS})
    tid = tid[hit]
    row = np.repeat(np.arange(len(toks)), lens)[hit]
    # one entry per (matched token, label of its term), in token order
    n_lab = index.starts[tid + 1] - index.starts[tid]
    rep = np.repeat(np.arange(len(tid)), n_lab)
    first = np.repeat(index.starts[tid] - (np.cumsum(n_lab) - n_lab), n_lab)
    lab = index.labels[np.arange(len(rep)) + first]
    tid, row = tid[rep], row[rep]
    n_labels = len(index.label_keys)
    key = row * n_labels + lab
    order = np.argsort(key, kind="stable")  # by post, facet, label; token order kept within
    key, tid = key[order], tid[order]
    bounds = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1, len(key)]
    group_key = key[bounds[:-1]]
    # evidence: the first occurrence of each (group, term), kept in token order
    _, first_idx = np.unique(key * len(index.terms) + tid, return_index=True)
    first_seen = np.sort(first_idx)
    ev_bounds: list[int] = np.asarray(np.searchsorted(first_seen, bounds)).tolist()
    ev = index.term_strings[tid[first_seen]].tolist()
    rows = group_key // n_labels
    labels = group_key % n_labels
    return pd.DataFrame({
        "platform": posts["platform"].to_numpy()[rows], "post_id": posts["post_id"].to_numpy()[rows],
        "facet": index.label_facets[labels], "label": index.label_keys[labels],
        "n_matches": np.diff(bounds),
        "terms": pd.Series([ev[a:b] for a, b in zip(ev_bounds[:-1], ev_bounds[1:], strict=True)],
                           dtype=object).to_numpy(),
    }, columns=TAG_COLUMNS)


@dataclass(frozen=True)
class _TermIndex:
    terms: pd.Index              # distinct terms
    term_strings: np.ndarray     # the same, as an object array
    starts: np.ndarray           # term i's label codes are labels[starts[i]:starts[i + 1]]
    labels: np.ndarray
    label_facets: np.ndarray     # per label code, sorted by (facet, label)
    label_keys: np.ndarray


@lru_cache(maxsize=8)
def _term_index(taxonomy: Taxonomy) -> _TermIndex:
    table = taxonomy.term_table()
    pairs = sorted(set(zip(table["facet"], table["label"], strict=True)))
    code = {p: i for i, p in enumerate(pairs)}
    terms = pd.unique(table["term"].to_numpy(dtype=object))
    by_term: dict[str, list[int]] = {t: [] for t in terms}
    for t, f, lb in zip(table["term"], table["facet"], table["label"], strict=True):
        by_term[t].append(code[(f, lb)])
    counts = np.array([len(by_term[t]) for t in terms], dtype=np.int64)
    return _TermIndex(pd.Index(terms, dtype=object), np.asarray(terms, dtype=object), np.r_[0, np.cumsum(counts)],
                      np.array([c for t in terms for c in by_term[t]], dtype=np.int64),
                      np.array([f for f, _ in pairs], dtype=object), np.array([lb for _, lb in pairs], dtype=object))
