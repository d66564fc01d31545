"""Tables of the diffusion network (issue 5), written by :mod:`brandlab.network`: derived edges,
repaired cascade trees and their metrics and growth, per-account influence, communities, role mix
and what-if seeding.
"""

from __future__ import annotations

from brandlab.schema import (
    BOOL,
    FLOAT,
    INT,
    JSON,
    STR,
    TIME,
    AccountRole,
    EdgeKind,
    Platform,
    TableSchema,
    _col,
    register,
)

_TREES = ("repost", "reply", "deephawkes")
_ORIGINS = ("chain", "parent", "ingest", "reply", "mention", "hashtag")

GRAPH_EDGE = TableSchema(
    "graph_edges",
    (
        _col("platform", STR, False, values=Platform),
        _col("src_id", STR, False, doc="author id, or 'name:<nickname>' when unresolved"),
        _col("dst_id", STR, False),
        _col("kind", STR, False, values=EdgeKind),
        _col("origin", STR, False, values=_ORIGINS, doc="how the edge was derived"),
        _col("post_id", STR, False, doc="the post that creates the edge"),
        _col("hop", INT, bounds=(0, None), doc="position in a //@ chain (0 = into the reposter)"),
        _col("created_at", TIME),
        _col("resolved", BOOL, doc="False where an endpoint is a nickname not resolved to an id"),
    ),
    key=("platform", "kind", "origin", "post_id", "hop", "src_id", "dst_id"),
    doc="Derived diffusion edges (src -> dst follows the flow of content).",
)

CASCADE_NODE = TableSchema(
    "cascade_nodes",
    (
        _col("platform", STR, False, values=Platform),
        _col("tree", STR, False, values=_TREES),
        _col("root_id", STR, False),
        _col("post_id", STR, False, doc="post id, or '<root>@<author>' for a hop inferred from a //@ chain"),
        _col("parent_id", STR),
        _col("author_id", STR),
        _col("depth", INT, False, bounds=(0, None)),
        _col("subtree_size", INT, False, bounds=(1, None)),
        _col("elapsed_s", FLOAT, bounds=(0.0, None)),
        _col("inferred", BOOL, doc="node not in the data: a chain hop or a missing root"),
    ),
    key=("platform", "tree", "post_id"),
    doc="Repaired cascade trees, one row per node (for the cascade explorer).",
)

CASCADE_METRICS = TableSchema(
    "cascade_metrics",
    (
        _col("platform", STR, False, values=Platform),
        _col("tree", STR, False, values=_TREES),
        _col("root_id", STR, False),
        _col("root_author_id", STR),
        _col("size", INT, False, bounds=(1, None)),
        _col("depth", INT, False, bounds=(0, None)),
        _col("max_breadth", INT, False, bounds=(1, None)),
        _col("wiener_index", INT, False, bounds=(0, None)),
        _col("structural_virality", FLOAT, bounds=(0.0, None), doc="NaN for a lone root"),
        _col("t50_s", FLOAT, bounds=(0.0, None)),
        _col("t90_s", FLOAT, bounds=(0.0, None)),
        _col("duration_s", FLOAT, bounds=(0.0, None)),
        _col("n_repairs", INT, False, bounds=(0, None)),
        _col("repairs", JSON, doc='{"missing_parent": 2, ...}'),
    ),
    key=("platform", "tree", "root_id"),
    doc="One row per cascade (root post).",
)

CASCADE_GROWTH = TableSchema(
    "cascade_growth",
    (
        _col("platform", STR, False, values=Platform),
        _col("tree", STR, False, values=_TREES),
        _col("root_id", STR, False),
        _col("elapsed_s", FLOAT, False, bounds=(0.0, None)),
        _col("size", INT, False, bounds=(1, None)),
    ),
    doc="Cumulative cascade size over time, at most 100 points per cascade.",
)

NODE_METRICS = TableSchema(
    "node_metrics",
    (
        _col("platform", STR, False, values=Platform),
        _col("node_id", STR, False),
        _col("resolved", BOOL),
        _col("pagerank", FLOAT, bounds=(0.0, 1.0)),
        _col("in_degree", INT, bounds=(0, None)),
        _col("out_degree", INT, bounds=(0, None)),
        _col("in_weight", FLOAT, bounds=(0.0, None)),
        _col("out_weight", FLOAT, bounds=(0.0, None)),
        _col("core", INT, bounds=(0, None)),
        _col("component", INT, bounds=(0, None)),
        _col("betweenness", FLOAT, bounds=(0.0, None)),
        _col("community", INT, bounds=(0, None)),
        _col("participation", FLOAT, bounds=(0.0, 1.0)),
        _col("is_bridge", BOOL),
        _col("trigger_score", INT, bounds=(0, None)),
        _col("role", STR, values=AccountRole),
        _col("tier", STR, values=AccountRole),
    ),
    key=("platform", "node_id"),
    doc="Influence measures per account of the author graph.",
)

COMMUNITY = TableSchema(
    "communities",
    (
        _col("platform", STR, False, values=Platform),
        _col("community", INT, False, bounds=(0, None)),
        _col("n_members", INT, False, bounds=(1, None)),
        _col("internal_weight", FLOAT, bounds=(0.0, None)),
        _col("external_weight", FLOAT, bounds=(0.0, None)),
        _col("n_bridges", INT, bounds=(0, None)),
        _col("top_node_id", STR, doc="member with the highest PageRank"),
    ),
    key=("platform", "community"),
    doc="Louvain communities of the author graph.",
)

ROLE_MIX = TableSchema(
    "role_mix",
    (
        _col("platform", STR, False, values=Platform),
        _col("scope", STR, False, values=("campaign", "cascade")),
        _col("scope_id", STR, False, doc="campaign name, or '<tree>:<root_id>' for a cascade's spreaders"),
        _col("role", STR, False, values=AccountRole),
        _col("n_accounts", INT, False, bounds=(0, None)),
        _col("share", FLOAT, False, bounds=(0.0, 1.0)),
    ),
    key=("platform", "scope", "scope_id", "role"),
    doc="Share of distinct accounts per role in each campaign and among each cascade's spreaders.",
)

SEEDING = TableSchema(
    "seeding",
    (
        _col("platform", STR, False, values=Platform),
        _col("strategy", STR, False, values=("celf", "observed")),
        _col("k", INT, False, bounds=(1, None)),
        _col("node_id", STR, False, doc="the k-th seed"),
        _col("marginal_gain", FLOAT, doc="accounts the k-th seed adds (celf)"),
        _col("expected_reach", FLOAT, False, bounds=(0.0, None), doc="mean accounts reached by the first k seeds"),
        _col("expected_reach_sd", FLOAT, bounds=(0.0, None)),
        _col("n_simulations", INT, False, bounds=(1, None)),
    ),
    key=("platform", "strategy", "k"),
    doc="What-if seeding: CELF seeds vs the accounts that actually started the most cascades.",
)

register(GRAPH_EDGE, CASCADE_NODE, CASCADE_METRICS, CASCADE_GROWTH, NODE_METRICS, COMMUNITY, ROLE_MIX, SEEDING)
