"""Cascade metrics per root post, vectorised over parent arrays.

A cascade is a tree of posts (reposts or comments) under one root post. Every metric is
computed for all cascades at once from integer parent arrays with numpy: no Python loop
runs per node. The loops that remain run once per *level* of the deepest tree (subtree
sizes) or ``log2(depth)`` times (depth by pointer jumping).
String ids are encoded once for all three id columns by :func:`brandlab.network.ids.encode_ids`
(Arrow dictionary encoding) and decoded by Arrow ``take`` into pandas ``str`` columns, so no Python
object is made per node; sorts by (cascade, time) and by level use numpy's radix sort on small
integers instead of ``lexsort``.

Metrics (Goel et al. 2016 for structural virality):

- ``size`` nodes including the root; ``depth`` longest root-to-node path in edges;
- ``max_breadth`` most nodes on one level (the root's level counts, so a lone root has 1);
- ``wiener_index`` sum of shortest-path distances over all unordered node pairs, computed in
  linear time as the sum over edges of ``s * (n - s)`` where ``s`` is the size of the subtree
  below the edge (each pair's path crosses exactly those edges that separate it);
- ``structural_virality`` mean distance over pairs ``2 W / (n (n - 1))``, NaN for a lone root;
- ``t50_s``/``t90_s`` seconds from the root until the cascade reached 50 % / 90 % of its final
  size (nodes without a time are left out), ``duration_s`` root to last node.

Input is repaired before measuring, and every repair is reported (``repairs`` column and the
``repairs`` table of :class:`CascadeResult`): duplicate node rows (the earliest is kept), parents
that are not in the data (attached to the declared root, or a virtual root is added when the root
itself is missing), self-parents, cycles (broken by attaching one member of each cycle to its
declared root, or making it a root), and nodes whose parent chain ends in another cascade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from brandlab.network.ids import decode_ids, encode_ids

REPAIR_KINDS = ("duplicate", "missing_parent", "missing_root", "self_parent", "cycle", "root_mismatch",
                "time_before_root")


@dataclass(frozen=True)
class TreeArrays:
    """Per-node results of :func:`tree_arrays` (all arrays of length n)."""

    root: np.ndarray      # index of the node's root
    depth: np.ndarray     # edges from the root
    size: np.ndarray      # nodes in the subtree, itself included
    unresolved: np.ndarray  # bool: the parent chain never reached a root (cycle)
    #: filled by forest_metrics when times are given: elapsed seconds per node and the node order
    #: sorted by (cascade, elapsed), unknown times last -- reused by the growth curve
    elapsed: np.ndarray | None = None
    time_order: np.ndarray | None = None


def _jump(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Depth, root and a 'never ends' mask by pointer jumping (ceil(log2 n) + 1 rounds at most)."""
    n = len(parent)
    idx = np.arange(n, dtype=np.int64)
    has = parent >= 0
    depth = has.astype(np.int64)
    top = np.where(has, parent, idx)
    jump = parent.copy()
    rounds = int(np.ceil(np.log2(max(n, 2)))) + 1
    live = np.flatnonzero(jump >= 0)
    for _ in range(rounds):
        if not len(live):
            break
        j = jump[live]
        depth[live] += depth[j]
        top[live] = top[j]
        jump[live] = jump[j]
        live = live[jump[live] >= 0]
    unresolved = np.zeros(n, dtype=bool)
    unresolved[live] = True
    return depth, top, unresolved


def _stable_argsort(x: np.ndarray) -> np.ndarray:
    """Stable argsort; integers below 2**30 go through numpy's radix sort (one or two 15-bit passes)."""
    if x.dtype.kind not in "iu" or not len(x):
        return np.argsort(x, kind="stable")
    lo, hi = int(x.min()), int(x.max())
    if hi - lo < 2**15:
        return np.argsort((x - lo).astype(np.int16), kind="stable")
    if hi - lo < 2**30:  # LSD radix: low 15 bits, then high 15 bits
        y = x - lo
        first = np.argsort((y & 0x7FFF).astype(np.int16), kind="stable")
        return first[np.argsort((y[first] >> 15).astype(np.int16), kind="stable")]
    return np.argsort(x, kind="stable")


def _group_order(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Indices sorted by (group, value), ties in value broken by index -- as ``np.lexsort((value, group))``.

    Fast path: a stable radix pass by the integer group (none when the groups are already in
    order); if the values then rise within every group, that is the order, since equal values keep
    their index order. Otherwise two stable passes: by value (NaN last), then by group.
    """
    if len(group) > 1 and group.dtype.kind in "iu":
        by_group = None if bool((group[1:] >= group[:-1]).all()) else _stable_argsort(group)
        g = group if by_group is None else group[by_group]
        v = value if by_group is None else value[by_group]
        if bool(((v[1:] >= v[:-1]) | (g[1:] != g[:-1])).all()):
            return np.arange(len(group), dtype=np.int64) if by_group is None else by_group.astype(np.int64)
    by_value = np.argsort(value, kind="stable")
    return np.asarray(by_value[_stable_argsort(group[by_value])], dtype=np.int64)


def subtree_sizes(parent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Subtree sizes, accumulated level by level from the deepest (one numpy call per level)."""
    n = len(parent)
    size = np.ones(n, dtype=np.int64)
    if n == 0:
        return size
    order = _stable_argsort(-depth)
    d_sorted = depth[order]
    # boundaries of each level in the sorted order (deepest first)
    cuts = np.flatnonzero(np.diff(d_sorted)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    for a, b in zip(starts, ends, strict=True):
        if d_sorted[a] == 0:
            break
        nodes = order[a:b]
        np.add.at(size, parent[nodes], size[nodes])
    return size


def tree_arrays(parent: np.ndarray, *,
                jumped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> TreeArrays:
    """Root, depth and subtree size of every node of a forest given as a parent-index array (-1 = root).

    The forest must be acyclic; nodes on or behind a cycle come back with ``unresolved`` set.
    """
    parent = np.asarray(parent, dtype=np.int64)
    depth, root, unresolved = jumped if jumped is not None else _jump(parent)
    if unresolved.any():
        raise ValueError(f"{int(unresolved.sum())} node(s) lie on or behind a cycle; repair first "
                         "(cascade_metrics does this and reports it)")
    return TreeArrays(root, depth, subtree_sizes(parent, depth), unresolved)


def forest_metrics(parent: np.ndarray, t: np.ndarray | None = None, *,
                   jumped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                   ) -> tuple[pd.DataFrame, TreeArrays]:
    """Metrics of every tree of an acyclic forest, one row per root index (``root``).

    ``jumped`` is the result of an earlier ``_jump(parent)`` on the same array, to reuse it.
    """
    arr = tree_arrays(parent, jumped=jumped)
    n = len(parent)
    roots = np.flatnonzero(np.asarray(parent) < 0)
    cid = np.full(n, -1, dtype=np.int64)
    cid[roots] = np.arange(len(roots))
    c = cid[arr.root]  # cascade number of each node
    k = len(roots)
    size = np.bincount(c, minlength=k).astype(np.int64)
    depth = np.zeros(k, dtype=np.int64)
    np.maximum.at(depth, c, arr.depth)
    # breadth: most nodes on one level of a cascade
    levels = int(arr.depth.max(initial=0)) + 1
    key = c * levels + arr.depth
    breadth = np.zeros(k, dtype=np.int64)
    if k * levels <= 8 * max(n, 1):  # dense (cascade, level) counts
        breadth = np.bincount(key, minlength=k * levels).reshape(k, levels).max(axis=1, initial=0)
    else:
        ukey, counts = np.unique(key, return_counts=True)
        np.maximum.at(breadth, ukey // levels, counts)
    nonroot = np.asarray(parent) >= 0
    s = arr.size[nonroot]
    contrib = s * (size[c[nonroot]] - s)
    wiener = np.zeros(k, dtype=np.int64)
    np.add.at(wiener, c[nonroot], contrib)
    with np.errstate(invalid="ignore", divide="ignore"):
        virality = np.where(size > 1, 2.0 * wiener / (size * (size - 1.0)), np.nan)
    out = pd.DataFrame({"root": roots, "size": size, "depth": depth, "max_breadth": breadth,
                        "wiener_index": wiener, "structural_virality": virality})
    if t is not None:
        tm, e, order = _time_metrics(c, k, roots, np.asarray(t, dtype=np.float64))
        out = out.join(tm)
        arr = TreeArrays(arr.root, arr.depth, arr.size, arr.unresolved, e, order)
    return out, arr


def _time_metrics(c: np.ndarray, k: int, roots: np.ndarray, t: np.ndarray
                  ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """t50/t90/duration per cascade from node times in seconds (NaN = unknown)."""
    known = ~np.isnan(t)
    t0 = t[roots].copy()
    if np.isnan(t0).any():  # a root without a time: measure from the cascade's first known time
        first = np.full(k, np.inf)
        np.minimum.at(first, c[known], t[known])
        t0 = np.where(np.isnan(t0), first, t0)
    elapsed = t - t0[c]
    e = np.where(known, np.maximum(elapsed, 0.0), np.nan)
    nk = np.bincount(c[known], minlength=k)
    order = _group_order(c, np.where(known, e, np.inf))
    oc = c[order]
    start = np.searchsorted(oc, np.arange(k))
    res = {}
    for name, q in (("t50_s", 0.5), ("t90_s", 0.9)):
        need = np.ceil(q * nk).astype(np.int64) - 1
        ok = nk > 0
        pos = start + np.maximum(need, 0)
        vals = np.full(k, np.nan)
        vals[ok] = e[order[pos[ok]]]
        res[name] = vals
    dur = np.full(k, np.nan)
    ok = nk > 0
    last = start + nk - 1
    dur[ok] = e[order[last[ok]]]
    res["duration_s"] = dur
    return pd.DataFrame(res), e, order


@dataclass(frozen=True)
class CascadeResult:
    metrics: pd.DataFrame   # one row per cascade
    nodes: pd.DataFrame     # one row per node: node, parent, root, depth, subtree_size, elapsed_s, virtual
    growth: pd.DataFrame    # root, elapsed_s, size (cumulative), at most growth_points rows per cascade
    repairs: pd.DataFrame   # node, root, repair, detail


def _seconds(s: pd.Series) -> np.ndarray:
    """Seconds since the epoch (NaN = unknown) of a datetime column, a column of Timestamp objects
    (as a concat with a plain NaT leaves) or a number-of-seconds column."""
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("datetime", "datetime64", "date"):
        s = pd.to_datetime(s, utc=True)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        ns = s.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
        ns[s.isna().to_numpy()] = np.nan
        return np.asarray(ns, dtype=np.float64)
    return np.asarray(pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64), dtype=np.float64)


def _codes(df: pd.DataFrame, cols: list[str]) -> tuple[list[np.ndarray], pa.Array]:
    """Encode several id columns together: integer codes (-1 = null) and the shared uniques."""
    parts = [df[c] if c in df.columns else pd.Series([None] * len(df), dtype=object) for c in cols]
    return encode_ids(parts)


def cascade_metrics(nodes: pd.DataFrame, *, node: str = "post_id", parent: str = "parent_id",
                    root: str = "root_id", time: str | None = "published_at",
                    growth_points: int = 100) -> CascadeResult:
    """Repair and measure every cascade in ``nodes`` (one row per post of a cascade).

    ``parent`` null marks a root unless ``root`` names another node; ``root`` may be null.
    ``time`` is a datetime or a number of seconds column (or None).
    """
    rep: list[_Notes] = []
    df = nodes
    (nc, pc, rc), uniq = _codes(df, [node, parent, root])
    if (nc < 0).any():
        raise ValueError(f"column {node!r} has {int((nc < 0).sum())} null node id(s); every node needs an id")
    has_t = time is not None and time in df.columns
    ts = _seconds(df[time]) if has_t else np.full(len(df), np.nan)
    # duplicates: keep the earliest (unknown times last), report the rest
    if len(nc) and np.bincount(nc).max() > 1:
        order = np.lexsort((np.where(np.isnan(ts), np.inf, ts), nc))
        first = np.ones(len(order), dtype=bool)
        first[1:] = nc[order][1:] != nc[order][:-1]
        dup_rows = order[~first]
        keep = np.sort(order[first])
        rep.append((nc[dup_rows], rc[dup_rows], "duplicate", None))
        nc, pc, rc, ts = nc[keep], pc[keep], rc[keep], ts[keep]
    n_real = len(nc)
    pos = np.full(len(uniq), -1, dtype=np.int64)  # code -> node index
    pos[nc] = np.arange(n_real)
    # declared roots that are not nodes become virtual roots
    declared = np.zeros(len(uniq), dtype=bool)  # (np.unique without counts is slow on numpy 2.4)
    declared[rc[rc >= 0]] = True
    vr = np.flatnonzero(declared & (pos < 0))
    pos[vr] = n_real + np.arange(len(vr))
    if len(vr):
        rep.append((vr, vr, "missing_root", None))
    code = np.concatenate((nc, vr))  # node index -> code
    n = len(code)
    pidx = np.concatenate((np.where(pc >= 0, pos[np.maximum(pc, 0)], -1), np.full(len(vr), -1)))
    ridx = np.concatenate((np.where(rc >= 0, pos[np.maximum(rc, 0)], -1), n_real + np.arange(len(vr))))
    has_par = np.concatenate((pc >= 0, np.zeros(len(vr), dtype=bool)))
    all_t = np.concatenate((ts, np.full(len(vr), np.nan)))
    self_i = np.arange(n)
    rcode = np.where(ridx >= 0, code[np.maximum(ridx, 0)], -1)

    def note(mask_or_idx: np.ndarray, kind: str, detail: np.ndarray | None = None) -> None:
        i = np.flatnonzero(mask_or_idx) if mask_or_idx.dtype == bool else mask_or_idx
        if len(i):
            rep.append((code[i], rcode[i], kind, detail[i] if detail is not None else None))

    sp = has_par & (pidx == self_i)
    note(sp, "self_parent")
    pidx[sp] = -1
    miss = has_par & (pidx < 0) & ~sp
    note(miss, "missing_parent", np.concatenate((pc, np.full(len(vr), -1))))
    # no parent (null, missing or self): hang on the declared root unless the node is that root
    orphan = (pidx < 0) & (ridx >= 0) & (ridx != self_i)
    pidx[orphan] = ridx[orphan]
    for _ in range(64):  # cycles: break one member per cycle, then look again
        jumped = _jump(pidx)
        bad = jumped[2]
        if not bad.any():
            break
        on_cycle = _cycle_members(pidx, bad)
        pcode = code[pidx]
        note(on_cycle, "cycle", pcode)
        r = ridx[on_cycle]
        ok_root = (r >= 0) & (r != on_cycle) & ~bad[np.maximum(r, 0)]
        pidx[on_cycle] = np.where(ok_root, r, -1)
    metrics, arr = forest_metrics(pidx, all_t, jumped=jumped)
    mm = (ridx >= 0) & (arr.root != ridx)
    note(mm, "root_mismatch", code[arr.root])
    root_t = all_t[arr.root]
    note(~np.isnan(all_t) & ~np.isnan(root_t) & (all_t < root_t), "time_before_root")
    repairs = _notes(uniq, rep)
    # per-cascade repair summary, keyed by the cascade's (repaired) root
    root_code = code[arr.root]
    metric_root = code[metrics.pop("root").to_numpy()]
    metrics.insert(0, "root_id", decode_ids(uniq, metric_root).astype("string"))
    rep_json: dict[int, str] = {}
    n_rep: dict[int, int] = {}
    if rep:
        ncode = np.concatenate([r[0] for r in rep])
        at = pos[np.maximum(ncode, 0)]
        croot = np.where((ncode >= 0) & (at >= 0), root_code[np.maximum(at, 0)],
                         np.concatenate([r[1] for r in rep]))
        kinds = np.concatenate([np.full(len(r[0]), r[2], dtype=object) for r in rep])
        summary = pd.DataFrame({"croot": croot, "repair": kinds}).groupby(["croot", "repair"]).size()
        for r_code, grp in summary.groupby(level=0):
            counts = {k: int(v) for (_, k), v in grp.items()}
            rep_json[int(r_code)] = json.dumps(counts, sort_keys=True)
            n_rep[int(r_code)] = sum(counts.values())
    rid = metric_root.tolist()
    metrics["n_repairs"] = np.array([n_rep.get(r, 0) for r in rid], dtype=np.int64) if n_rep \
        else np.zeros(len(rid), dtype=np.int64)
    metrics["repairs"] = pd.array([rep_json.get(r, "{}") for r in rid] if rep_json else ["{}"] * len(rid),
                                  dtype="string")
    elapsed = arr.elapsed if arr.elapsed is not None else np.full(n, np.nan)
    node_df = pd.DataFrame({
        "node": decode_ids(uniq, code),
        "parent": decode_ids(uniq, np.where(pidx >= 0, code[np.maximum(pidx, 0)], -1)),
        "root": decode_ids(uniq, root_code),
        "depth": arr.depth, "subtree_size": arr.size, "elapsed_s": elapsed,
        "virtual": np.arange(n) >= n_real,
    })
    growth = growth_curve(arr.root, elapsed, growth_points, order=arr.time_order)
    growth.insert(0, "root", decode_ids(uniq, code[growth.pop("root_index").to_numpy()]))
    return CascadeResult(metrics, node_df, growth, repairs)


#: one kind of repair: node codes, their declared root codes, the repair, detail codes (or None)
_Notes = tuple[np.ndarray, np.ndarray, str, "np.ndarray | None"]


def _notes(uniq: pa.Array, rep: list[_Notes]) -> pd.DataFrame:
    """The repairs table (node, root, repair, detail), ids decoded once for all repairs."""
    def ids(parts: list[np.ndarray]) -> pd.Series:
        c = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
        return pd.Series(decode_ids(uniq, c).to_numpy(dtype=object), dtype=object)
    return pd.DataFrame({
        "node": ids([r[0] for r in rep]), "root": ids([r[1] for r in rep]),
        "repair": pd.Series(np.concatenate([np.full(len(r[0]), r[2], dtype=object) for r in rep])
                            if rep else np.zeros(0, dtype=object), dtype=object),
        "detail": ids([r[3] if r[3] is not None else np.full(len(r[0]), -1) for r in rep])})


def _cycle_members(parent: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """One node on each cycle reached from the ``bad`` nodes (Floyd-style, vectorised)."""
    cur = np.flatnonzero(bad)
    steps = int(np.ceil(np.log2(max(len(parent), 2)))) + 1
    jump = parent.copy()
    for _ in range(steps):  # jump 2^steps >= n hops: everyone lands on a cycle
        jump = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
    landed = np.sort(pd.unique(jump[cur]))
    landed = landed[landed >= 0]
    # several landings may share a cycle; breaking all of them is still one repair per landing node,
    # so keep only the smallest index on each cycle: walk each cycle once (cycles are short in practice)
    seen: set[int] = set()
    members: list[int] = []
    for v in landed.tolist():
        if v in seen:
            continue
        cyc = [v]
        u = int(parent[v])
        while u != v and len(cyc) <= len(parent):
            cyc.append(u)
            u = int(parent[u])
        seen.update(cyc)
        members.append(min(cyc))
    return np.asarray(members, dtype=np.int64)


def growth_curve(root: np.ndarray, elapsed: np.ndarray, points: int = 100, *,
                 order: np.ndarray | None = None) -> pd.DataFrame:
    """Cumulative size over elapsed seconds per cascade (``root_index``), at most ``points`` rows each.

    ``order`` may give the nodes already sorted by (cascade, elapsed) with unknown times last.
    """
    if order is None:
        order = _group_order(root, np.where(np.isnan(elapsed), np.inf, elapsed))
    unknown = np.isnan(elapsed)
    if unknown.any():
        order = order[~unknown[order]]
    r, e = root[order], elapsed[order]
    if not len(r):
        return pd.DataFrame({"root_index": np.array([], dtype=np.int64), "elapsed_s": np.array([], dtype=float),
                             "size": np.array([], dtype=np.int64)})
    new = np.ones(len(r), dtype=bool)
    new[1:] = r[1:] != r[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(r)))
    cum = np.arange(1, len(r) + 1) - np.repeat(starts, counts)
    # every step-th node of each cascade and its last one (step computed per cascade, then spread)
    steps = np.maximum(np.ceil(counts / max(points, 1)), 1).astype(np.int64)
    if (steps == 1).all():
        keep = np.ones(len(r), dtype=bool)
    else:
        keep = (cum % np.repeat(steps, counts) == 0) | (cum == np.repeat(counts, counts))
    if keep.all():
        return pd.DataFrame({"root_index": r, "elapsed_s": e, "size": cum.astype(np.int64)})
    return pd.DataFrame({"root_index": r[keep], "elapsed_s": e[keep], "size": cum[keep].astype(np.int64)})
