"""A weighted, undirected edge list that turns into networkx (the interface) or igraph (the speed).

Projections are built column-wise as edge tables; converting a large networkx graph to igraph costs
seconds, so algorithms take either and build igraph straight from the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd


@dataclass
class EdgeList:
    """Undirected weighted edges between string node ids, with node attributes.

    ``edges``: columns ``a``, ``b``, ``weight`` (+ any attributes); one row per pair, a < b.
    ``nodes``: indexed by id; at least ``kind`` (the label). Isolated nodes are kept.
    """

    edges: pd.DataFrame
    nodes: pd.DataFrame
    name: str = ""
    _ig: ig.Graph | None = field(default=None, repr=False)
    _positions: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, edges: pd.DataFrame, nodes: pd.DataFrame | None = None, name: str = "", attrs: tuple[str, ...] = ()
    ) -> EdgeList:
        """Canonicalise pairs (a < b), drop self-loops, sum weights of repeated pairs (attributes summed)."""
        e = edges if "weight" in edges else edges.assign(weight=1.0)
        cols = ["weight", *[c for c in attrs if c in e]]
        e = _summed_pairs(e, cols)
        ids = pd.Index(pd.unique(np.concatenate([e["a"].to_numpy(), e["b"].to_numpy()])) if len(e) else [])
        if nodes is None:
            nodes = pd.DataFrame(index=ids)
        else:
            nodes = nodes[~nodes.index.duplicated()]
            nodes = nodes.reindex(nodes.index.union(ids))
        if "kind" not in nodes:
            nodes["kind"] = None
        # a fixed node order, whatever order the rows came in: igraph results depend on it
        return cls(e.reset_index(drop=True), nodes.sort_index(), name)

    @property
    def ids(self) -> np.ndarray:
        return self.nodes.index.to_numpy()

    def __len__(self) -> int:
        return len(self.nodes)

    def positions(self) -> np.ndarray:
        """The edges as (a, b) rows of node positions (in ``ids``), worked out once."""
        if self._positions is None:
            index = pd.Index(self.nodes.index)
            src = index.get_indexer(self.edges["a"])
            dst = index.get_indexer(self.edges["b"])
            self._positions = np.column_stack([src, dst]).astype(np.int64)
        return self._positions

    def igraph(self) -> ig.Graph:
        if self._ig is None:
            pairs = self.positions()
            g = ig.Graph(n=len(self.nodes), edges=pairs.tolist() if len(pairs) else [], directed=False)
            g.es["weight"] = self.edges["weight"].astype(float).tolist()
            self._ig = g
        return self._ig

    def to_networkx(self) -> nx.Graph:
        g = nx.Graph(name=self.name)
        g.add_nodes_from(
            (i, {k: v for k, v in row.items() if v is not None and v == v})
            for i, row in self.nodes.to_dict("index").items()
        )
        attrs = [c for c in self.edges.columns if c not in ("a", "b")]
        g.add_edges_from(zip(self.edges["a"], self.edges["b"], self.edges[attrs].to_dict("records"), strict=True))
        return g


def in_id_order(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Re-number factorised codes so that their order is the order of their values (strings: id
    order); -1 (missing) stays -1. Returns (new codes, the values in that order)."""
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    return np.where(codes >= 0, rank[codes], -1), uniques[order]


def _summed_pairs(edges: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """One row per unordered pair (a < b, sorted by a then b), ``cols`` summed; self-loops and
    pairs with a missing end left out.

    Worked out on integer codes in id order: a groupby on the two id columns took seconds at
    national scale. The sums are pandas' (same order of addition, same rounding)."""
    n = len(edges)
    codes, ids = in_id_order(
        *pd.factorize(np.concatenate([edges["a"].to_numpy(dtype=object), edges["b"].to_numpy(dtype=object)]))
    )
    ra, rb = codes[:n], codes[n:]
    keep = (ra >= 0) & (rb >= 0) & (ra != rb)
    width = max(len(ids), 1)
    pair = np.minimum(ra[keep], rb[keep]) * width + np.maximum(ra[keep], rb[keep])
    sums = edges.loc[keep, cols].groupby(pair, sort=True).sum()
    pairs = sums.index.to_numpy()
    out = pd.DataFrame({"a": ids[pairs // width], "b": ids[pairs % width]}, dtype=object)
    for c in cols:
        out[c] = sums[c].to_numpy()
    return out


def as_edgelist(graph: nx.Graph | EdgeList) -> EdgeList:
    """Algorithms accept a networkx graph or an EdgeList; both end up as an EdgeList."""
    if isinstance(graph, EdgeList):
        return graph
    rows = [(a, b, float(d.get("weight", 1.0))) for a, b, d in graph.edges(data=True)]
    edges = pd.DataFrame(rows, columns=["a", "b", "weight"]).astype({"a": object, "b": object})
    nodes = pd.DataFrame.from_dict({n: {"kind": d.get("kind")} for n, d in graph.nodes(data=True)}, orient="index")
    if not len(nodes):
        nodes = pd.DataFrame({"kind": []})
    return EdgeList.build(edges, nodes, graph.graph.get("name", ""))


def within(
    values: pd.Index | pd.Series | np.ndarray | list, universe: pd.Index | pd.Series | np.ndarray | list | set
) -> np.ndarray:
    """Boolean mask: which ``values`` are in ``universe`` (hash look-up; pandas' ``isin`` on Arrow
    strings is ~10x slower)."""
    # an Index is used as it is: its hash table is built once and cached on it (a placements index
    # is used this way many times; a copy would hash millions of strings again each time)
    if isinstance(universe, pd.Index):
        uni = universe
    else:
        uni = pd.Index(list(universe) if isinstance(universe, set) else universe)
    if not uni.is_unique:
        uni = uni.unique()
    vals = values.to_numpy() if isinstance(values, pd.Index | pd.Series) else np.asarray(values, dtype=object)
    return uni.get_indexer(vals) >= 0 if len(uni) else np.zeros(len(vals), dtype=bool)
