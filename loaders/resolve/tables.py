"""Apply a resolution to the tables of a bulk load, so that the graph is built resolved.

The outcome is the one ``graph`` writes into a loaded graph: Workers merged, records moved with
copies of their identifiers, old ids kept as ``aliases``, links scored, review pairs proposed,
organisation name variants merged. Here it is applied to the node and edge tables before
``GRAPH.BULK`` builds the graph. At 1 M workers, editing the loaded graph took 11 of a full
resolution's 15 minutes (1.6 M Workers' relationships moved type by type in MERGE batches); on
the tables the same changes are column operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.plan import EdgeKey
from loaders.resolve.graph import moved_identifiers
from loaders.resolve.lookup import Lookup, isin, series, strings
from loaders.resolve.orgs import DESIGNATIONS, org_merges
from loaders.resolve.records import TRUST

if TYPE_CHECKING:
    from loaders.resolve import Outcome, ResolveReport

Nodes = dict[str, pd.DataFrame]
Edges = dict[EdgeKey, pd.DataFrame]


def merge_nodes(nodes: Nodes, edges: Edges, label: str, mapping: Lookup) -> None:
    """Merge each node of ``label`` that ``mapping`` knows into the node it names: the survivor
    keeps its own properties and gets the old ids in ``aliases``; edges follow, once."""
    if not len(mapping) or label not in nodes:
        return
    table = nodes[label]
    ids = table["id"].to_numpy(object)
    renamed, moved = mapping.rename(table["id"])
    new = renamed.to_numpy(object)
    aliases: dict[str, list[str]] = {}
    for survivor, old in zip(new[moved].tolist(), ids[moved].tolist(), strict=True):
        aliases.setdefault(survivor, []).append(old)
    own_first = np.argsort(moved, kind="stable")  # a survivor's own row is the one kept
    keep = np.sort(own_first[~pd.Series(new[own_first], dtype=object).duplicated().to_numpy()])
    table = table.take(keep).assign(id=new[keep]).reset_index(drop=True)
    column = table["aliases"].to_numpy(object) if "aliases" in table.columns else np.full(len(table), None, object)
    at = pd.Index(table["id"].to_numpy(object)).get_indexer(list(aliases))
    for position, olds in zip(at, aliases.values(), strict=True):
        earlier = column[position] if isinstance(column[position], list) else []
        column[position] = sorted(set(olds) | set(earlier))
    nodes[label] = table.assign(aliases=column)

    survivors = pc.unique(mapping.values)
    for key, frame in list(edges.items()):
        ends = [end for end, end_label in (("a", key[0]), ("b", key[2])) if end_label == label]
        touched = np.zeros(len(frame), dtype=bool)
        for end in ends:
            renamed, hit = mapping.rename(frame[end])
            if not hit.any():
                continue
            frame = frame.assign(**{end: renamed})
            touched |= pc.is_in(strings(renamed), value_set=survivors).to_numpy(zero_copy_only=False)
        if touched.any():  # only edges of a survivor can now repeat one another
            edges[key] = pd.concat([frame[~touched], frame[touched].drop_duplicates(["a", "b"])], ignore_index=True)


def _add_edges(edges: Edges, key: EdgeKey, frame: pd.DataFrame) -> None:
    """Add edges that are not there yet (few, to a table of millions)."""
    frame = frame[frame["a"].notna() & frame["b"].notna()].drop_duplicates(["a", "b"])
    if not len(frame):
        return
    table = edges.get(key)
    if table is not None:
        near = table[isin(table["a"], frame["a"].unique())]
        there = set(zip(near["a"].to_numpy(object), near["b"].to_numpy(object), strict=True))
        frame = frame[[pair not in there for pair in zip(frame["a"], frame["b"], strict=True)]]
    edges[key] = pd.concat([table, frame], ignore_index=True)


@dataclass
class TablePlan:
    """What the tables need of an outcome, worked out where the outcome was decided (a side process)
    so that only this crosses back: a few columns instead of the features, pairs and model."""

    merges: pd.DataFrame  # old, new: Workers that go whole into another (``Outcome.merges``)
    key_workers: pd.Series  # passport (and complaint NIK) key Worker id -> its person (``Outcome.key_workers``)
    records: pd.DataFrame  # record_id, worker, score, reason: where each record goes, and why
    moved: dict[tuple[str, str, str], pd.DataFrame]  # identifier links that moving records take along
    detached: int  # records that leave a Worker whose other records go elsewhere
    resolved: pd.DataFrame  # per person (``id``): the resolved property values
    proposals: pd.DataFrame  # wa, wb, p, reason: review pairs between people

    @classmethod
    def of(cls, outcome: Outcome) -> TablePlan:
        recs = outcome.recs
        moves = outcome.moves()
        resolved = outcome.worker_rows()
        resolved.index.name = "id"
        return cls(
            merges=pd.DataFrame(outcome.merges(), columns=["old", "new"], dtype=object),
            key_workers=outcome.key_workers(kinds=("passport",)),
            records=pd.DataFrame(
                {
                    "record_id": recs["record_id"].to_numpy(object),
                    "worker": recs["worker"].to_numpy(object),
                    "score": recs["score"].round(4).to_numpy(),
                    "reason": recs["reason"].to_numpy(object),
                }
            ),
            moved=moved_identifiers(moves, recs) if len(moves) else {},
            detached=len(moves),
            resolved=resolved.reset_index(),
            proposals=outcome.proposals(),
        )


def apply(plan: TablePlan, nodes: Nodes, edges: Edges, report: ResolveReport) -> None:
    """Apply a full run's outcome to the tables of a graph being built (records in their loader Workers)."""
    recs = plan.records
    # Every Worker with a record gets exactly its resolved values below, and the others (named only
    # by a complaint) have none: the planned properties need not be carried through the merge.
    workers = nodes.get("Worker", pd.DataFrame({"id": pd.Series(dtype=object)}))[["id"]]
    nodes["Worker"] = workers
    # A record with a NIK sits in the Worker of its NIK key here (``loaders.plan.worker_ids``), so only
    # passport keys, and the NIK keys of complaints whose NIK no record holds, can name a Worker
    # that no record sits in.
    key_workers = plan.key_workers
    bare = key_workers[isin(key_workers.index.to_numpy(object), workers["id"])]
    report.merged_nodes = len(plan.merges) + len(bare)
    old = np.concatenate([plan.merges["old"].to_numpy(object), bare.index.to_numpy(object)])
    new = np.concatenate([plan.merges["new"].to_numpy(object), bare.to_numpy(object)])
    merge_nodes(nodes, edges, "Worker", Lookup(old, new))

    # a record's own edges go with the record (a Worker's records may go to two people)
    worker_of = Lookup(recs["record_id"], recs["worker"].to_numpy(object))
    for key, prefix in ((("Worker", "REPORTED_IN", "SourceRecord"), 0), (("Worker", "HAS_PLACEMENT", "Placement"), 3)):
        if key in edges:  # a placement's id is "PL-" + its record's id
            frame = edges[key]
            record = pc.utf8_slice_codeunits(strings(frame["b"]), prefix)
            own = pc.coalesce(worker_of.get(record), strings(frame["a"]))
            edges[key] = frame.assign(a=series(own, frame.index))
    report.detached_records = plan.detached
    for (rel, to, _), links in plan.moved.items():  # moving records take their identifiers along
        _add_edges(edges, ("Worker", rel, to), links)

    # resolved values: a person's properties are exactly these (as ``SET w += props`` with nulls)
    resolved = plan.resolved
    table = nodes["Worker"]
    others = table[~isin(table["id"], resolved["id"])]
    if "aliases" in table.columns:
        aliased = table[table["aliases"].notna()]
        resolved["aliases"] = (
            Lookup(aliased["id"], pa.array(aliased["aliases"].tolist())).get(resolved["id"]).to_pylist()
        )
    table = pd.concat([resolved, others], ignore_index=True)
    nodes["Worker"] = table.astype({"record_count": "Int64"})  # an integer, as ``SET`` writes it

    key = ("Worker", "REPORTED_IN", "SourceRecord")
    if key in edges:
        frame = edges[key]
        score = Lookup(recs["record_id"], recs["score"].to_numpy()).get(frame["b"])
        reason = Lookup(recs["record_id"], recs["reason"].to_numpy(object)).get(frame["b"])
        edges[key] = frame.assign(score=score.to_numpy(zero_copy_only=False), reason=series(reason, frame.index))
    rev = plan.proposals
    report.review_pairs = len(rev)
    if len(rev):
        edges[("Worker", "POSSIBLY_SAME", "Worker")] = pd.DataFrame(
            {
                "a": rev["wa"].to_numpy(),
                "b": rev["wb"].to_numpy(),
                "score": rev["p"].round(4).to_numpy(),
                "reason": rev["reason"].to_numpy(),
            }
        )
    if "Source" in nodes:
        nodes["Source"] = nodes["Source"].assign(trust=nodes["Source"]["id"].map(TRUST).astype("Int64"))

    merged = 0
    for label in DESIGNATIONS:
        if label not in nodes:
            continue
        columns = ["id", "name_norm", "registered"] + (["country"] if label == "PartnerAgency" else [])
        pairs = org_merges(label, nodes[label].reindex(columns=columns))
        merge_nodes(nodes, edges, label, Lookup(np.array([o for o, _ in pairs], dtype=object), [n for _, n in pairs]))
        merged += len(pairs)
    report.merged_organisations = merged
