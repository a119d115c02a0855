"""Apply a resolution to the tables of a bulk load, so that the graph is built resolved.

The outcome is the one ``graph`` writes into a loaded graph: Workers merged, records moved with
copies of their identifiers, old ids kept as ``aliases``, links scored, review pairs proposed,
organisation name variants merged. Here it is applied to the node and edge tables before
``GRAPH.BULK`` builds the graph. At 1 M workers, editing the loaded graph took 11 of a full
resolution's 15 minutes (1.6 M Workers' relationships moved type by type in MERGE batches); on
the tables the same changes are column operations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from loaders.plan import EdgeKey
from loaders.resolve.graph import address_id
from loaders.resolve.orgs import DESIGNATIONS, org_merges
from loaders.resolve.records import TRUST

if TYPE_CHECKING:
    from loaders.resolve import Outcome, ResolveReport

Nodes = dict[str, pd.DataFrame]
Edges = dict[EdgeKey, pd.DataFrame]
IDENTIFIER_EDGES = (  # what a record that leaves its Worker takes along (as ``graph.detach_records``)
    (("Worker", "HAS_PHONE", "Phone"), "phone"),
    (("Worker", "HOLDS_PASSPORT", "Passport"), "passport"),
    (("Worker", "FROM_REGION", "Region"), "regency"),
    (("Worker", "HAS_ADDRESS", "Address"), "address"),
)


def _renamed(ids: pd.Series, mapping: pd.Series) -> pd.Series:
    new = ids.map(mapping)
    return new.where(new.notna(), ids)


def merge_nodes(nodes: Nodes, edges: Edges, label: str, mapping: pd.Series) -> None:
    """Merge each node of ``label`` in ``mapping``'s index into the node its value names: the
    survivor keeps its own properties and gets the old ids in ``aliases``; edges follow, once."""
    if not len(mapping) or label not in nodes:
        return
    table = nodes[label]
    new = table["id"].map(mapping)
    moved = new.notna()
    aliases: dict[str, set[str]] = {}
    for survivor, old in zip(new[moved], table.loc[moved, "id"], strict=True):
        aliases.setdefault(survivor, set()).add(old)
    table = table.assign(id=new.where(moved, table["id"]), _moved=moved)
    # unmoved rows first, so that a survivor's own row is the one kept
    table = table.sort_values("_moved", kind="stable").drop_duplicates("id").drop(columns="_moved")
    before = table["aliases"] if "aliases" in table.columns else pd.Series(None, index=table.index, dtype=object)
    table["aliases"] = [
        sorted(aliases[i] | set(b if isinstance(b, list) else [])) if i in aliases else b
        for i, b in zip(table["id"], before, strict=True)
    ]
    nodes[label] = table.reset_index(drop=True)
    for key, frame in list(edges.items()):
        a_label, _, b_label = key
        if label not in (a_label, b_label):
            continue
        if a_label == label:
            frame = frame.assign(a=_renamed(frame["a"], mapping))
        if b_label == label:
            frame = frame.assign(b=_renamed(frame["b"], mapping))
        edges[key] = frame.drop_duplicates(["a", "b"])


def _add_edges(edges: Edges, key: EdgeKey, frame: pd.DataFrame) -> None:
    frame = frame[frame["a"].notna() & frame["b"].notna()]
    if len(frame):
        edges[key] = pd.concat([edges.get(key), frame], ignore_index=True).drop_duplicates(["a", "b"])


def apply(outcome: Outcome, nodes: Nodes, edges: Edges, report: ResolveReport) -> None:
    """Apply a full run's outcome to the tables of a graph being built (records in their loader Workers)."""
    recs = outcome.recs
    workers = nodes.get("Worker", pd.DataFrame({"id": pd.Series(dtype=object)}))
    key_workers = outcome.key_workers()
    bare = key_workers[key_workers.index.isin(workers["id"])]  # Workers only a complaint names
    merges = outcome.merges()
    report.merged_nodes = len(merges) + len(bare)
    mapping = pd.concat([pd.Series(dict(merges), dtype=object), bare.astype(object)])
    merge_nodes(nodes, edges, "Worker", mapping)

    # a record's own edges go with the record (a Worker's records may go to two people)
    worker_of = pd.Series(recs["worker"].to_numpy(), index=recs["record_id"].to_numpy())
    for key, record in (
        (("Worker", "REPORTED_IN", "SourceRecord"), lambda b: b),
        (("Worker", "HAS_PLACEMENT", "Placement"), lambda b: b.str.removeprefix("PL-")),
    ):
        if key in edges:
            frame = edges[key]
            own = record(frame["b"]).map(worker_of)
            edges[key] = frame.assign(a=own.where(own.notna(), frame["a"])).drop_duplicates(["a", "b"])
    moves = outcome.moves()
    report.detached_records = len(moves)
    if len(moves):
        moved = recs.set_index("record_id").loc[moves["record"]]
        for key, column in IDENTIFIER_EDGES:
            values = moved[column]
            if column == "address":
                values = values.map(address_id)
            _add_edges(edges, key, pd.DataFrame({"a": moves["new"].to_numpy(), "b": values.to_numpy()}))

    # resolved values: a person's properties are exactly these (as ``SET w += props`` with nulls)
    resolved = outcome.worker_rows()
    resolved.index.name = "id"
    resolved = resolved.reset_index()
    table = nodes.get("Worker", workers)
    others = table[~table["id"].isin(resolved["id"])]
    aliases = table.set_index("id")["aliases"] if "aliases" in table.columns else pd.Series(dtype=object)
    resolved["aliases"] = resolved["id"].map(aliases) if len(aliases) else None
    table = pd.concat([resolved, others], ignore_index=True)
    nodes["Worker"] = table.astype({"record_count": "Int64"})  # an integer, as ``SET`` writes it

    key = ("Worker", "REPORTED_IN", "SourceRecord")
    if key in edges:
        links = recs.set_index("record_id")
        frame = edges[key]
        edges[key] = frame.assign(score=frame["b"].map(links["score"]).round(4), reason=frame["b"].map(links["reason"]))
    rev = outcome.proposals()
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
        merge_nodes(nodes, edges, label, pd.Series(dict(pairs), dtype=object))
        merged += len(pairs)
    report.merged_organisations = merged
