"""Placement statistics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AccessDep, EngineDep
from api.errors import error_responses
from jejak.errors import InputError
from queries import stats

router = APIRouter(prefix="/stats", tags=["statistics"])

Dimension = Literal[("summary", *stats.BY)]  # type: ignore[valid-type]


@router.get(
    "/{dimension}",
    summary="Placements and distinct workers by country, sector, province, agency, year, job or source",
    responses=error_responses(),
)
def by_dimension(
    eng: EngineDep,
    access: AccessDep,
    dimension: Annotated[Dimension, Path(description="'summary' for totals per status and source.")],
    status: Annotated[Literal["DEPARTED", "REGISTERED", "CANCELLED", "ARRIVED"] | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="ISO alpha-2.")] = None,
    source: Annotated[Literal["bp2mi", "kemnaker", "kemlu"] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    """Whole-graph counts: seconds at national scale. The summary is of the whole graph: it takes
    no filter (a filtered total is any dimension's items added up)."""
    if dimension == "summary":
        given = [k for k, v in (("status", status), ("year", year), ("country", country), ("source", source)) if v]
        if given or limit is not None:
            raise InputError(f"the summary takes no filter ({', '.join(given) or 'limit'}): ask for a dimension")
        return access.answer("stats", stats.summary(eng))
    rows = stats.counts(eng, dimension, status=status, year=year, country=country, source=source, limit=limit)
    return access.answer("stats", {"by": dimension, "items": rows})
