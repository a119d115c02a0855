"""What is in the graph: counts per label and relationship type (``jejak status``, ``/readyz``)."""

from __future__ import annotations

from engine.base import Engine
from engine.cypher import cypher

COUNT_LABELS = cypher(
    "status.count_labels",
    """
    MATCH (n)
    RETURN labels(n) AS labels, count(n) AS n
    """,
    doc="Node counts per label combination.",
)

COUNT_RELATIONSHIPS = cypher(
    "status.count_relationships",
    """
    MATCH ()-[r]->()
    RETURN type(r) AS type, count(r) AS n
    """,
    doc="Relationship counts per type.",
)


def graph_counts(engine: Engine) -> tuple[dict[str, int], dict[str, int]]:
    labels: dict[str, int] = {}
    for row in engine.read(COUNT_LABELS, timeout_s=600):
        for label in row["labels"]:
            labels[label] = labels.get(label, 0) + row["n"]
    rels = {row["type"]: row["n"] for row in engine.read(COUNT_RELATIONSHIPS, timeout_s=600)}
    return dict(sorted(labels.items())), dict(sorted(rels.items()))


BUSIEST_WORKER = cypher(
    "status.busiest_worker",
    """
    MATCH (w:Worker)-[r:HAS_PLACEMENT]->(:Placement)
    WITH w, count(r) AS placements
    ORDER BY placements DESC, w.id
    LIMIT 1
    RETURN w.id AS id, placements
    """,
    doc="A worker with the most placements: the demo shows their chain.",
)


def busiest_worker(engine: Engine) -> str | None:
    rows = engine.read(BUSIEST_WORKER, timeout_s=600)
    return rows[0]["id"] if rows else None
