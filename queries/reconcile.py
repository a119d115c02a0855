"""Reconciliation queries: aliases of merged workers, field conflicts, register overlap, review queue.

Entity resolution (``loaders.resolve``, ``jejak resolve``) merges Worker nodes; a merged node's id
stays in the survivor's ``aliases`` list. ``resolve_alias`` turns any id ever given out into the
current one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from engine.base import Engine
from engine.cypher import cypher

WORKER_SOURCES = ("bp2mi", "kemnaker", "kemlu")

WORKER_EXISTS = cypher("reconcile.worker_exists", "MATCH (w:Worker {id: $id}) RETURN w.id AS id")
WORKER_BY_ALIAS = cypher(
    "reconcile.worker_by_alias",
    "MATCH (w:Worker) WHERE $id IN w.aliases RETURN w.id AS id ORDER BY id LIMIT 1",
    doc="The Worker a merged id now lives in.",
)
NODE_BY_ALIAS = cypher(
    "reconcile.node_by_alias",
    "MATCH (n) WHERE (n:Worker OR n:Agency OR n:TrainingInstitute OR n:PartnerAgency OR n:Employer) "
    "AND $id IN n.aliases RETURN n.id AS id ORDER BY id LIMIT 1",
)
WORKER_COMBINATIONS = cypher(
    "reconcile.worker_combinations",
    "MATCH (w:Worker) WHERE w.sources IS NOT NULL RETURN w.sources AS sources, count(w) AS people",
    doc="People per combination of registers that know them (set by resolution).",
)
RECORDS_PER_SOURCE = cypher(
    "reconcile.records_per_source",
    "MATCH (s:SourceRecord) WHERE s.source IN $sources RETURN s.source AS source, count(s) AS records",
)
CONFLICT_COUNTS = cypher(
    "reconcile.conflict_counts",
    "MATCH (w:Worker) WHERE size(w.conflicts) > 0 UNWIND w.conflicts AS field "
    "RETURN field, count(*) AS people ORDER BY people DESC",
)
ONLY_IN = cypher(
    "reconcile.only_in",
    """
    MATCH (w:Worker) WHERE w.sources = [$source]
    OPTIONAL MATCH (w)-[:HAS_PLACEMENT]->(p:Placement)
    WITH w, collect(p.status) AS statuses, collect(p.departure_date) AS departures,
         collect(p.arrival_date) AS arrivals, collect(p.registration_date) AS registrations
    RETURN w.id AS id, w.name AS name, w.sex AS sex, w.birth_date AS birth_date, statuses,
           departures, arrivals, registrations
    ORDER BY id LIMIT $limit
    """,
    doc="People known to one register only (H3 candidates when it is the embassy's).",
)
PROPOSALS = cypher(
    "reconcile.proposals",
    """
    MATCH (a:Worker)-[e:POSSIBLY_SAME]->(b:Worker)
    RETURN a.id AS a, a.name AS a_name, a.birth_date AS a_birth, a.sources AS a_sources,
           a.nik AS a_nik, a.passport_no AS a_passport,
           b.id AS b, b.name AS b_name, b.birth_date AS b_birth, b.sources AS b_sources,
           b.nik AS b_nik, b.passport_no AS b_passport,
           e.score AS score, e.reason AS reason
    ORDER BY score DESC, a, b LIMIT $limit
    """,
    doc="Matches in the uncertain band, awaiting a human decision (jejak resolve --confirm/--reject).",
)
UNRESOLVED = cypher(
    "reconcile.unresolved",
    """
    MATCH (w:Worker)-[e:REPORTED_IN]->(s:SourceRecord)
    WHERE s.source IN $sources AND w.nik IS NULL AND w.passport_no IS NULL AND w.phone IS NULL
      AND (w.birth_date IS NULL OR w.name_norm IS NULL)
    RETURN w.id AS id, s.id AS record, w.name AS name ORDER BY id LIMIT $limit
    """,
    doc="Records with no usable identifying field: kept as their own person, never force-merged.",
)
DECISIONS = cypher(
    "reconcile.decisions",
    "MATCH (d:MatchDecision) RETURN d.id AS id, d.decision AS decision, d.a AS a, d.b AS b, "
    "d.decided_at AS decided_at, d.note AS note, d.withdrawn_at AS withdrawn_at ORDER BY decided_at, id",
)


def resolve_alias(engine: Engine, node_id: str) -> str | None:
    """The current id of a Worker (or merged organisation) given any id it ever had; None if unknown."""
    if engine.read(WORKER_EXISTS, {"id": node_id}):
        return node_id
    rows = engine.read(WORKER_BY_ALIAS, {"id": node_id})
    if rows:
        return rows[0]["id"]
    rows = engine.read(NODE_BY_ALIAS, {"id": node_id})
    return rows[0]["id"] if rows else None


def conflicts(engine: Engine, work_dir: Path, worker_id: str | None = None) -> pd.DataFrame:
    """Per worker and field, each source's differing value: worker, field, source, record_id, value.

    Computed by the last ``jejak resolve`` from the raw-row store (``<work_dir>/resolution/``).
    """
    path = Path(work_dir) / "resolution" / "conflicts.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["worker", "field", "source", "record_id", "value"])
    frame = pd.read_parquet(path)
    if worker_id is not None:
        current = resolve_alias(engine, worker_id) or worker_id
        frame = frame[frame["worker"] == current]
    return frame.reset_index(drop=True)


def combinations(engine: Engine) -> dict[tuple[str, ...], int]:
    """People per combination of registers (bp2mi, kemnaker, kemlu) that know them."""
    out: Counter[tuple[str, ...]] = Counter()
    for row in engine.read(WORKER_COMBINATIONS, timeout_s=600):
        key = tuple(s for s in WORKER_SOURCES if s in (row["sources"] or []))
        if key:
            out[key] += row["people"]
    return dict(out)


def records_per_source(engine: Engine) -> dict[str, int]:
    rows = engine.read(RECORDS_PER_SOURCE, {"sources": list(WORKER_SOURCES)}, timeout_s=600)
    return {r["source"]: r["records"] for r in rows}


def conflict_counts(engine: Engine) -> dict[str, int]:
    return {r["field"]: r["people"] for r in engine.read(CONFLICT_COUNTS, timeout_s=600)}


def only_in(engine: Engine, source: str, limit: int = 100_000) -> list[dict[str, Any]]:
    return engine.read(ONLY_IN, {"source": source, "limit": limit}, timeout_s=600)


def proposals(engine: Engine, limit: int = 10_000) -> list[dict[str, Any]]:
    """The review pairs, each with ``disagree``: the identifying fields both sides have and that
    differ (two NIKs), which is what a reviewer must weigh against the fields that agreed."""
    rows = engine.read(PROPOSALS, {"limit": limit}, timeout_s=600)
    for r in rows:
        r["disagree"] = [
            field
            for field, key in (("nik", "nik"), ("passport", "passport"), ("birth_date", "birth"))
            if r[f"a_{key}"] and r[f"b_{key}"] and r[f"a_{key}"] != r[f"b_{key}"]
        ]
    return rows


def unresolved(engine: Engine, limit: int = 10_000) -> list[dict[str, Any]]:
    return engine.read(UNRESOLVED, {"sources": list(WORKER_SOURCES), "limit": limit}, timeout_s=600)


def decisions(engine: Engine) -> list[dict[str, Any]]:
    return engine.read(DECISIONS)
