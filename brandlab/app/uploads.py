"""Saving uploaded files: size-limited, and never outside the workspace's upload folder.

Pure file handling (no Streamlit) so the rules are tested directly: a name is reduced to its last
component, stripped of separators, drive colons, control characters and leading dots, and the
resolved destination must sit directly in the folder; anything else is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from brandlab.errors import BrandlabError, format_message

_BAD = re.compile(r"[\\/:\x00-\x1f\x7f<>|\"?*]")


class UploadError(BrandlabError, ValueError):
    """An upload that is too large or whose name would leave the upload folder."""


def safe_name(name: str) -> str:
    """The last path component of ``name`` with separators, control characters and leading dots removed."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = _BAD.sub("_", base).strip().lstrip(".").strip()
    return base[:200] or "upload"


def save_upload(folder: Path, name: str, data: bytes, max_mb: float) -> Path:
    """Write ``data`` as ``folder/safe_name(name)`` and return that path.

    Raises :class:`UploadError` when the data exceed ``max_mb`` MB, or when the name is a path that
    tries to leave the folder (``../x``, ``/etc/x``, ``C:\\x``, ``..``): such names are refused rather
    than silently rewritten, so the user sees why.
    """
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(format_message(
            f"upload {name!r} is {len(data) / 1024 / 1024:.1f} MB", expected=f"at most {max_mb:g} MB per file",
            fix="split the export, or ingest it from a path on this machine (brandlab ingest PATH)"))
    raw = str(name).replace("\\", "/")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if raw.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", raw) or "\x00" in raw or len(parts) > 1:
        raise UploadError(format_message(
            f"upload name {name!r} is a path", expected="a plain file name such as 'export.csv'",
            fix="rename the file before uploading"))
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    dest = (folder / safe_name(name)).resolve()
    if dest.parent != folder:
        raise UploadError(format_message(f"upload name {name!r} leaves the upload folder",
                                         expected=f"a file inside {folder}", fix="rename the file"))
    dest.write_bytes(data)
    return dest
