"""The communities report's pictures, drawn from small plain inputs in another process.

Drawing is pure CPU in matplotlib (seconds for a report) and needs only a little of the analysis:
a cluster's members, the edges between them, their kinds and names. ``Painter`` draws in a separate
process while the analysis goes on (the second core is idle once the graph export is done). The
process is *spawned*, not forked: igraph's OpenMP thread pool does not survive a fork (a forked
child hung in PageRank).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from reports.html import figure_data_uri, pyplot

PICTURE_NODES = 80  # members drawn at most in a cluster's picture
PICTURE_LABELS = 12  # organisations named in it
KIND_LABEL = {
    "Agency": "agency (P3MI)",
    "PartnerAgency": "partner agency",
    "Employer": "employer",
    "Sponsor": "sponsor",
    "TrainingInstitute": "training institute",
    "Placement": "placement",
    "Person": "person",
    "Other": "other",
}
COLOURS = {
    "Agency": "#c0392b",
    "PartnerAgency": "#8e44ad",
    "Employer": "#2471a3",
    "Sponsor": "#d35400",
    "TrainingInstitute": "#17a589",
    "Placement": "#95a5a6",
    "Person": "#7f8c8d",
}


@dataclass(frozen=True)
class ClusterDrawing:
    """What a cluster's picture needs: members, the weighted edges between them, each member's kind
    and name, and (large clusters only) the organisations each member placement names."""

    members: list[str]
    edges: list[tuple[str, str, float]]
    kinds: dict[str, str]
    names: dict[str, str]
    placement_orgs: dict[str, list[str]] = field(default_factory=dict)


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def network_png(d: ClusterDrawing, seed: int) -> str:
    plt = pyplot()
    g = nx.Graph()
    g.add_nodes_from(d.members)
    g.add_weighted_edges_from(d.edges)
    shown = len(g)
    if len(g) > PICTURE_NODES:  # unreadable beyond, and networkx would need scipy to lay it out
        g = _organisations_only(g, d)
    # names of the best-connected organisations only: beyond a dozen they overlap into a smudge
    orgs = sorted((n for n in g if d.kinds.get(n) != "Placement"), key=lambda n: (-g.degree(n, weight="weight"), n))
    pos = nx.spring_layout(g, seed=seed, k=1.2 / max(1, np.sqrt(len(g))), iterations=80)
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#b8c2cc", width=0.8)
    for kind, colour in COLOURS.items():
        nodes = [n for n in g if d.kinds.get(n) == kind]
        if nodes:
            nx.draw_networkx_nodes(
                g,
                pos,
                nodelist=nodes,
                node_color=colour,
                ax=ax,
                node_size=28 if kind == "Placement" else (190 if len(orgs) <= PICTURE_LABELS else 70),
                label=KIND_LABEL[kind],
            )
    labels = {n: _short(d.names.get(n) or n) for n in orgs[:PICTURE_LABELS]}
    nx.draw_networkx_labels(g, pos, labels, font_size=6.5, ax=ax)
    ax.legend(loc="lower left", fontsize=6.5, frameon=False, markerscale=0.6, bbox_to_anchor=(0, -0.12))
    ax.margins(0.18)
    ax.axis("off")
    if len(g) < shown:
        note = "organisations linked through the placements they share"
        ax.set_title(f"{len(g)} of its {shown} members drawn: {note}", fontsize=7)
    return figure_data_uri(fig, dpi=100)


def _organisations_only(g: nx.Graph, d: ClusterDrawing) -> nx.Graph:
    """A large cluster as its best-connected organisations, two of them linked (weight: placements)
    when a member placement names both (its agency, partner, employer, sponsor, institute): the
    placements themselves would fill the picture."""
    orgs = nx.Graph()
    orgs.add_nodes_from(n for n in g if d.kinds.get(n) != "Placement")
    links: list[tuple[str, str, float]] = [(a, b, e.get("weight", 1.0)) for a, b, e in g.edges(data=True)]
    for named in d.placement_orgs.values():
        around = sorted({x for x in named if x in orgs})
        links += [(a, b, 1.0) for i, a in enumerate(around) for b in around[i + 1 :]]
    for a, b, w in links:
        if a in orgs and b in orgs:
            orgs.add_edge(a, b, weight=orgs[a][b]["weight"] + w if orgs.has_edge(a, b) else w)
    best = sorted(orgs, key=lambda n: (-orgs.degree(n, weight="weight"), n))[:PICTURE_NODES]
    return orgs.subgraph(best).copy()


def distribution_png(sizes: np.ndarray, scores: np.ndarray) -> str:
    plt = pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 2.8))
    bins = np.unique(np.logspace(0, np.log10(max(2, sizes.max())) + 0.01, 20).astype(int))
    a1.hist(sizes, bins=bins, color="#2471a3")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("cluster size (entities)")
    a1.set_ylabel("clusters")
    a1.set_title("Cluster sizes", fontsize=10)
    a2.hist(scores, bins=np.arange(0, 105, 5), color="#c0392b")
    a2.set_yscale("log")
    a2.set_xlabel("suspicion score (0-100)")
    a2.set_title("Cluster scores", fontsize=10)
    for a in (a1, a2):
        a.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return figure_data_uri(fig)


def flows_png(m: pd.DataFrame) -> str:
    """A heat map of workers by origin province (rows) and destination country (columns)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.2))
    im = ax.imshow(m.to_numpy(), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(m.columns)), m.columns, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(m.index)), m.index, fontsize=8)
    top = m.to_numpy().max() if m.size else 0
    for (i, j), v in np.ndenumerate(m.to_numpy()):
        if v:
            ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=6.5, color="white" if v > top / 2 else "#1d2733")
    ax.set_title("Workers by origin province (rows) and destination country (columns), largest flows", fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.8, label="workers")
    fig.tight_layout()
    return figure_data_uri(fig)


class Painter:
    """Draws pictures in a spawned process. Use as a context manager."""

    def __init__(self) -> None:
        # the process starts with its first task (the organisation network, after the export):
        # started earlier, its imports slowed the export
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def draw(self, fn: Callable[..., str], *args: Any) -> Future[str]:
        return self._pool.submit(fn, *args)

    @property
    def process(self) -> Executor:
        """The side process itself, for the report's other work on plain data (after the pictures
        asked for so far)."""
        return self._pool

    def __enter__(self) -> Painter:
        return self

    def __exit__(self, *exc: object) -> None:
        # its pictures are in (or not wanted); waiting for the process to exit would cost half a second
        self._pool.shutdown(wait=False, cancel_futures=True)
