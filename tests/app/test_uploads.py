"""Uploads: size-limited, saved only inside the upload folder, path-like names refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandlab.app.uploads import UploadError, safe_name, save_upload


@pytest.mark.parametrize("name, expected", [
    ("export.csv", "export.csv"),
    ("成都_投稿列表.xlsx", "成都_投稿列表.xlsx"),
    (".hidden.csv", "hidden.csv"),
    ("a\x00b.csv", "a_b.csv"),
    ("..", "upload"),
    ("dir\\x.csv", "x.csv"),
])
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["../evil.csv", "../../etc/passwd", "/etc/passwd", "C:\\Windows\\x.csv",
                                  "sub/x.csv", "..\\..\\x.csv", "x/../../y.csv"])
def test_path_names_are_refused_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "ws" / "uploads"
    with pytest.raises(UploadError, match="is a path"):
        save_upload(folder, name, b"a,b\n1,2\n", max_mb=1)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_upload_lands_in_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    dest = save_upload(folder, "weibo.csv", b"x", max_mb=1)
    assert dest == (folder / "weibo.csv").resolve() and dest.read_bytes() == b"x"


def test_too_large_upload_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="at most 1 MB"):
        save_upload(tmp_path, "big.csv", b"x" * (1024 * 1024 + 1), max_mb=1)
    assert not (tmp_path / "big.csv").exists()


def test_a_symlinked_name_cannot_escape(tmp_path: Path) -> None:
    """A file name that is a symlink in the folder pointing outside is resolved and refused."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_bytes(b"keep")
    (folder / "link.csv").symlink_to(outside)
    with pytest.raises(UploadError, match="leaves the upload folder"):
        save_upload(folder, "link.csv", b"overwrite", max_mb=1)
    assert outside.read_bytes() == b"keep"


def test_no_page_renders_raw_html() -> None:
    """Post text reaches the page only as dataframes / st.text: no unsafe_allow_html anywhere in the app."""
    root = Path(__file__).resolve().parents[2]
    sources = [root / "app.py", *(root / "brandlab" / "app").rglob("*.py")]
    offenders = [str(p) for p in sources if "unsafe_allow_html" in p.read_text(encoding="utf-8")
                 or "st.html(" in p.read_text(encoding="utf-8")]
    assert sources and not offenders
