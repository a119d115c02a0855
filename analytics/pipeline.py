"""The whole analysis behind ``jejak report communities``: export, facts, clusters, scores, brokers.

``analyse(engine, seed)`` returns an ``Analysis``; the report (reports/communities.py) renders it and
``write_back`` stores community ids and scores as node properties (see graph_model/schema.yaml).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import communities, export, facts, organisation, projections, scoring
from analytics.graphs import EdgeList, within
from analytics.projections import GraphData
from engine.base import Engine
from engine.cypher import cypher


@dataclass
class Suspicion:
    """The suspicion clusters, known before the organisation network is built."""

    seed: int
    data: GraphData
    facts: pd.DataFrame
    risk: EdgeList  # the suspicion network
    clusters: scoring.Scored  # communities of the suspicion network, ranked
    membership: pd.Series  # entity id -> cluster id (suspicion network)
    entities: pd.DataFrame  # per-entity scores

    def members(self, cluster: int) -> list[str]:
        return self.membership.index[self.membership == cluster].tolist()


@dataclass
class Analysis(Suspicion):
    org: EdgeList  # the organisation network
    org_membership: pd.Series  # organisation id -> community id
    org_communities: scoring.Scored
    brokers: pd.DataFrame  # organisations by pagerank / betweenness
    formal: pd.Series  # agency -> formal cluster (components of shared-identifier links)
    timings: dict[str, float] = field(default_factory=dict)


# Suspicion clusters: modularity measured at the scale of a 100-edge neighbourhood, whatever the
# network's size (communities.leiden). On generated data any scale from 67 to 250 meets the ring
# recovery targets (bench/bench_communities.py); plain modularity returned the connected components.
RING_SCALE = 100.0


def _owned_placements(data: GraphData, org_members: pd.Series) -> pd.Series:
    """Placement id -> the organisation community of its agency (else of its employer), for the
    placements whose owner is in one. On the placements' integer codes: a map over millions of id
    strings cost a second at national scale."""
    pl = data.placements
    group = []
    for col in ("agency", "employer"):
        codes, values = data.codes(col)
        of_value = np.append(org_members.reindex(values).to_numpy(dtype=float), np.nan)
        group.append(of_value[codes])  # code -1 (missing or '') -> the appended NaN
    owned = np.where(pl["agency"].notna().to_numpy(), group[0], group[1])
    keep = ~np.isnan(owned)
    return pd.Series(owned[keep].astype(int), index=pl.index[keep])


def run_flags(engine: Engine) -> pd.DataFrame | None:
    """Red flags computed now by queries/flags.py (when that module is there), as (label, id, rule)."""
    try:
        from queries.flags import run_rules
    except ImportError:
        return None
    rows = [(f.entity_label, f.entity_id, f.rule) for f in run_rules(engine)]
    return pd.DataFrame(rows, columns=["label", "id", "rule"]).drop_duplicates(ignore_index=True)


def analyse(
    engine: Engine,
    seed: int = 1,
    *,
    threads: int = 3,
    betweenness_samples: int = 64,
    data: GraphData | None = None,
    fresh_flags: bool = False,
    after_clusters: Callable[[Suspicion], None] | None = None,
    side: Executor | None = None,
) -> Analysis:
    """Run everything. Red flags: those written back on the nodes (``jejak flags --write-back``);
    with ``fresh_flags``, the rules are run now instead (slower). ``after_clusters`` is called with
    the suspicion clusters as soon as they are known (the report starts drawing them then).
    ``side``: another process, where the organisation network is analysed meanwhile
    (``analytics.organisation``)."""
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    if data is None:
        data = projections.load(engine, threads=threads)
    if fresh_flags:
        flags = run_flags(engine)
        if flags is not None:
            data.flags = flags
    t["export"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    aa = projections.agency_agency(data, projections.IDENTIFIERS)
    # The organisation network is analysed in the side process, when there is one, meanwhile.
    org_inputs = projections.organisation_inputs(data, aa)
    org_job = side.submit(organisation.analyse, org_inputs, seed, betweenness_samples) if side is not None else None
    fact_frame, edges = facts.compute(data, agency_edges=aa)
    risk = facts.risk_network(data, fact_frame, edges)
    membership = communities.leiden(risk, seed=seed, scale=RING_SCALE)
    scored = scoring.score_groups(data, fact_frame, membership)
    ent = scoring.score_entities(data, fact_frame)
    suspicion = Suspicion(seed, data, fact_frame, risk, scored, membership, ent)
    t["facts_and_clusters"] = time.perf_counter() - t1
    if after_clusters is not None:
        after_clusters(suspicion)

    t2 = time.perf_counter()
    found = org_job.result() if org_job is not None else organisation.analyse(org_inputs, seed, betweenness_samples)
    org = found.network(data)
    org_members = found.community
    extra = _owned_placements(data, org_members)
    org_scored = scoring.score_groups(data, fact_frame, org_members, extra_placements=extra)
    brokers = pd.DataFrame({"pagerank": found.pagerank, "betweenness": found.betweenness})
    brokers["kind"] = org.nodes["kind"].reindex(brokers.index)
    brokers["name"] = [data.names.get(i, "") for i in brokers.index]
    brokers["community"] = org_members.reindex(brokers.index)
    brokers = brokers.rename_axis("entity").reset_index().sort_values("betweenness", ascending=False)
    ident = aa.edges[aa.edges[list(projections.IDENTIFIERS)].sum(axis=1) > 0]
    formal = communities.components(EdgeList.build(ident[["a", "b", "weight"]], None, "shared_identifiers"))
    t["organisation_network"] = time.perf_counter() - t2
    return Analysis(
        **vars(suspicion),
        org=org,
        org_membership=org_members,
        org_communities=org_scored,
        brokers=brokers.reset_index(drop=True),
        formal=formal,
        timings=t,
    )


# -- write-back ----------------------------------------------------------------------------------
WRITE_LABELS = ("Agency", "PartnerAgency", "Employer", "Sponsor", "TrainingInstitute", "Placement")
WRITE_BACK = {
    label: cypher(
        f"analytics.write_back.{label}",
        f"UNWIND $rows AS row\nMATCH (n:{label} {{id: row.id}})\n"
        "SET n.community = row.community, n.cluster = row.cluster, n.suspicion_score = row.suspicion_score, "
        "n.pagerank = row.pagerank",
        doc=f"Store analytics results on {label} nodes.",
    )
    for label in WRITE_LABELS
}


def write_back(engine: Engine, analysis: Analysis, batch_size: int = 5000) -> int:
    """Set ``community`` (organisation network), ``cluster`` (suspicion network), ``suspicion_score``
    (the entity's own score, 0-100) and ``pagerank`` on the entities that have any of them."""
    ent = analysis.entities.set_index("entity")["score"]
    pr = analysis.brokers.set_index("entity")["pagerank"]
    ids = pd.Index(analysis.org_membership.index).union(analysis.membership.index).union(ent.index)
    frame = pd.DataFrame(index=ids)
    frame["community"] = analysis.org_membership.reindex(ids)
    frame["cluster"] = analysis.membership.reindex(ids)
    frame["suspicion_score"] = ent.reindex(ids)
    frame["pagerank"] = pr.reindex(ids)
    kinds = analysis.data.entities["kind"].reindex(ids)
    kinds[within(ids, analysis.data.placements.index)] = "Placement"
    total = 0
    for label in WRITE_LABELS:
        part = frame[kinds.to_numpy() == label]
        rows = [
            {
                "id": i,
                **{
                    k: (None if pd.isna(v) else (int(v) if k in ("community", "cluster") else float(v)))
                    for k, v in r.items()
                },
            }
            for i, r in part.to_dict("index").items()
        ]
        if rows:
            total += engine.write_batches(WRITE_BACK[label], rows, batch_size).rows
    return total


__all__ = ["Analysis", "Suspicion", "analyse", "export", "write_back"]
