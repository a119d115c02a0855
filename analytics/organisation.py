"""The organisation network's communities and brokers, worked out from plain arrays.

``analyse(inputs, seed)`` builds the network (``projections.OrganisationInputs``) and runs Leiden,
PageRank and sampled betweenness on it. Its input and its result are arrays and small frames, so
the report runs it in its side process while the main process works out the suspicion clusters: at
national scale (270k organisations, 2.2 M edges) that is ~12 s of work off the report's path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import centrality, communities, projections
from analytics.graphs import EdgeList
from analytics.projections import GraphData, OrganisationInputs

# Two Leiden iterations (igraph's default), not "until stable": on the 1 M-worker organisation
# network that is 1.2 s instead of 12 s for 0.8 % less modularity. The suspicion clusters run
# until stable: they are small and their ranking is the finding.
LEIDEN_ITERATIONS = 2


@dataclass
class Organisations:
    """The organisation network (as arrays) and what was found on it, per node id."""

    ids: pd.Index  # node ids, in node order
    positions: np.ndarray  # edges as (a, b) rows of node positions
    weights: np.ndarray
    community: pd.Series
    pagerank: pd.Series
    betweenness: pd.Series

    def network(self, data: GraphData) -> EdgeList:
        """The network as ``projections.organisation_network`` gives it (with kinds and names)."""
        ids = self.ids.to_numpy()
        edges = pd.DataFrame({"a": ids[self.positions[:, 0]], "b": ids[self.positions[:, 1]]}, dtype=object)
        edges["weight"] = self.weights
        bare = EdgeList(edges, pd.DataFrame(index=self.ids), "organisation_network", _positions=self.positions)
        return projections.with_kinds(bare, data)


def analyse(inputs: OrganisationInputs, seed: int = 1, betweenness_samples: int = 64) -> Organisations:
    network = inputs.edges()
    positions = network.positions()
    return Organisations(
        ids=network.nodes.index,
        positions=positions,
        weights=network.edges["weight"].to_numpy(),
        community=communities.leiden(network, seed=seed, iterations=LEIDEN_ITERATIONS),
        pagerank=centrality.pagerank(network),
        betweenness=centrality.betweenness(network, samples=betweenness_samples, seed=seed),
    )
