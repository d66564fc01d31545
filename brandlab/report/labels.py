"""Display text in Chinese (default) and English. The only module holding Chinese UI text.

``t(key, lang)`` returns the label; an unknown key raises KeyError so a typo fails a test
instead of showing a raw key.
"""

from __future__ import annotations

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    # app chrome
    "app_title": ("brandlab 城市品牌传播分析", "brandlab: city brand campaign analysis"),
    "language": ("语言", "Language"),
    "filters": ("筛选", "Filters"),
    "campaign": ("活动话题", "Campaign hashtag"),
    "all": ("全部", "All"),
    "platform": ("平台", "Platform"),
    "period": ("时间范围", "Period"),
    "generation": ("代际", "Generation"),
    "workspace": ("工作区", "Workspace"),
    "synthetic_banner": ("⚠ 演示数据为合成数据（SYNTHETIC），不代表任何真实账号、帖子或受众。",
                         "⚠ SYNTHETIC demo data: no real account, post or audience is shown."),
    "stage_missing": ("该分析阶段尚未运行或尚未安装：{stage}。请先运行 `brandlab analyze`。",
                      "This analysis stage has not run or is not installed yet: {stage}. Run `brandlab analyze` first."),
    "no_data": ("工作区中还没有数据。请在“数据”页导入导出文件，或运行 `brandlab demo`。",
                "The workspace has no data yet. Import exports on the Data page or run `brandlab demo`."),
    "download_csv": ("下载数据 CSV", "Download data (CSV)"),
    # pages
    "page_data": ("数据", "Data"),
    "page_overview": ("总览", "Overview"),
    "page_brand": ("品牌", "Brand"),
    "page_content": ("内容", "Content"),
    "page_channel": ("渠道", "Channel"),
    "page_diffusion": ("传播", "Diffusion"),
    "page_compare": ("对比", "Compare"),
    "page_outcomes": ("成效", "Outcomes"),
    "page_reproduce": ("复现", "Reproduce"),
    "page_report": ("报告", "Report"),
    # data page
    "upload": ("上传导出文件", "Upload export files"),
    "upload_limit": ("单个文件不超过 {mb} MB；文件只保存在工作区文件夹内。",
                     "At most {mb} MB per file; files are kept inside the workspace folder only."),
    "path_input": ("或输入服务器上的导出文件夹路径", "Or a path to an export folder on this machine"),
    "ingest": ("导入", "Ingest"),
    "ingest_done": ("已导入 {n} 个文件。", "Ingested {n} files."),
    "ingest_log": ("导入日志", "Ingestion log"),
    "quarantine": ("隔离行（含原因）", "Quarantined rows (with reasons)"),
    "no_quarantine": ("没有被隔离的行。", "No rows were quarantined."),
    # overview
    "kpi_posts": ("帖子", "Posts"),
    "kpi_comments": ("评论", "Comments"),
    "kpi_reposts": ("转发", "Reposts"),
    "kpi_authors": ("作者", "Authors"),
    "kpi_engagement": ("互动量", "Engagement"),
    "kpi_plays": ("播放量", "Plays"),
    "chart_volume": ("发布量（按周）", "Volume per week"),
    "chart_engagement": ("互动量（按周）", "Engagement per week"),
    "chart_sov": ("话题声量占比", "Share of voice"),
    "chart_sentiment": ("情感占比（按周）", "Sentiment share per week"),
    "chart_platform": ("平台分布", "By platform"),
    "top_posts": ("互动最高的帖子", "Most engaging posts"),
    # triad
    "triad_scores": ("三元得分", "Triad scores"),
    "triad_evidence": ("证据帖子", "Evidence posts"),
    # diffusion
    "network": ("传播网络", "Diffusion network"),
    "cascades": ("级联浏览", "Cascade explorer"),
    "cascade_pick": ("选择级联（根帖）", "Pick a cascade (root post)"),
    # compare / outcomes / reproduce / report
    "compare_verdict": ("A/B 对比结论", "A/B comparison verdict"),
    "outcome_estimates": ("反事实估计", "Counterfactual estimates"),
    "outcome_panel": ("成效面板", "Outcome panel"),
    "naive": ("简单前后对比", "Naive before/after"),
    "reproduce_results": ("复现结果", "Reproduction results"),
    "report_html": ("下载 HTML 报告", "Download the HTML report"),
    "report_csv": ("下载帖子 CSV（已假名化）", "Download posts CSV (pseudonymised)"),
    "report_xlsx": ("下载汇总 XLSX（已假名化）", "Download summary XLSX (pseudonymised)"),
    "report_title": ("城市品牌传播报告", "City brand campaign report"),
    "report_generated": ("生成时间", "Generated"),
    "report_pseudonymised": ("昵称与用户 ID 已假名化。", "Nicknames and user ids are pseudonymised."),
    # columns
    "period_col": ("时间", "Period"),
    "n": ("数量", "Count"),
    "share": ("占比", "Share"),
    "hashtag": ("话题", "Hashtag"),
    "kind": ("类型", "Kind"),
    "post": ("帖子", "post"),
    "comment": ("评论", "comment"),
    "repost": ("转发", "repost"),
    "likes": ("点赞", "likes"),
    "comments": ("评论", "comments"),
    "shares": ("分享/转发", "shares"),
    "label": ("情感", "sentiment"),
    "positive": ("正面", "positive"),
    "neutral": ("中性", "neutral"),
    "negative": ("负面", "negative"),
    # platforms
    "douyin": ("抖音", "Douyin"),
    "xhs": ("小红书", "Xiaohongshu"),
    "weibo": ("微博", "Weibo"),
    "bilibili": ("哔哩哔哩", "Bilibili"),
    "kuaishou": ("快手", "Kuaishou"),
    "wechat": ("微信公众号", "WeChat"),
    "other": ("其他", "Other"),
}


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The label for ``key`` in ``lang`` ('zh' or 'en'), formatted with ``fmt``."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


def label_or_key(key: str, lang: str = "zh") -> str:
    """A label when one exists (platform names, kinds), else the key itself."""
    return t(key, lang) if key in LABELS else key
