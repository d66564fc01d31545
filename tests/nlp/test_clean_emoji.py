"""The one-regex emoji replacement against the ``emoji`` package's per-character tokenizer it
replaced (kept here as the reference), over generated text with emoji of every kind."""

from __future__ import annotations

import random
from unittest import mock

import emoji
import pytest

from brandlab.nlp import clean as c
from brandlab.nlp.synth import synth_texts


def reference_replace_emoji(text: str) -> tuple[str, list[str]]:
    """The implementation before the regex: ``emoji.replace_emoji`` with a per-emoji callback."""
    found: list[str] = []

    def take(chars: str, data: dict[str, str]) -> str:
        tok = c.emoji_token(chars)
        found.append(tok)
        return f" {tok} "

    if not emoji.emoji_count(text):
        return text, found
    return emoji.replace_emoji(text, replace=take), found


def reference_clean_text(text: str | None) -> c.CleanText:
    with mock.patch.object(c, "replace_emoji", reference_replace_emoji):
        return c.clean_text(text)


def generated_corpus(n: int, seed: int = 0) -> list[str]:
    """Text, emoticons, hashtags and mentions mixed with emoji drawn from the whole of EMOJI_DATA
    (ZWJ sequences, skin tones, flags, keycaps, with and without VS16) and non-RGI ZWJ joins."""
    keys = sorted(emoji.EMOJI_DATA)
    singles = [k for k in keys if len(k) == 1]
    zwj = [k for k in keys if "\u200d" in k]
    tones = [k for k in keys if any(0x1F3FB <= ord(ch) <= 0x1F3FF for ch in k)]
    flags = [k for k in keys if len(k) == 2 and all(0x1F1E6 <= ord(ch) <= 0x1F1FF for ch in k)]
    words = ("成都", "好吃", "a b", "[哈哈]", "#成都美食#", "@小王 ", "太美了！", "OK", "１２３", "\u3000")
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.35:
                parts.append(rng.choice(words))
            elif r < 0.55:
                parts.append(rng.choice(keys))
            elif r < 0.65:
                parts.append(rng.choice(zwj))
            elif r < 0.75:
                parts.append(rng.choice(tones))
            elif r < 0.85:
                parts.append(rng.choice(flags))
            elif r < 0.95:  # emoji joined by ZWJ into no RGI sequence: each keeps its own token
                parts.append("\u200d".join(rng.choice(singles) for _ in range(rng.randint(2, 3))))
            else:
                parts.append(rng.choice(singles) + "\ufe0f")
        out.append("".join(parts))
    return out


def test_generated_corpus_has_every_kind() -> None:
    texts = generated_corpus(500)
    assert any("\u200d" in t for t in texts)
    assert any("\U0001F3FD" in t for t in texts)
    assert any("\U0001F1E8\U0001F1F3" in t or any(0x1F1E6 <= ord(ch) <= 0x1F1FF for ch in t) for t in texts)


@pytest.mark.parametrize("seed", [0, 1])
def test_clean_text_equals_reference_on_generated_emoji(seed: int) -> None:
    for text in generated_corpus(3000, seed):
        assert c.clean_text(text) == reference_clean_text(text), repr(text)


def test_clean_text_equals_reference_on_synth_posts() -> None:
    for text in synth_texts(2000, seed=3):
        assert c.clean_text(text) == reference_clean_text(text), repr(text)


@pytest.mark.parametrize("text", [
    "家庭👨\u200d👩\u200d👧\u200d👦好",            # RGI family: one token
    "👨\u200d👩\u200d🐶",                           # non-RGI: three tokens
    "🧑🏽\u200d🚀上天", "🏳️\u200d🌈", "🇨🇳🇺🇸🇯", "#️⃣1⃣", "©®", "✔️\ufe0f好",
    "没有表情\ufe0f",                                # no emoji: a stray VS16 is kept as it was
    "[哈哈]\ufe0f😂", "a\ufe0fb👍\ufe0f\ufe0e",      # with one: stray selectors go
])
def test_replace_emoji_equals_reference_on_edge_cases(text: str) -> None:
    assert c.clean_text(text) == reference_clean_text(text)
    assert c.replace_emoji(text)[1] == reference_replace_emoji(text)[1]


def test_partial_sequence_after_an_emoji_keeps_its_token() -> None:
    """Documented difference: the old tokenizer left ❤ raw before a ZWJ that completes no sequence."""
    assert reference_clean_text("❤️\u200d😂").text != c.clean_text("❤️\u200d😂").text
    assert c.clean_text("❤️\u200d😂").text == "EMO_red_heart EMO_face_with_tears_of_joy"
