"""The network analysis stage: graphs, cascades, influence, roles and what-if seeding.

``run(ws, settings)`` reads posts, authors and ingest edges from the workspace and replaces the
tables graph_edges, cascade_nodes, cascade_metrics, cascade_growth, node_metrics, communities,
role_mix and seeding (schemas in :mod:`brandlab.schema`). An empty workspace gives empty tables
and a log line; nothing here raises for lack of data.

Choices a reader should know about:

- Trigger score (``node_metrics.trigger_score``): for each counted hashtag, the number of accounts
  that first used it within :data:`TRIGGER_WINDOW` after the account first did (see
  :func:`brandlab.network.influence.trigger_scores`), summed over the counted hashtags. Counted are
  each campaign's most adopted hashtag and every other hashtag of the campaign with at least
  :data:`MIN_TRIGGER_ADOPTERS` adopting accounts. It measures being early before a wave, not
  proven influence.
- Hashtag edges link each adopter from the previous adopter (a time-order heuristic, see
  :mod:`brandlab.network.build`); they are stored but left out of the influence graph.
- What-if seeding runs :data:`N_SIMULATIONS` live-edge samples on small graphs and fewer on big
  ones (at most :data:`SIMULATION_BUDGET` node-or-edge x run cells, never below
  :data:`MIN_SIMULATIONS`) over the :data:`SEED_CANDIDATES` accounts with the largest summed
  out-probability; the runs used are stored in ``seeding.n_simulations``.
- Betweenness (``node_metrics.betweenness``) is sampled: ``k`` BFS sources drawn without
  replacement by ``numpy.random.default_rng(settings.seed).choice(n, k)`` over the graph's node
  order, the sum scaled by ``n / k`` (networkx's estimator). ``k`` is :data:`BETWEENNESS_SOURCES`
  (256) on graphs up to ``BETWEENNESS_BUDGET / 256`` edges and shrinks to
  ``BETWEENNESS_BUDGET // edges`` (at least :data:`MIN_BETWEENNESS_SOURCES`) on bigger ones
  (:func:`betweenness_sources`): same seed and graph, same sources and values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from brandlab.config import Settings
from brandlab.network import build, cascades, communities, influence, roles, simulate
from brandlab.network.ids import index_ids, isin_ids
from brandlab.schema import (
    CASCADE_GROWTH,
    CASCADE_METRICS,
    CASCADE_NODE,
    COMMUNITY,
    GRAPH_EDGE,
    NODE_METRICS,
    ROLE_MIX,
    SEEDING,
    EdgeKind,
    PostKind,
    TableSchema,
    concat,
)
from brandlab.workspace import Workspace

log = logging.getLogger(__name__)

#: edge kinds that carry influence in the author graph (hashtag succession is too weak a tie)
INFLUENCE_KINDS = (EdgeKind.REPOST.value, EdgeKind.REPLY.value, EdgeKind.MENTION.value)
TRIGGER_WINDOW = pd.Timedelta(hours=24)
#: besides each campaign's top hashtag, hashtags with this many adopting accounts count for the trigger score
MIN_TRIGGER_ADOPTERS = 20
#: sampled betweenness: at most this many BFS sources, fewer on big graphs so that sources x edges
#: stays within BETWEENNESS_BUDGET (never below MIN_BETWEENNESS_SOURCES); see :func:`betweenness_sources`
BETWEENNESS_SOURCES = 256
BETWEENNESS_BUDGET = 100_000_000
MIN_BETWEENNESS_SOURCES = 32
SEEDS_K = 10
N_SIMULATIONS = 200
#: what-if seeding on big graphs: at most this many (node or edge) x run cells per live-edge sample,
#: so runs drop from N_SIMULATIONS towards MIN_SIMULATIONS as the graph grows (stored in n_simulations)
SIMULATION_BUDGET = 20_000_000
MIN_SIMULATIONS = 20
#: CELF candidates: the accounts with the largest summed out-probability
SEED_CANDIDATES = 100
OUTPUTS = (GRAPH_EDGE, CASCADE_NODE, CASCADE_METRICS, CASCADE_GROWTH, NODE_METRICS, COMMUNITY, ROLE_MIX, SEEDING)


def _read(ws: Workspace, table: str) -> pd.DataFrame:
    """The table sorted by its key: graph measures (Louvain above all) depend on the order nodes are
    met, and DuckDB keeps rows in whatever order parallel inserts left them."""
    from brandlab.schema import TABLES

    if not ws.has_table(table):
        return TABLES[table].empty()
    df = _read_posts(ws) if table == "posts" else ws.read(table)
    key = [c for c in TABLES[table].key if c in df.columns]
    return df.sort_values(key, kind="stable", na_position="first", ignore_index=True) if key and len(df) else df


#: the posts columns the stage uses (``text`` only where it may hold a ``//@`` chain, see _read_posts)
POST_COLUMNS = ("platform", "post_id", "kind", "parent_id", "root_id", "author_id", "author_name", "published_at",
                "hashtags", "mentions", "repost_chain", "campaign")


def _read_posts(ws: Workspace) -> pd.DataFrame:
    """The posts columns the stage needs, in their declared dtypes except that list cells stay arrays.

    Skips what a full ``ws.read`` costs at 1M posts (~20 CPU-s, 15 of them turning each list cell
    into a Python list): unused columns are not read, list cells stay numpy arrays (every reader
    here explodes them), and ``text`` is kept only where :func:`build.chain_sources` would read it
    (no repost chain and an ``@`` in the text), null elsewhere.
    """
    cols = ", ".join(f'"{c}"' for c in POST_COLUMNS)
    return ws.sql(f"SELECT {cols}, CASE WHEN (repost_chain IS NULL OR repost_chain = '') "
                  "AND contains(text, '@') THEN text END AS text FROM posts")


def derive_edges(posts: pd.DataFrame, authors: pd.DataFrame, ingest: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """graph_edges, repost tree, reply tree and hashtag adoptions from the workspace tables."""
    resolver = build.NameResolver(posts, authors)
    rep_edges, rep_tree = build.repost_graph(posts, authors, ingest, resolver)
    reply_edges, reply_tree = build.reply_graph(posts, ingest)
    adoptions = build.hashtag_adoptions(posts)
    frames = [rep_edges, reply_edges, build.mention_edges(posts, resolver), build.hashtag_edges(adoptions)]
    edges = concat([f for f in frames if len(f)], GRAPH_EDGE)
    edges = edges.drop_duplicates(list(GRAPH_EDGE.key)).reset_index(drop=True)
    return edges, rep_tree, reply_tree, adoptions


def measure_cascades(tree: pd.DataFrame, tree_name: str, posts: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """cascade_nodes, cascade_metrics and cascade_growth rows of one kind of tree."""
    nodes, metrics, growth = [], [], []
    for plat, t in tree.groupby("platform", sort=True):
        if not len(t):
            continue
        res = cascades.cascade_metrics(t, time="published_at")
        p = posts[(posts["platform"] == plat).to_numpy()]
        owner = p["author_id"].astype("str").reset_index(drop=True)
        nd = res.nodes
        # author of each node and root (first post row with that id), as the left joins this replaces
        a = _take(owner, index_ids(nd["node"], p["post_id"]))
        # an inferred chain hop '<root>@<account>' belongs to that account
        is_inf = pd.Series(isin_ids(nd["node"], t.loc[t["inferred"].astype(bool).to_numpy(), "post_id"]))
        if is_inf.any():
            hop_acc = pd.Series(pd.NA, index=nd.index, dtype="str")
            hop_acc[is_inf.to_numpy()] = nd["node"][is_inf.to_numpy()].str.partition("@")[2]
            a = a.where(~is_inf, hop_acc)
        nodes.append(pd.DataFrame({
            "platform": plat, "tree": tree_name, "root_id": nd["root"], "post_id": nd["node"],
            "parent_id": nd["parent"], "author_id": a, "depth": nd["depth"], "subtree_size": nd["subtree_size"],
            "elapsed_s": nd["elapsed_s"], "inferred": nd["virtual"].to_numpy() | is_inf.to_numpy()}))
        m = res.metrics.assign(platform=plat, tree=tree_name)
        m["root_author_id"] = _take(owner, index_ids(m["root_id"], p["post_id"])).to_numpy()
        metrics.append(m)
        growth.append(res.growth.rename(columns={"root": "root_id"}).assign(platform=plat, tree=tree_name))
    return concat(nodes, CASCADE_NODE), concat(metrics, CASCADE_METRICS), concat(growth, CASCADE_GROWTH)


def _take(values: pd.Series, pos: np.ndarray) -> pd.Series:
    """``values`` at ``pos`` (missing where pos is -1), index 0..len(pos)-1."""
    out = values.iloc[np.maximum(pos, 0)].reset_index(drop=True) if len(values) else \
        pd.Series(pd.NA, index=range(len(pos)), dtype="str")
    return out.where(pd.Series(pos >= 0), None) if (pos < 0).any() else out


def measure_deephawkes(frame: pd.DataFrame, platform: str = "weibo"
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """cascade_nodes, cascade_metrics, cascade_growth (tree ``deephawkes``) of a parsed DeepHawkes file."""
    tree = pd.DataFrame({"platform": platform, "post_id": frame["node"], "parent_id": frame["parent"],
                         "root_id": frame["root"], "published_at": frame["published_at"], "inferred": False})
    owners = pd.DataFrame({"platform": platform, "post_id": frame["node"], "author_id": frame["user_id"]})
    return measure_cascades(tree, "deephawkes", owners)


def _campaign_hashtags(posts: pd.DataFrame, adoptions: pd.DataFrame) -> pd.DataFrame:
    """Adoptions of the hashtags that count for the trigger score.

    Per campaign (posts without a campaign form one campaign ``all``): its most adopted hashtag,
    and every other hashtag used in the campaign by at least :data:`MIN_TRIGGER_ADOPTERS` accounts.
    """
    if not len(adoptions):
        return adoptions
    camp = posts[["platform", "post_id", "campaign"]].copy()
    camp["campaign"] = camp["campaign"].fillna("all")
    a = adoptions.merge(camp, on=["platform", "post_id"], how="left")
    top = a.groupby(["platform", "campaign", "hashtag"]).size().rename("n").reset_index()
    top = top.sort_values(["platform", "campaign", "n", "hashtag"], ascending=[True, True, False, True])
    first = ~top.duplicated(["platform", "campaign"])
    top = top[first.to_numpy() | (top["n"] >= MIN_TRIGGER_ADOPTERS).to_numpy()]
    return adoptions.merge(top[["platform", "hashtag"]].drop_duplicates(), on=["platform", "hashtag"])


def measure_nodes(edges: pd.DataFrame, authors: pd.DataFrame, adoptions: pd.DataFrame, posts: pd.DataFrame,
                  settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """node_metrics and communities for every platform's author graph."""
    roled = roles.classify_roles(authors) if len(authors) else authors.assign(role=[], tier=[])
    role_of = roled.set_index(["platform", "author_id"])[["role", "tier"]] if len(roled) else None
    triggers = _campaign_hashtags(posts, adoptions)
    node_rows, comm_rows = [], []
    infl = edges[edges["kind"].isin(INFLUENCE_KINDS)]
    for plat, e in infl.groupby("platform", sort=True):
        g = influence.AuthorGraph.from_edges(e["src_id"], e["dst_id"])
        if g.n == 0:
            continue
        pr = influence.pagerank(g)
        deg = influence.degrees(g)
        comm = communities.louvain(g, seed=settings.seed)
        part = communities.participation(g, comm)
        bridge = (part >= 0.5) & (deg["in_degree"].to_numpy() + deg["out_degree"].to_numpy() >= 2)
        ids = pd.Series(g.nodes, dtype=object)
        trig = _trigger(triggers[triggers["platform"] == plat])
        df = pd.DataFrame({
            "platform": plat, "node_id": ids, "resolved": ~ids.str.startswith(build.NAME_PREFIX),
            "pagerank": pr, **{c: deg[c] for c in deg.columns},
            "core": influence.core_numbers(g), "component": influence.components(g),
            "betweenness": influence.betweenness(g, k=betweenness_sources(g), seed=settings.seed),
            "community": comm, "participation": np.clip(part, 0.0, 1.0), "is_bridge": bridge,
            "trigger_score": ids.map(trig).fillna(0).astype(np.int64)})
        if role_of is not None:
            keyed = pd.MultiIndex.from_arrays([[plat] * g.n, ids])
            df["role"] = role_of["role"].reindex(keyed).to_numpy()
            df["tier"] = role_of["tier"].reindex(keyed).to_numpy()
        node_rows.append(df)
        comm_rows.append(communities.community_table(g, comm, bridge, pr).assign(platform=plat))
    return concat(node_rows, NODE_METRICS), concat(comm_rows, COMMUNITY)


def betweenness_sources(g: influence.AuthorGraph) -> int:
    """BFS sources for sampled betweenness: BETWEENNESS_SOURCES unless sources x edges would pass
    BETWEENNESS_BUDGET, then as many as fit (at least MIN_BETWEENNESS_SOURCES).

    Each source costs one breadth-first search over the whole graph (igraph: ~0.1 us per edge on
    this machine), so on a 2.2M-edge author graph (1M posts) 256 sources took ~40 CPU-s; the budget
    keeps that near 10 s. The estimate stays unbiased (scaled by n / k) and seeded; fewer sources
    only widen its spread. Graphs up to 390k edges keep all 256 sources.
    """
    return int(np.clip(BETWEENNESS_BUDGET // max(g.m, 1), MIN_BETWEENNESS_SOURCES, BETWEENNESS_SOURCES))


def _trigger(adoptions: pd.DataFrame) -> pd.Series:
    """Trigger score per account: summed over the counted hashtags (see ``_campaign_hashtags``)."""
    s = influence.trigger_scores(adoptions, window=TRIGGER_WINDOW)
    return s.groupby("author_id")["trigger_score"].sum() if len(s) else pd.Series(dtype=np.int64)


def mix_roles(posts: pd.DataFrame, authors: pd.DataFrame, cascade_nodes: pd.DataFrame) -> pd.DataFrame:
    """Role mix of each campaign's authors and of each cascade's spreaders (non-root nodes)."""
    roled = roles.classify_roles(authors) if len(authors) else pd.DataFrame({"author_id": [], "role": []})
    out = []
    for plat, p in posts.groupby("platform", sort=True):
        r = roled[roled["platform"] == plat] if len(roled) else roled
        acc = p.assign(campaign=p["campaign"].fillna("all"))
        out.append(roles.role_mix(acc, r, scope="campaign", by="campaign").assign(platform=plat))
        cn = cascade_nodes[(cascade_nodes["platform"] == plat) & (cascade_nodes["depth"] > 0)]
        if len(cn):
            cn = cn.assign(cascade=cn["tree"].astype(str) + ":" + cn["root_id"].astype(str))
            out.append(roles.role_mix(cn, r, scope="cascade", by="cascade").assign(platform=plat))
    return concat(out, ROLE_MIX)


def simulations_for(g: influence.AuthorGraph) -> int:
    """Live-edge runs for a graph: N_SIMULATIONS on small graphs, fewer (>= MIN_SIMULATIONS) on big ones."""
    return int(np.clip(SIMULATION_BUDGET // max(g.n, g.m, 1), MIN_SIMULATIONS, N_SIMULATIONS))


def plan_seeds(edges: pd.DataFrame, posts: pd.DataFrame, cascade_metrics: pd.DataFrame,
               settings: Settings) -> pd.DataFrame:
    """CELF seeds and the observed top cascade starters, both scored by the same simulation."""
    out = []
    originals = posts[posts["kind"] == PostKind.POST.value]
    for plat, e in edges[edges["kind"] == EdgeKind.REPOST.value].groupby("platform", sort=True):
        per_acc = originals[originals["platform"] == plat].groupby("author_id").size()
        probs = simulate.edge_probabilities(e, per_acc)
        if not len(probs):
            continue
        # (src, dst) pairs are unique and never self-loops, so the graph's summed edge weight is p itself
        g = influence.AuthorGraph.from_edges(probs["src"], probs["dst"], weight=probs["p"].to_numpy())
        p = g.weight
        k = min(SEEDS_K, g.n)
        n_sim = simulations_for(g)
        cm = cascade_metrics[(cascade_metrics["platform"] == plat) & (cascade_metrics["tree"] == "repost")]
        starters = cm.groupby("root_author_id")["size"].sum().sort_values(ascending=False, kind="stable")
        index = {v: i for i, v in enumerate(g.nodes.tolist())}
        seeds = [index[a] for a in starters.index if a in index][:k]
        # one sample for both strategies: the same draws as simulate.celf's, restricted to what either reaches
        cand = simulate.candidates(g, p, SEED_CANDIDATES)
        live = simulate.sample_live_edges(g, p, n_sim, np.random.default_rng(settings.seed),
                                          sources=np.union1d(cand, np.asarray(seeds, dtype=np.int64)))
        chosen = simulate.celf_on(live, g, cand, k)
        out.append(chosen.assign(platform=plat, strategy="celf", n_simulations=n_sim))
        if seeds:
            curve = simulate.spread_curve(live, np.asarray(seeds))
            rows = [(i + 1, g.nodes[v], None, mean, sd) for i, (v, (mean, sd)) in enumerate(zip(seeds, curve, strict=True))]
            obs = pd.DataFrame(rows, columns=["k", "node_id", "marginal_gain", "expected_reach", "expected_reach_sd"])
            out.append(obs.assign(platform=plat, strategy="observed", n_simulations=n_sim))
    return concat(out, SEEDING)


def run(ws: Workspace, settings: Settings, *, on_progress: Callable[[int, int], None] | None = None
        ) -> dict[str, int]:
    """Compute every network table for the workspace and store them (replacing earlier results)."""
    steps = 6

    def progress(i: int) -> None:
        if on_progress:
            on_progress(i, steps)

    posts, authors, ingest = _read(ws, "posts"), _read(ws, "authors"), _read(ws, "edges")
    progress(0)
    results: dict[TableSchema, pd.DataFrame] = {s: s.empty() for s in OUTPUTS}
    if not len(posts):
        log.warning("network stage: the workspace has no posts; writing empty network tables")
    else:
        edges, rep_tree, reply_tree, adoptions = derive_edges(posts, authors, ingest)
        results[GRAPH_EDGE] = edges
        progress(1)
        parts = [measure_cascades(rep_tree, "repost", posts), measure_cascades(reply_tree, "reply", posts)]
        results[CASCADE_NODE] = concat([p[0] for p in parts], CASCADE_NODE)
        results[CASCADE_METRICS] = concat([p[1] for p in parts], CASCADE_METRICS)
        results[CASCADE_GROWTH] = concat([p[2] for p in parts], CASCADE_GROWTH)
        progress(2)
        results[NODE_METRICS], results[COMMUNITY] = measure_nodes(edges, authors, adoptions, posts, settings)
        progress(3)
        results[ROLE_MIX] = mix_roles(posts, authors, results[CASCADE_NODE])
        progress(4)
        results[SEEDING] = plan_seeds(edges, posts, results[CASCADE_METRICS], settings)
        progress(5)
        log.info("network stage: %d edges, %d cascades, %d accounts", len(edges), len(results[CASCADE_METRICS]),
                 len(results[NODE_METRICS]))
    written: dict[str, int] = {}
    with ws.transaction():
        for schema, df in results.items():
            written[schema.name] = ws.replace(df, schema)
    progress(steps)
    return written
