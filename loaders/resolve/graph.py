"""Apply a clustering to the graph: one Worker per person, merged without APOC.

Merging moves each relationship type incident to Worker (from ``graph_model.SCHEMA``) explicitly,
in UNWIND batches over (old, new) pairs, then deletes the old node; the old id goes to the
survivor's ``aliases`` list, so it stays reachable (``queries.reconcile.resolve_alias``). A record
that must leave its Worker (a human rejected a match the exact keys made, or one passport shared
by two people) moves alone: its REPORTED_IN and Placement edges move, its phone, passport, address
and region edges are copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from engine.base import Engine, WriteSummary, batched
from engine.cypher import Cypher, cypher
from graph_model import SCHEMA
from loaders.plan import digest

BATCH = 5000
SELF_TYPES = {"POSSIBLY_SAME"}  # Worker->Worker: rebuilt after every run, never moved


def _move_queries(label: str) -> list[Cypher]:
    out = []
    for rel in SCHEMA.relationships.values():
        if rel.type in SELF_TYPES:
            continue
        props = " SET e += properties(r)" if rel.properties else ""
        if label in rel.from_labels:
            out.append(
                cypher(
                    f"resolve.move.{label}.out.{rel.type}",
                    f"UNWIND $pairs AS p MATCH (old:{label} {{id: p.a}})-[r:{rel.type}]->(x) "
                    f"MATCH (new:{label} {{id: p.b}}) MERGE (new)-[e:{rel.type}]->(x){props} DELETE r",
                    doc=f"Move {rel.type} relationships of merged {label} nodes to the survivor.",
                )
            )
        if label in rel.to_labels:
            out.append(
                cypher(
                    f"resolve.move.{label}.in.{rel.type}",
                    f"UNWIND $pairs AS p MATCH (x)-[r:{rel.type}]->(old:{label} {{id: p.a}}) "
                    f"MATCH (new:{label} {{id: p.b}}) MERGE (x)-[e:{rel.type}]->(new){props} DELETE r",
                    doc=f"Move incoming {rel.type} relationships of merged {label} nodes to the survivor.",
                )
            )
    return out


MERGEABLE = ("Worker", "Agency", "TrainingInstitute", "PartnerAgency", "Employer")
MOVE = {label: _move_queries(label) for label in MERGEABLE}
DELETE_NODES = {
    label: cypher(
        f"resolve.delete.{label}",
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n",
        doc=f"Delete {label} nodes merged into a survivor (their edges were moved).",
    )
    for label in MERGEABLE
}
NODE_ALIASES = {
    label: cypher(
        f"resolve.aliases.{label}",
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id, n.aliases AS aliases",
    )
    for label in MERGEABLE
}
SET_ALIASES = {
    label: cypher(
        f"resolve.set_aliases.{label}", f"UNWIND $rows AS r MATCH (n:{label} {{id: r.id}}) SET n.aliases = r.aliases"
    )
    for label in MERGEABLE
}

RECORD_WORKERS = cypher(
    "resolve.record_workers",
    "UNWIND $ids AS id MATCH (w:Worker)-[:REPORTED_IN]->(s:SourceRecord {id: id}) "
    "RETURN s.id AS record, w.id AS worker",
    doc="The Worker each source record currently describes.",
)
ALL_RECORD_WORKERS = cypher(
    "resolve.all_record_workers",
    "MATCH (w:Worker)-[:REPORTED_IN]->(s:SourceRecord) WHERE s.source IN $sources "
    "RETURN s.id AS record, w.id AS worker",
)
BARE_WORKERS = cypher(
    "resolve.bare_workers",
    "UNWIND $ids AS id MATCH (w:Worker {id: id}) WHERE NOT (w)-[:REPORTED_IN]->() RETURN w.id AS id",
    doc="Workers known only from a complaint (no source record of their own), among these ids.",
)
DETACH_RECORD = cypher(
    "resolve.detach_record",
    """
    UNWIND $rows AS r
    MATCH (old:Worker {id: r.a})-[e:REPORTED_IN]->(s:SourceRecord {id: r.id})
    MERGE (new:Worker {id: r.b})
    MERGE (new)-[:REPORTED_IN]->(s)
    DELETE e
    WITH r, old, new
    OPTIONAL MATCH (old)-[h:HAS_PLACEMENT]->(p:Placement {id: 'PL-' + r.id})
    FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (new)-[:HAS_PLACEMENT]->(p) DELETE h)
    """,
    doc="Move one source record (and its placement) from one Worker to another.",
)
# What a record that leaves its Worker takes along: relationship, target label, feature column.
RECORD_IDENTIFIERS = (
    ("HAS_PHONE", "Phone", "phone"),
    ("HOLDS_PASSPORT", "Passport", "passport"),
    ("FROM_REGION", "Region", "regency"),
    ("HAS_ADDRESS", "Address", "address"),
)
COPY_IDENTIFIERS = {
    rel: cypher(
        f"resolve.copy.{rel}",
        f"UNWIND $rows AS r MATCH (w:Worker {{id: r.a}}) MATCH (x:{to} {{id: r.b}}) MERGE (w)-[:{rel}]->(x)",
    )
    for rel, to, _ in RECORD_IDENTIFIERS
}
SET_WORKER = cypher(
    "resolve.set_worker",
    "UNWIND $rows AS r MATCH (w:Worker {id: r.id}) SET w += r.props",
    doc="Resolved property values of a person.",
)
SET_LINK = cypher(
    "resolve.set_link",
    "UNWIND $rows AS r MATCH (w:Worker {id: r.a})-[e:REPORTED_IN]->(s:SourceRecord {id: r.b}) "
    "SET e.score = r.score, e.reason = r.reason",
    doc="How strongly each source record was linked to its person, and on which fields.",
)
CLEAR_PROPOSALS = cypher(
    "resolve.clear_proposals",
    "UNWIND $ids AS id MATCH (w:Worker {id: id})-[e:POSSIBLY_SAME]-() DELETE e",
)
CLEAR_ALL_PROPOSALS = cypher("resolve.clear_all_proposals", "MATCH (:Worker)-[e:POSSIBLY_SAME]->(:Worker) DELETE e")
COUNT_PROPOSALS = cypher(
    "resolve.count_proposals",
    "MATCH (:Worker)-[e:POSSIBLY_SAME]->(:Worker) RETURN count(e) AS n",
    doc="Matches awaiting review in the whole graph.",
)
PROPOSE = cypher(
    "resolve.propose",
    "UNWIND $rows AS r MATCH (a:Worker {id: r.a}) MATCH (b:Worker {id: r.b}) "
    "MERGE (a)-[e:POSSIBLY_SAME]->(b) SET e.score = r.score, e.reason = r.reason",
)
SOURCE_TRUST = cypher("resolve.source_trust", "UNWIND $rows AS r MATCH (s:Source {id: r.id}) SET s.trust = r.trust")


def _write(
    engine: Engine, query: Cypher, key: str, rows: list[Any], total: WriteSummary, extra: dict[str, Any] | None = None
) -> None:
    for chunk in batched(rows, BATCH):
        _, summary = engine.write(query, {**(extra or {}), key: chunk})
        total.add(summary)


def record_workers(engine: Engine, record_ids: list[str] | None, sources: Iterable[str]) -> dict[str, str]:
    """record id -> current Worker id, for these records (None: every record of ``sources``)."""
    if record_ids is None:
        rows = engine.read(ALL_RECORD_WORKERS, {"sources": list(sources)}, timeout_s=3600)
        return {r["record"]: r["worker"] for r in rows}
    out: dict[str, str] = {}
    for chunk in batched(record_ids, 20_000):
        out.update((r["record"], r["worker"]) for r in engine.read(RECORD_WORKERS, {"ids": chunk}, timeout_s=600))
    return out


def bare_workers(engine: Engine, ids: list[str]) -> set[str]:
    out: set[str] = set()
    for chunk in batched(ids, 20_000):
        out.update(r["id"] for r in engine.read(BARE_WORKERS, {"ids": chunk}, timeout_s=600))
    return out


def merge_nodes(engine: Engine, label: str, pairs: list[tuple[str, str]], total: WriteSummary) -> None:
    """Merge each ``old`` node into ``new`` (both existing): move every relationship, keep the old
    id (and its own aliases) in the survivor's ``aliases``, delete the old node."""
    if not pairs:
        return
    ids = sorted({x for p in pairs for x in p})
    known: dict[str, list[str]] = {}
    for chunk in batched(ids, 20_000):
        for row in engine.read(NODE_ALIASES[label], {"ids": chunk}, timeout_s=600):
            known[row["id"]] = list(row["aliases"] or [])
    aliases: dict[str, set[str]] = {}
    for old, new in pairs:
        aliases.setdefault(new, set(known.get(new, []))).update([old, *known.get(old, [])])
    rows = [{"a": o, "b": n} for o, n in pairs]
    for query in MOVE[label]:
        _write(engine, query, "pairs", rows, total)
    _write(engine, DELETE_NODES[label], "ids", [o for o, _ in pairs], total)
    _write(
        engine, SET_ALIASES[label], "rows", [{"id": n, "aliases": sorted(a - {n})} for n, a in aliases.items()], total
    )


def address_id(text: str | None) -> str | None:
    """The loader's Address id for a raw address (``loaders.plan``: digest of the upper-cased text)."""
    if not isinstance(text, str) or not text.strip():
        return None
    return "AD-" + digest(" ".join(text.upper().split()))


def detach_records(engine: Engine, moves: pd.DataFrame, records: pd.DataFrame, total: WriteSummary) -> None:
    """Move single records (``record``, ``old``, ``new``) to another (possibly new) Worker."""
    if not len(moves):
        return
    rows = [{"id": r, "a": o, "b": n} for r, o, n in moves[["record", "old", "new"]].itertuples(index=False)]
    _write(engine, DETACH_RECORD, "rows", rows, total)
    for (rel, _, _), links in moved_identifiers(moves, records).items():
        _write(engine, COPY_IDENTIFIERS[rel], "rows", links.to_dict("records"), total)


def moved_identifiers(moves: pd.DataFrame, records: pd.DataFrame) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Per ``RECORD_IDENTIFIERS`` entry: the links (``a`` new Worker, ``b`` identifier id) that the
    moving records (``record``, ``new``) take to their new Worker."""
    feats = records.set_index("record_id").loc[moves["record"]]
    out = {}
    for entry in RECORD_IDENTIFIERS:
        values = feats[entry[2]].to_numpy(object)
        if entry[2] == "address":
            values = np.array([address_id(v) for v in values], dtype=object)
        links = pd.DataFrame({"a": moves["new"].to_numpy(object), "b": values}, dtype=object)
        out[entry] = links[[isinstance(x, str) for x in values]]
    return out
