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

    @classmethod
    def build(
        cls, edges: pd.DataFrame, nodes: pd.DataFrame | None = None, name: str = "", attrs: tuple[str, ...] = ()
    ) -> EdgeList:
        """Canonicalise pairs (a < b), drop self-loops, sum weights of repeated pairs (attributes summed)."""
        e = edges[edges["a"] != edges["b"]].copy()
        if "weight" not in e:
            e["weight"] = 1.0
        # Not ``e.loc[swap, ["a", "b"]] = e.loc[swap, ["b", "a"]].to_numpy()``: on a frame whose two
        # object columns share one block, pandas 3.1 writes ``b`` into both.
        a, b = e["a"].to_numpy(), e["b"].to_numpy()
        swap = a > b
        e["a"] = pd.Series(np.where(swap, b, a), index=e.index, dtype=e["a"].dtype)
        e["b"] = pd.Series(np.where(swap, a, b), index=e.index, dtype=e["b"].dtype)
        cols = ["weight", *[c for c in attrs if c in e]]
        e = (
            e.groupby(["a", "b"], sort=True, as_index=False)[cols].sum()
            if len(e)
            else e.reindex(columns=["a", "b", *cols])
        )
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

    def igraph(self) -> ig.Graph:
        if self._ig is None:
            index = pd.Index(self.nodes.index)
            src = index.get_indexer(self.edges["a"])
            dst = index.get_indexer(self.edges["b"])
            g = ig.Graph(n=len(index), edges=np.column_stack([src, dst]).tolist() if len(src) else [], directed=False)
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
