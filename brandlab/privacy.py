"""Pseudonymisation of personal data (nicknames, user ids) for reports and exports."""

from __future__ import annotations

import hashlib

import pandas as pd


def pseudonym(value: object, salt: str = "brandlab", prefix: str = "u") -> str | None:
    """A stable pseudonym such as ``u_3f2a9c1b`` for an id or nickname (None stays None)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    digest = hashlib.sha256(f"{salt}\x00{value}".encode()).hexdigest()[:8]
    return f"{prefix}_{digest}"


def pseudonymise(df: pd.DataFrame, columns: list[str] | None = None, salt: str = "brandlab") -> pd.DataFrame:
    """Return a copy with personal columns replaced by pseudonyms.

    Default columns: every column named like an author/user id or a nickname.
    """
    if columns is None:
        columns = [c for c in df.columns if c in PERSONAL_COLUMNS]
    out = df.copy()
    for c in columns:
        prefix = "n" if "name" in c else "u"
        out[c] = out[c].map(lambda v, p=prefix: pseudonym(v, salt, p)).astype("string")
    return out


PERSONAL_COLUMNS = frozenset({
    "author_id", "author_name", "nickname", "user_id", "src_author_id", "dst_author_id",
    "src_name", "dst_name", "node", "account", "creator_hash",
})


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ or a control char is prefixed with '."""
    if isinstance(value, str) and value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Apply :func:`safe_cell` to every text column (for CSV/XLSX export)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(safe_cell)
    return out
