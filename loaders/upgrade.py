"""Bring a graph written by an earlier Jejak up to date with the current model (idempotent).

- Placements carry their ``source`` (added 2026-12): the red-flag rules select departures and
  arrivals by it. A graph loaded before has it only on its ``SourceRecord``.
"""

from __future__ import annotations

from engine.base import Engine
from engine.cypher import cypher

Q_PLACEMENT_SOURCE = cypher(
    "upgrade.placement_source",
    """
MATCH (p:Placement) WHERE p.source IS NULL
MATCH (p)-[:REPORTED_IN]->(r:SourceRecord)
SET p.source = r.source
""",
    doc="Copy each placement's source from the record that reported it (graphs loaded before Placement.source).",
)
Q_PLACEMENT_WITHOUT_SOURCE = cypher(
    "upgrade.placement_without_source",
    "MATCH (p:Placement) WHERE p.source IS NULL RETURN p.id AS id LIMIT 1",
    doc="Is there a placement without its source (a graph loaded by an earlier Jejak)?",
)


def is_current(engine: Engine) -> bool:
    return not engine.read(Q_PLACEMENT_WITHOUT_SOURCE)


def upgrade_graph(engine: Engine) -> int:
    """Fill what the current model expects; returns the number of properties set."""
    _, summary = engine.write(Q_PLACEMENT_SOURCE)
    return summary.properties_set
