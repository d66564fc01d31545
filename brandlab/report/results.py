"""Aggregates of the analysis stages' tables for the app and the report, computed in DuckDB.

Each function returns a small frame and an empty one (with its columns) when the stage has not
run. Author ids and nicknames are returned raw: callers pseudonymise them before display
(:func:`personal_columns` names them).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from brandlab.report.queries import Filters, has_table, meta
from brandlab.workspace import Workspace

#: columns that hold author ids or nicknames in the frames below (pseudonymise them)
PERSONAL = ("author_id", "author_name", "root_author_id", "node_id", "nickname", "top_node_id")


def personal_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in PERSONAL if c in df.columns]


def top_hashtags(ws: Workspace, n: int = 12) -> list[str]:
    """The declared campaign hashtags first, then the most used ones (suggestions for the Compare page)."""
    from brandlab.report.queries import campaign_hashtags

    out = list(campaign_hashtags(ws))
    if has_table(ws, "posts"):
        df = ws.sql("SELECT tag, count(*) AS n FROM (SELECT unnest(hashtags) AS tag FROM posts) "
                    "WHERE tag <> '' GROUP BY tag ORDER BY n DESC, tag LIMIT ?", [n])
        out += [str(t) for t in df["tag"] if str(t) not in out]
    return out[:n]


def triad_scores(ws: Workspace, campaign: str | None = None) -> pd.DataFrame:
    cols = ["campaign", "part", "component", "score", "value", "n_posts", "detail"]
    if not has_table(ws, "triad_scores"):
        return pd.DataFrame(columns=cols)
    where, params = ("WHERE campaign = ?", [campaign]) if campaign else ("", [])
    return ws.sql(f"SELECT {', '.join(cols)} FROM triad_scores {where} ORDER BY campaign, part, component", params)


def triad_campaigns(ws: Workspace) -> list[str]:
    if not has_table(ws, "triad_scores"):
        return []
    df = ws.sql("SELECT DISTINCT campaign FROM triad_scores ORDER BY campaign <> '(all)', campaign")
    return [str(c) for c in df["campaign"]]


def tag_shares(ws: Workspace, f: Filters, facet: str) -> pd.DataFrame:
    """Per label of ``facet`` (trait / dimension): posts carrying it and their share of the tagged posts
    under the filters (a post can carry several labels, so shares need not sum to one)."""
    cols = ["label", "n_posts", "share"]
    if not has_table(ws, "post_tags") or not has_table(ws, "posts"):
        return pd.DataFrame(columns=cols)
    cond, params = f.where(ws)
    return ws.sql(f"""WITH t AS (SELECT t.label, t.platform, t.post_id FROM post_tags t
                                JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id
                                WHERE t.facet = ? AND {cond})
                      SELECT label, count(DISTINCT platform || ':' || post_id) AS n_posts,
                             count(DISTINCT platform || ':' || post_id)
                                 / (SELECT count(DISTINCT platform || ':' || post_id) FROM t) AS share
                      FROM t GROUP BY label ORDER BY n_posts DESC, label""", [facet, *params])


def sentiment_groups(ws: Workspace, group_kind: str) -> pd.DataFrame:
    """The sentiment stage's bootstrap shares by ``group_kind`` (generation, platform, week, ...)."""
    cols = ["group", "label", "share", "lo", "hi", "n_posts", "n_authors", "small_sample"]
    if not has_table(ws, "sentiment_aggregates"):
        return pd.DataFrame(columns=cols)
    return ws.sql(f"""SELECT {', '.join('"group"' if c == 'group' else c for c in cols)}
                      FROM sentiment_aggregates WHERE group_kind = ? AND label <> 'net'
                      ORDER BY "group", label""", [group_kind])


def keywords_by(ws: Workspace, group_kind: str, method: str | None = None, top: int = 10) -> pd.DataFrame:
    """The text stage's keywords per group (generation, platform, ...): ``top`` per group and method."""
    cols = ["group", "method", "rank", "term", "score", "n_docs"]
    if not has_table(ws, "keywords"):
        return pd.DataFrame(columns=cols)
    cond, params = ("AND method = ?", [method]) if method else ("", [])
    return ws.sql(f"""SELECT "group", method, rank, term, score, n_docs FROM keywords
                      WHERE group_kind = ? AND rank <= ? {cond} ORDER BY "group", method, rank""",
                  [group_kind, top, *params])


def top_cascades(ws: Workspace, n: int = 20) -> pd.DataFrame:
    """The largest cascades with their root post (platform, time, text) and shape."""
    cols = ["platform", "root_id", "root_author_id", "size", "depth", "max_breadth", "structural_virality",
            "t50_s", "published_at", "text"]
    if not has_table(ws, "cascade_metrics"):
        return pd.DataFrame(columns=cols)
    join = "LEFT JOIN posts p ON p.platform = c.platform AND p.post_id = c.root_id" if has_table(ws, "posts") else \
        "LEFT JOIN (SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS post_id, NULL::TIMESTAMPTZ AS published_at, "\
        "NULL::VARCHAR AS title, NULL::VARCHAR AS text) p ON FALSE"
    return ws.sql(f"""SELECT c.platform, c.root_id, c.root_author_id, c.size, c.depth, c.max_breadth,
                             c.structural_virality, c.t50_s, p.published_at,
                             coalesce(p.title || ' ', '') || coalesce(p.text, '') AS text
                      FROM cascade_metrics c {join}
                      ORDER BY c.size DESC, c.structural_virality DESC NULLS LAST, c.root_id LIMIT ?""", [n])


def top_accounts(ws: Workspace, n: int = 20) -> pd.DataFrame:
    """Accounts by PageRank with their network role, tier, degree and community."""
    cols = ["platform", "node_id", "nickname", "pagerank", "role", "tier", "in_degree", "out_degree", "community",
            "is_bridge"]
    if not has_table(ws, "node_metrics"):
        return pd.DataFrame(columns=cols)
    join = "LEFT JOIN authors a ON a.platform = m.platform AND a.author_id = m.node_id" \
        if has_table(ws, "authors") else "LEFT JOIN (SELECT NULL AS platform, NULL AS author_id, " \
        "NULL::VARCHAR AS nickname) a ON FALSE"
    return ws.sql(f"""SELECT m.platform, m.node_id, a.nickname, m.pagerank, m.role, m.tier, m.in_degree,
                             m.out_degree, m.community, m.is_bridge
                      FROM node_metrics m {join}
                      ORDER BY m.pagerank DESC NULLS LAST, m.node_id LIMIT ?""", [n])


def role_counts(ws: Workspace) -> pd.DataFrame:
    if not has_table(ws, "node_metrics"):
        return pd.DataFrame(columns=["platform", "role", "n_accounts"])
    return ws.sql("""SELECT platform, role, count(*) AS n_accounts FROM node_metrics WHERE role IS NOT NULL
                     GROUP BY ALL ORDER BY platform, n_accounts DESC""")


def outcome_estimates(ws: Workspace) -> pd.DataFrame:
    """Estimates beside the naive before/after number, with their warnings joined into one text."""
    cols = ["estimator", "metric", "treated", "treatment_time", "effect", "lo", "hi", "relative_effect", "p_value",
            "naive_effect", "naive_relative", "n_pre", "n_post", "warnings"]
    if not has_table(ws, "outcome_estimates"):
        return pd.DataFrame(columns=cols)
    return ws.sql(f"""SELECT {', '.join(c for c in cols if c != 'warnings')},
                             array_to_string(warnings, ' | ') AS warnings
                      FROM outcome_estimates ORDER BY metric, estimator""")


def outcome_series(ws: Workspace, estimator: str, metric: str) -> pd.DataFrame:
    if not has_table(ws, "outcome_series"):
        return pd.DataFrame(columns=["period", "actual", "counterfactual", "lo", "hi", "effect"])
    return ws.sql("""SELECT period, actual, counterfactual, lo, hi, effect FROM outcome_series
                     WHERE estimator = ? AND metric = ? ORDER BY period""", [estimator, metric])


def outcome_cities(ws: Workspace) -> list[str]:
    if not has_table(ws, "outcome_panel"):
        return []
    return [str(c) for c in ws.sql("SELECT DISTINCT city FROM outcome_panel ORDER BY 1")["city"]]


def treated_city(ws: Workspace) -> str | None:
    """The city the outcome estimates treat, else the workspace's declared city."""
    if has_table(ws, "outcome_estimates"):
        return str(ws.sql("SELECT treated FROM outcome_estimates LIMIT 1")["treated"].iloc[0])
    city = meta(ws).get("city")
    return str(city) if city else None


def outcome_panel(ws: Workspace, city: str | None = None) -> pd.DataFrame:
    cols = ["city", "period", "freq", "metric", "value", "source"]
    if not has_table(ws, "outcome_panel"):
        return pd.DataFrame(columns=cols)
    where, params = ("WHERE city = ?", [city]) if city else ("", [])
    df = ws.sql(f"SELECT {', '.join(cols)} FROM outcome_panel {where} ORDER BY city, metric, period", params)
    return df.assign(period=pd.to_datetime(df["period"]))  # pandas timestamps, as the outcomes API expects


def exposure_monthly(ws: Workspace, f: Filters) -> pd.DataFrame:
    """Campaign exposure per month under the filters: posts, engagement and plays of root posts."""
    cols = ["period", "posts", "engagement", "plays"]
    if not has_table(ws, "posts"):
        return pd.DataFrame(columns=cols)
    cond, params = f.where(ws)
    return ws.sql(f"""SELECT date_trunc('month', published_at)::DATE AS period, count(*) AS posts,
                             sum(coalesce(like_count, 0) + coalesce(comment_count, 0) + coalesce(share_count, 0))
                                 AS engagement, coalesce(sum(play_count), 0) AS plays
                      FROM posts p WHERE {cond} AND kind = 'post' AND published_at IS NOT NULL
                      GROUP BY 1 ORDER BY 1""", params)


def policy_events(ws: Workspace) -> pd.DataFrame:
    if not has_table(ws, "policy_events"):
        return pd.DataFrame(columns=["city", "date", "kind", "description", "source"])
    return ws.sql("SELECT city, date, kind, description, source FROM policy_events ORDER BY date, city")


def event_sheet(ws: Workspace) -> pd.DataFrame:
    """The summit/event sheet stored with the workspace (``brandlab demo`` stores the demo's)."""
    from brandlab.demo.run import SUMMIT_TABLE

    return ws.sql(f"SELECT * FROM {SUMMIT_TABLE}") if has_table(ws, SUMMIT_TABLE) else pd.DataFrame()


def event_dates(ws: Workspace) -> list[tuple[str, str]]:
    """(name, date) of the events declared in the workspace metadata and in its event sheet."""
    out = [(str(e.get("name")), str(e.get("start"))) for e in meta(ws).get("events", []) if e.get("start")]
    sheet = event_sheet(ws)
    if len(sheet) and {"event", "date"} <= set(sheet.columns):
        out += [(str(e), str(pd.Timestamp(d).date())) for e, d in zip(sheet["event"], sheet["date"], strict=True)]
    return sorted(set(out), key=lambda x: x[1])


def comparisons(ws: Workspace) -> pd.DataFrame:
    """The stored comparisons: id, sides and number of tests."""
    if not has_table(ws, "comparison_verdict"):
        return pd.DataFrame(columns=["comparison_id", "side_a", "side_b", "n_tests"])
    return ws.sql("""SELECT comparison_id, any_value(side_a) AS side_a, any_value(side_b) AS side_b,
                            count(*) AS n_tests FROM comparison_verdict GROUP BY comparison_id
                     ORDER BY side_a, side_b, comparison_id""")


def survey_verdicts(ws: Workspace) -> pd.DataFrame:
    if not has_table(ws, "survey_verdicts"):
        return pd.DataFrame()
    return ws.sql("""SELECT survey_id, finding_id, concept, generation, published, observed, n, verdict, reason,
                            top3_overlap, kendall_tau, stability, share, ci_low, ci_high
                     FROM survey_verdicts ORDER BY survey_id, concept, generation""")


def survey_shares(ws: Workspace) -> pd.DataFrame:
    if not has_table(ws, "survey_shares"):
        return pd.DataFrame()
    return ws.sql("SELECT * FROM survey_shares ORDER BY survey_id, concept, generation, rank")


def detail(value: Any) -> dict[str, Any]:
    """A triad score's ``detail`` JSON as a dict ({} when empty or not JSON)."""
    try:
        out = json.loads(str(value)) if value is not None else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}
