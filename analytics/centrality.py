"""Centrality over a projection, to find brokers: PageRank and (sampled) betweenness.

Betweenness is exact up to ``exact_below`` nodes; above, it is estimated from ``samples`` source
nodes drawn with ``seed`` (networkx's ``k`` sampling, Brandes-Pich), scaled to the exact range.
"""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from analytics.graphs import EdgeList, as_edgelist


def pagerank(graph: nx.Graph | EdgeList, damping: float = 0.85) -> pd.Series:
    el = as_edgelist(graph)
    if not len(el):
        return pd.Series(dtype=float)
    g = el.igraph()
    scores = g.pagerank(damping=damping, weights="weight" if g.ecount() else None)
    # PRPACK's last digits vary from run to run (~1e-14): round, so that reports are reproducible
    return pd.Series(np.round(scores, 10), index=pd.Index(el.ids, name="id"), name="pagerank")


def betweenness(graph: nx.Graph | EdgeList, samples: int = 500, seed: int = 1, exact_below: int = 5000) -> pd.Series:
    """Normalised betweenness (0-1); unweighted paths (a hop is a hop, whatever its weight)."""
    el = as_edgelist(graph)
    scores = _betweenness(el.igraph(), samples, seed, exact_below) if len(el) >= 3 else np.zeros(len(el))
    return pd.Series(scores, index=pd.Index(el.ids, name="id"), name="betweenness")


def _betweenness(g: ig.Graph, samples: int, seed: int, exact_below: int) -> np.ndarray:
    n = g.vcount()
    scale = 2.0 / ((n - 1) * (n - 2))
    if n <= exact_below:
        raw = np.asarray(g.betweenness(directed=False))
    else:
        rng = np.random.default_rng(seed)
        sources = rng.choice(n, size=min(samples, n), replace=False)
        # igraph sums shortest-path dependencies over the given sources (subset betweenness)
        raw = np.asarray(g.betweenness(directed=False, sources=sources.tolist()), dtype=float) * (n / len(sources))
    return np.round(raw * scale, 10)
