"""brandlab Streamlit app: `streamlit run app.py` (or `brandlab app`, `brandlab demo`). Pages live in brandlab.app."""

import streamlit as st

from brandlab.app import data, pages

st.set_page_config(page_title="brandlab", layout="wide")
PAGES = [
    st.Page(pages.render_overview, title="总览 Overview", url_path="home", default=True),  # served at /
    st.Page(data.render, title="数据 Data", url_path="data"),
    st.Page(pages.render_brand, title="品牌 Brand", url_path="brand"),
    st.Page(pages.render_content, title="内容 Content", url_path="content"),
    st.Page(pages.render_channel, title="渠道 Channel", url_path="channel"),
    st.Page(pages.render_diffusion, title="传播 Diffusion", url_path="diffusion"),
    st.Page(pages.render_compare, title="对比 Compare", url_path="compare"),
    st.Page(pages.render_outcomes, title="成效 Outcomes", url_path="outcomes"),
    st.Page(pages.render_reproduce, title="复现 Reproduce", url_path="reproduce"),
    st.Page(pages.render_report, title="报告 Report", url_path="report"),
    st.Page(pages.render_overview, title="总览 Overview", url_path="overview", visibility="hidden"),  # /overview
]
# A multiprocessing child (a Dask worker started from the app or from a test that ran it) re-imports
# this entry script as __mp_main__; it must not run the app and open the workspace again.
if __name__ != "__mp_main__":
    st.navigation(PAGES).run()
