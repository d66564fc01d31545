"""数据 Data page: upload or point at exports, ingest with a progress bar, ingestion log, quarantine."""

from __future__ import annotations

from pathlib import Path

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
        st.error(str(err))
    S.bump()
    st.success(S.tr("ingest_done", n=len(done)))
    for e in errors:
        st.error(e)


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
    st.subheader(S.tr("ingest_log"))
    log = S.query("ingest_log", use_filters=False)
    if len(log):
        st.dataframe(log, hide_index=True, width="stretch")
    else:
        st.info(S.tr("no_data"))
    st.subheader(S.tr("quarantine"))
    q = S.query("quarantine", use_filters=False)
    if len(q):
        st.dataframe(q, hide_index=True, width="stretch")
        S.download(q, "quarantine")
    else:
        st.info(S.tr("no_quarantine"))
