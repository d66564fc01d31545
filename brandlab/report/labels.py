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
    # evidence and triad
    "show_evidence": ("查看证据帖子（{n} 条）", "Show evidence posts ({n})"),
    "show_evidence_plain": ("查看证据帖子", "Show evidence posts"),
    "evidence_note": ("文本已转义显示；作者已假名化；按互动量排序，最多 {n} 条。",
                      "Text shown escaped; authors pseudonymised; most engaging first, at most {n}."),
    "triad_campaign": ("活动 / 话题", "Campaign / hashtag"),
    "triad_detail": ("计算细节", "How it was computed"),
    "note_triad_evidence": ("evidence_post_ids 为互动量最高的证据帖子（平台:帖子 ID）；全部证据见 triad_evidence 表。",
                            "evidence_post_ids: the most engaging evidence posts (platform:post_id); all evidence is "
                            "in the triad_evidence table."),
    "trait_shares": ("品牌特质占比（带标签帖子）", "Brand trait shares (tagged posts)"),
    "dimension_shares": ("内容维度占比（带标签帖子）", "Content dimension shares (tagged posts)"),
    "label_pick": ("选择标签查看帖子", "Pick a label to see its posts"),
    "keyword_pick": ("选择关键词查看帖子", "Pick a keyword to see its posts"),
    "keywords_by_generation": ("各代际关键词（TF-IDF）", "Keywords per generation (TF-IDF)"),
    "keywords_top": ("前 10 个关键词", "Top 10 keywords"),
    "note_keywords": ("关键词来自文本阶段（keywords 表）；点击 App 中的关键词可查看包含它的帖子。",
                      "Keywords from the text stage (keywords table); the app lists the posts containing each."),
    "role_mix": ("账号角色构成", "Account roles"),
    "sentiment_pick": ("选择情感查看帖子", "Pick a sentiment to see its posts"),
    # diffusion
    "top_cascades": ("规模最大的传播级联", "Largest cascades"),
    "note_cascades": ("size 为级联帖子数，depth 为最大转发层数，structural_virality 为结构病毒性（平均路径长度）。",
                      "size: posts in the cascade; depth: longest repost chain; structural_virality: mean "
                      "path length between posts."),
    "top_accounts": ("PageRank 最高的账号", "Top accounts by PageRank"),
    "note_accounts": ("账号 ID 与昵称已假名化；role 为网络角色，tier 为影响力层级。",
                      "Account ids and nicknames are pseudonymised; role: network role, tier: influence tier."),
    "cascade_posts": ("级联中的帖子", "Posts of the cascade"),
    # sentiment
    "sentiment_by_generation": ("各代际情感占比（95% 区间）", "Sentiment by generation (95% interval)"),
    "sentiment_by_platform": ("各平台情感占比（95% 区间）", "Sentiment by platform (95% interval)"),
    "note_sentiment_ci": ("区间为按作者重抽样的自助法区间；small_sample 表示样本低于最小组规模。",
                          "Intervals: bootstrap resampling authors; small_sample marks groups below the minimum size."),
    # compare
    "compare_side_a": ("A 方", "Side A"),
    "compare_side_b": ("B 方", "Side B"),
    "compare_kind": ("类型", "Kind"),
    "kind_tag": ("话题", "Hashtag"),
    "kind_kw": ("关键词", "Keyword"),
    "kind_campaign": ("活动标签", "Campaign"),
    "compare_value": ("话题 / 关键词 / 活动（可输入）", "Hashtag / keyword / campaign (type to add)"),
    "compare_filters": ("可选筛选（两方相同）", "Optional filters (same for both sides)"),
    "compare_metric": ("互动指标", "Engagement metric"),
    "compare_run": ("运行对比", "Run the comparison"),
    "compare_stored": ("已保存的对比", "Stored comparisons"),
    "compare_keywords": ("区分性关键词（对数几率）", "Distinctive keywords (log-odds)"),
    "compare_mix": ("平台与代际构成", "Platform and generation mix"),
    "compare_sentiment": ("情感占比", "Sentiment shares"),
    "compare_engagement": ("互动概况", "Engagement summary"),
    "compare_diffusion": ("传播概况", "Diffusion summary"),
    "compare_notes": ("说明", "Notes"),
    "compare_download_csv": ("下载结论 CSV（已假名化）", "Download the verdict CSV (pseudonymised)"),
    "compare_download_xlsx": ("下载全部结果 XLSX（已假名化）", "Download every table as XLSX (pseudonymised)"),
    "compare_same": ("A 与 B 相同，请选择两个不同的对象。", "A and B are the same; pick two different sides."),
    "compare_done": ("对比已完成并保存：{cid}", "Comparison done and stored: {cid}"),
    # outcomes
    "outcome_metric": ("成效指标", "Outcome metric"),
    "counterfactual": ("反事实", "counterfactual"),
    "actual": ("实际值", "actual"),
    "note_naive": ("naive_effect 为简单前后对比（未控制趋势与对照城市），仅供对照，不能作为因果效应。",
                   "naive_effect is the plain before/after difference (no trend, no comparison cities): shown for "
                   "contrast, not a causal effect."),
    "exposure_posts": ("活动帖子数（按月）", "Campaign posts per month"),
    "exposure_vs_outcome": ("传播曝光与成效", "Exposure beside the outcome"),
    "policy_events": ("同期政策事件", "Policy events"),
    "estimate_warnings": ("估计警告", "Estimation warnings"),
    "summit_windows": ("赛会三窗口（事件 / 品牌 / 生态冲击）", "Event windows (event / brand / ecosystem shock)"),
    "summit_event": ("事件", "Event"),
    "red_lines": ("三条红线", "Three red lines"),
    "event_sheet_upload": ("上传赛会事件表（CSV / XLSX / YAML）", "Upload an event sheet (CSV / XLSX / YAML)"),
    "no_event_sheet": ("工作区中没有赛会事件表；上传一份即可检查红线。",
                       "The workspace has no event sheet; upload one to check the red lines."),
    # reproduce
    "survey_verdicts": ("问卷发现复现结论", "Survey findings: verdicts"),
    "social_analogue": ("社交数据对照：各代际帖子的关注维度与形象特质", "Social-data analogue: what each generation posts about"),
    "social_facet": ("对照维度", "Facet"),
    "side_by_side": ("问卷与帖子并列", "Survey and posts side by side"),
    "what_posts_tell": ("帖子能说明人们发帖时“写了什么”（关注维度、形象特质），仅限文本阶段能判断代际的作者；"
                        "帖子不能说明人们“通过什么渠道了解”一座城市（接触不留痕迹），也不能说明人们为何迁入或定居，"
                        "更不能代表不发帖的人。作者是自选择的，代际是根据资料与文本推断的，而非询问得到。"
                        "请把帖子占比当作公共讨论，与问卷并列阅读，而不是替代问卷。",
                        "{what}"),
    # trait and dimension keys (taxonomy v1)
    "vitality": ("活力", "vitality"), "fashion": ("时尚", "fashion"), "prosperity": ("繁华", "prosperity"),
    "civility": ("文明", "civility"), "history": ("历史", "history"), "ecology": ("生态", "ecology"),
    "inclusiveness": ("包容", "inclusiveness"), "leisure": ("安逸", "leisure"), "innovation": ("创新", "innovation"),
    "modernity": ("现代", "modernity"), "culture_stories": ("文化故事", "culture stories"),
    "events": ("项目活动", "events"), "facilities": ("设施资源", "facilities"), "food": ("特色美食", "food"),
    "livelihood_policy": ("民生政策", "livelihood & policy"), "nature_culture": ("自然人文", "nature & culture"),
    # platforms
    "douyin": ("抖音", "Douyin"),
    "xhs": ("小红书", "Xiaohongshu"),
    "weibo": ("微博", "Weibo"),
    "bilibili": ("哔哩哔哩", "Bilibili"),
    "kuaishou": ("快手", "Kuaishou"),
    "wechat": ("微信公众号", "WeChat"),
    "other": ("其他", "Other"),
    # app widgets (e2e fixes)
    "choose_options": ("请选择", "Choose options"),
    "ingest_nothing": ("没有可导入的文件：请选择文件并等待上传完成，或填写路径。",
                       "Nothing to ingest: choose files and wait until they have uploaded, or enter a path."),
    "ingest_failed": ("{n} 个文件导入失败。", "{n} files failed."),
    "exact_value": ("精确值：{v}", "Exact value: {v}"),
}


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The label for ``key`` in ``lang`` ('zh' or 'en'), formatted with ``fmt``."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


def label_or_key(key: str, lang: str = "zh") -> str:
    """A label when one exists (platform names, kinds), else the key itself."""
    return t(key, lang) if key in LABELS else key


#: compact number units, largest first: (threshold, divisor, suffix) per language
_UNITS = {"zh": ((10**8, 10**8, "亿"), (10**5, 10**4, "万")),
          "en": ((10**9, 10**9, "B"), (10**6, 10**6, "M"), (10**5, 10**3, "K"))}


def compact_number(value: float, lang: str = "zh") -> str:
    """A headline number short enough for a narrow KPI card: below 100,000 with thousands separators,
    else three significant digits and a unit (1.63亿, 16.3万 / 163M, 16.3M, 163K)."""
    v = float(value)
    r = float(f"{v:.3g}")  # rounded first, so that 999,999 becomes 1M rather than 1000K
    for threshold, divisor, suffix in _UNITS["en" if lang == "en" else "zh"]:
        if abs(v) >= 10**5 and abs(r) >= threshold:
            return f"{r / divisor:,.4g}{suffix}"
    return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}"
