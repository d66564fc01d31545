"""Read cascade files in the DeepHawkes format (Cao et al. 2017, the Weibo/APS cascade datasets).

One cascade per line, tab-separated::

    cascade_id <TAB> root_user_id <TAB> publish_time <TAB> size <TAB> path path path ...

``publish_time`` is epoch seconds; each path is ``u1/u2/.../uk:delay`` -- the chain of users from
the root user ``u1`` to the user ``uk`` who joined ``delay`` seconds after the root post (the root
itself is ``u1:0``). ``parse_deephawkes`` is pure (lines in, frame out); ``read_deephawkes`` is
the thin file wrapper. Malformed lines raise :class:`~brandlab.errors.ExportFormatError` naming
the file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from brandlab.errors import ExportFormatError, format_message

COLUMNS = ["cascade_id", "node", "parent", "root", "user_id", "parent_user_id", "depth", "delay_s",
           "published_at", "declared_size"]


def _bad(source: str, line_no: int, field: str, value: str, expected: str) -> ExportFormatError:
    return ExportFormatError(format_message(
        f"DeepHawkes cascade file {source!r} line {line_no}: bad {field}",
        expected=expected, found=repr(value[:80]),
        fix="fix or drop that line; each line is 'id<TAB>root_user<TAB>epoch_s<TAB>size<TAB>u1/u2:delay ...'"),
        path=source, row=line_no, column=field)


def parse_deephawkes(lines: Iterable[str], source: str = "<lines>") -> pd.DataFrame:
    """One row per user joining a cascade: node ``<cascade>:<user>``, its parent node, depth, delay.

    A user listed twice in one cascade keeps the first (earliest) path; the cascade metrics then
    see each user once. ``declared_size`` is the file's size field, for checking against the paths.
    """
    rows: list[tuple[object, ...]] = []
    for line_no, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 5:
            raise _bad(source, line_no, "line", line, "5 tab-separated fields")
        cid, root_user, t_raw, size_raw = (p.strip() for p in parts[:4])
        try:
            t0 = float(t_raw)
        except ValueError as err:
            raise _bad(source, line_no, "publish_time", t_raw, "epoch seconds") from err
        try:
            size = int(size_raw)
        except ValueError as err:
            raise _bad(source, line_no, "size", size_raw, "an integer") from err
        published = pd.Timestamp(t0, unit="s", tz="UTC").tz_convert("Asia/Shanghai")
        seen: set[str] = set()
        for path in " ".join(parts[4:]).split():
            users_raw, sep, delay_raw = path.rpartition(":")
            if not sep or not users_raw:
                raise _bad(source, line_no, "path", path, "'u1/u2/.../uk:delay'")
            try:
                delay = float(delay_raw)
            except ValueError as err:
                raise _bad(source, line_no, "path delay", path, "a number of seconds after ':'") from err
            users = users_raw.split("/")
            if any(not u for u in users):
                raise _bad(source, line_no, "path", path, "non-empty user ids between '/'")
            user = users[-1]
            if user in seen:
                continue
            seen.add(user)
            parent_user = users[-2] if len(users) > 1 else None
            rows.append((cid, f"{cid}:{user}", None if parent_user is None else f"{cid}:{parent_user}",
                         f"{cid}:{root_user}", user,
                         parent_user, len(users) - 1, delay, published + pd.Timedelta(seconds=delay), size))
        if f"{root_user}" not in seen:  # a file without the 'root:0' path: add the root
            rows.append((cid, f"{cid}:{root_user}", None, f"{cid}:{root_user}", root_user, None, 0, 0.0,
                         published, size))
    df = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("cascade_id", "node", "parent", "root", "user_id", "parent_user_id"):
        df[c] = df[c].astype("string")
    return df


def read_deephawkes(path: str | Path) -> pd.DataFrame:
    """Read a DeepHawkes cascade file (UTF-8)."""
    p = Path(path)
    try:
        with p.open(encoding="utf-8") as f:
            return parse_deephawkes(f, str(p))
    except UnicodeDecodeError as err:
        raise ExportFormatError(format_message(f"DeepHawkes cascade file {str(p)!r} is not UTF-8 text",
                                               fix="re-save it as UTF-8"), path=str(p)) from err
