"""Send planned graph deltas to the engine: MERGE batches (any engine, any graph) or the bulk path.

Why loading twice, or after a kill, gives the same graph:
- every node and relationship is MERGEd on a deterministic business id;
- a row's ``SourceRecord`` is marked ``complete`` by the last query of its batch, and rows whose
  record is complete are skipped, so a rerun redoes (idempotently) exactly the unfinished rows;
- the bulk path builds the graph under a temporary name and renames it into place at the end.

Resolved property values: a later write overwrites an earlier one for each property it states,
and sources are loaded in increasing order of trust, so the most trusted source stating a value
wins. Every source's own value stays in the raw-row store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from engine.base import Engine, WriteSummary
from engine.cypher import Cypher, cypher
from graph_model import SCHEMA
from loaders.plan import EdgeKey, GraphDelta, NameIndex

BATCH_SIZE = 10_000


# Labels and relationship types come only from the schema; values always travel as $rows.
UPSERT_TEMPLATE = "UNWIND $rows AS r MERGE (n:{label} {{id: r.id}}) SET n += r.props"
EDGE_TEMPLATE = "UNWIND $rows AS r MATCH (a:{a} {{id: r.a}}) MATCH (b:{b} {{id: r.b}}) MERGE (a)-[e:{type}]->(b)"


def _upsert_node(label: str) -> Cypher:
    SCHEMA.node(label)
    return cypher(
        "load.upsert." + label,
        UPSERT_TEMPLATE.format(label=label),
        doc=f"Create or update {label} nodes by id; properties absent from a row are left alone.",
    )


def _merge_edge(key: EdgeKey, with_props: bool) -> Cypher:
    from_label, rel_type, to_label = key
    text = EDGE_TEMPLATE.format(a=from_label, b=to_label, type=rel_type)
    return cypher(
        f"load.edge.{from_label}.{rel_type}.{to_label}{'.props' if with_props else ''}",
        text + (" SET e += r.props" if with_props else ""),
    )


UPSERT = {label: _upsert_node(label) for label in SCHEMA.labels}
MERGE_EDGE = {
    ((f, rel.type, t), with_props): _merge_edge((f, rel.type, t), with_props)
    for rel in SCHEMA.relationships.values()
    for f in rel.from_labels
    for t in rel.to_labels
    for with_props in ((False, True) if rel.properties else (False,))
}

COMPLETE_RECORDS = cypher(
    "load.complete_records",
    "UNWIND $ids AS id MATCH (s:SourceRecord {id: id}) WHERE s.complete = true RETURN s.id AS id",
    doc="Which of these source records were already loaded completely.",
)
MARK_COMPLETE = cypher(
    "load.mark_complete",
    "UNWIND $ids AS id MATCH (s:SourceRecord {id: id}) SET s.complete = true",
)
# One branch per label: a label test inside WHERE makes FalkorDB scan every node of the graph
# (10 M at national scale: 11 s at each incremental load), a label in the pattern reads only its own.
REGISTERED_NAMES = cypher(
    "load.registered_names",
    "\nUNION ALL\n".join(
        f"MATCH (n:{label}) WHERE n.registered = true\n"
        f"RETURN '{label}' AS label, n.name_norm AS name_norm, {country} AS country, n.id AS id"
        for label, country in (
            ("Agency", "null"),
            ("TrainingInstitute", "null"),
            ("PartnerAgency", "n.country"),
        )
    ),
    doc="Registry organisations by normalised name, to link name-only mentions in placement rows.",
)


def name_index_from_graph(engine: Engine) -> NameIndex:
    names = NameIndex()
    by_label: dict[str, list[dict[str, Any]]] = {}
    for row in engine.read(REGISTERED_NAMES, timeout_s=600):
        by_label.setdefault(row["label"], []).append(row)
    for label, rows in by_label.items():
        names.add(label, [r["name_norm"] for r in rows], [r["country"] for r in rows], [r["id"] for r in rows])
    return names


class CypherWriter:
    """MERGE batches: works on every engine and on a graph that already holds data."""

    def __init__(self, engine: Engine, batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.batch_size = batch_size

    def complete(self, record_ids: list[str]) -> set[str]:
        done: set[str] = set()
        for start in range(0, len(record_ids), self.batch_size):
            ids = record_ids[start : start + self.batch_size]
            done.update(r["id"] for r in self.engine.read(COMPLETE_RECORDS, {"ids": ids}))
        return done

    def write(
        self, delta: GraphDelta, on_query: Callable[[Cypher, WriteSummary, float], None] | None = None
    ) -> WriteSummary:
        """Write the delta; ``on_query`` hears each query's rows, summary and wall time (benchmarks)."""
        total = WriteSummary()

        def run(query: Cypher, table: pd.DataFrame, keys: tuple[str, ...], with_props: bool) -> None:
            started = time.monotonic()
            summary = self.engine.write_table(query, table, keys, with_props, self.batch_size)
            if on_query:
                on_query(query, summary, time.monotonic() - started)
            total.add(summary)

        for label in delta.nodes:
            run(UPSERT[label], delta.node_table(label), ("id",), True)
        for key in delta.edges:
            table = delta.edge_table(key)
            with_props = table.shape[1] > 2
            run(MERGE_EDGE[(key, with_props)], table, ("a", "b"), with_props)
        # Last: mark the rows complete, so a rerun after a kill redoes exactly the unfinished ones.
        ids = delta.record_ids()
        for start in range(0, len(ids), self.batch_size):
            self.engine.write(MARK_COMPLETE, {"ids": ids[start : start + self.batch_size]})
        return total


class BulkWriter:
    """Collects every delta of a load into an empty graph, then builds it in one bulk operation."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.delta = GraphDelta()

    def add(self, delta: GraphDelta) -> None:
        self.delta.extend(delta)

    def tables(self) -> tuple[dict[str, pd.DataFrame], dict[EdgeKey, pd.DataFrame]]:
        """One table per label and per edge key. The planned pieces are released as each table is
        built: at 1 M workers they and the tables together held several GB twice."""
        delta, self.delta = self.delta, GraphDelta()
        nodes = {}
        for label in list(delta.nodes):
            nodes[label] = delta.node_table(label)
            del delta.nodes[label]
        if "SourceRecord" in nodes:
            nodes["SourceRecord"] = nodes["SourceRecord"].assign(complete=True)
        edges = {}
        for key in list(delta.edges):
            edges[key] = delta.edge_table(key)
            del delta.edges[key]
        return nodes, edges
