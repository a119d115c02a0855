"""Counts and statistics of placements by country, sector, province, agency, year, job or source.

``counts(engine, by, status=None, year=None, country=None, source=None, limit=None)`` returns
``[{"key", "name", "placements", "workers"}]``, largest first (``year``: by year). A placement is
one source record of a departure or registration, so one real departure seen by BP2MI, Kemnaker and
the embassy counts in each (filter by ``source`` for one agency's view); ``workers`` counts distinct
Worker nodes. Filters: ``status`` (DEPARTED, REGISTERED, CANCELLED, ARRIVED), ``year`` (of the
placement's date: departure, else registration, else arrival), ``country`` (ISO alpha-2),
``source`` (bp2mi, kemnaker, kemlu). ``summary(engine)`` gives totals per status and per source.
These are whole-graph scans: seconds at national scale, meant for reports, not for per-click use.
"""

from __future__ import annotations

from typing import Any

from engine.base import Engine
from engine.cypher import Cypher, cypher
from jejak.errors import InputError

_DATE = "coalesce(p.departure_date, p.registration_date, p.arrival_date)"
_FILTER = f"""
    WHERE ($status IS NULL OR p.status = $status)
      AND ($year IS NULL OR {_DATE} STARTS WITH $year)
      AND ($country IS NULL OR (p)-[:DESTINATION]->(:Country {{id: $country}}))
      AND ($source IS NULL OR p.id STARTS WITH $source)"""

# by -> (pattern after the filtered placement p, key expression, name expression)
_GROUPS = {
    "country": ("MATCH (p)-[:DESTINATION]->(g:Country)", "g.id", "g.name"),
    "sector": ("", "coalesce(p.sector, 'unknown')", "coalesce(p.sector, 'unknown')"),
    "province": ("MATCH (w)-[:FROM_REGION]->(:Region)-[:PART_OF]->(g:Region)", "g.id", "g.name"),
    "agency": ("MATCH (p)-[:PLACED_BY]->(g:Agency)", "g.id", "g.name"),
    "year": ("", f"coalesce(substring({_DATE}, 0, 4), 'unknown')", f"coalesce(substring({_DATE}, 0, 4), 'unknown')"),
    "job": ("", "coalesce(p.job_code, 'unknown')", "coalesce(p.job_code, 'unknown')"),
    "source": ("MATCH (p)-[:REPORTED_IN]->(g:SourceRecord)", "g.source", "g.source"),
}
BY = tuple(_GROUPS)


def _count_query(by: str) -> Cypher:
    pattern, key, name = _GROUPS[by]
    order = "key" if by == "year" else "placements DESC, key"
    return cypher(
        f"stats.placements_by_{by}",
        f"""
        MATCH (w:Worker)-[:HAS_PLACEMENT]->(p:Placement)
        {_FILTER}
        {pattern}
        WITH {key} AS key, {name} AS name, count(p) AS placements, count(DISTINCT w) AS workers
        RETURN key, name, placements, workers
        ORDER BY {order}
        """,
        doc=f"Placements and distinct workers per {by}, with optional filters.",
    )


COUNTS = {by: _count_query(by) for by in BY}

SUMMARY = cypher(
    "stats.summary",
    """
    MATCH (p:Placement)
    RETURN coalesce(p.status, 'unknown') AS status, split(p.id, ':')[0] AS source, count(p) AS placements
    """,
    doc="Placements per status and source (the source is the prefix of the placement id).",
)

WORKERS = cypher(
    "stats.workers",
    """
    MATCH (w:Worker)
    RETURN count(w) AS workers
    """,
    doc="How many Worker nodes there are.",
)


def counts(
    engine: Engine,
    by: str,
    status: str | None = None,
    year: int | str | None = None,
    country: str | None = None,
    source: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Placements (and distinct workers) grouped by ``by`` (see the module docstring)."""
    if by not in COUNTS:
        raise InputError(f"cannot count by {by!r}: use one of {', '.join(BY)}")
    if year is not None and not str(year).isdigit():
        raise InputError(f"year must be a number, not {year!r}")
    params = {
        "status": status,
        "year": None if year is None else str(year),
        "country": country.upper() if country else None,
        "source": f"PL-{source.lower()}:" if source else None,
    }
    rows = engine.read(COUNTS[by], params, timeout_s=600)
    return rows[:limit] if limit else rows


def summary(engine: Engine) -> dict[str, Any]:
    """Totals: workers, placements, per status, per source."""
    rows = engine.read(SUMMARY, timeout_s=600)
    by_status: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for r in rows:
        source = r["source"].removeprefix("PL-")
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["placements"]
        by_source[source] = by_source.get(source, 0) + r["placements"]
    return {
        "workers": engine.read(WORKERS)[0]["workers"],
        "placements": sum(by_status.values()),
        "by_status": dict(sorted(by_status.items())),
        "by_source": dict(sorted(by_source.items())),
    }
