"""数据 Data page: upload or point at exports, ingest with a progress bar, ingestion log, quarantine."""

from __future__ import annotations

from pathlib import Path, PurePath

import pandas as pd
import streamlit as st

from brandlab.app import state as S
from brandlab.app.uploads import UploadError, save_upload
from brandlab.errors import BrandlabError


def _ingest(paths: list[Path]) -> None:
    from brandlab.ingest import ingest_paths

    bar = st.progress(0.0)
    errors: list[str] = []
    done: list[str] = []

    def on_file(report, path, err) -> None:  # type: ignore[no-untyped-def]
        if err is not None:
            errors.append(f"{path.name}: {err}")
        elif report is not None:
            done.append(report.summary())
        bar.progress(min(1.0, (len(done) + len(errors)) / max(1, len(paths))))

    try:
        ingest_paths(S.workspace(), paths, on_file=on_file)
    except BrandlabError as err:
        errors.append(str(err))
    S.bump()
    (st.success if done else st.warning)(S.tr("ingest_done", n=len(done)))
    if errors:
        st.error(S.tr("ingest_failed", n=len(errors)))
    for e in errors:
        st.error(e)


def log_view(log: pd.DataFrame) -> pd.DataFrame:
    """The ingestion log as shown: newest first, ``source_file`` reduced to the file name (no server paths)."""
    if not len(log):
        return log
    out = log.sort_values(["finished_at", "source_file"], ascending=[False, True], kind="stable", na_position="last")
    return out.assign(source_file=file_names(out["source_file"])).reset_index(drop=True)


def file_names(paths: pd.Series) -> pd.Series:
    """The last component of each (POSIX or Windows) path: the app never shows the server's folders."""
    return paths.astype("string").map(lambda p: PurePath(str(p).replace("\\", "/")).name, na_action="ignore")


def render() -> None:
    S.sidebar()
    st.title(S.tr("page_data"))
    S.banner()
    folder = S.upload_folder()
    files = st.file_uploader(S.tr("upload"), accept_multiple_files=True, key="uploads",
                             help=S.tr("upload_limit", mb=S.MAX_UPLOAD_MB))
    st.caption(S.tr("upload_limit", mb=S.MAX_UPLOAD_MB))
    path = st.text_input(S.tr("path_input"), key="ingest_path")
    if st.button(S.tr("ingest"), key="ingest_button"):
        targets: list[Path] = []
        for f in files or []:
            try:
                targets.append(save_upload(folder, f.name, f.getvalue(), S.MAX_UPLOAD_MB))
            except UploadError as err:
                st.error(str(err))
        if path:
            p = Path(path).expanduser()
            if p.exists():
                targets.append(p)
            else:
                st.error(f"{path}: not found")
        if targets:
            _ingest(targets)
        else:  # e.g. pressed while a file is still uploading: say so rather than nothing
            st.warning(S.tr("ingest_nothing"))
    st.subheader(S.tr("ingest_log"))
    log = S.query("ingest_log", use_filters=False)
    if len(log):
        st.dataframe(log_view(log), hide_index=True, width="stretch")
    else:
        st.info(S.tr("no_data"))
    st.subheader(S.tr("quarantine"))
    q = S.query("quarantine", use_filters=False)
    if len(q):
        q = q.assign(source_file=file_names(q["source_file"]))
        st.dataframe(q, hide_index=True, width="stretch")
        S.download(q, "quarantine")
    else:
        st.info(S.tr("no_quarantine"))
