"""Agencies (P3MI): their network, and their chain of command up and down."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AccessDep, EngineDep
from api.errors import error_responses
from queries import agency

router = APIRouter(prefix="/agencies", tags=["agencies"])

AgencyRef = Annotated[
    str, Path(min_length=1, max_length=200, description="An agency id (AG-…), its licence number or a phone.")
]


@router.get(
    "/{id:path}/network",
    summary="An agency's branches, sub-agents, sponsors, partners, employers, countries and shared identifiers",
    responses=error_responses(403, 404, 409),
)
def network(
    eng: EngineDep,
    access: AccessDep,
    id: AgencyRef,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per list.")] = 50,
    branches: Annotated[bool, Query(description="Count placements of its branches too.")] = True,
) -> dict[str, Any]:
    found = agency.agency_network(eng, id, include_branches=branches, limit=limit, role=access.role)
    return access.answer("agency.network", found)


@router.get(
    "/{id:path}/trace",
    summary="Up to the licensed head office, or down to branches, sub-agents and sponsors",
    responses=error_responses(403, 404, 409),
)
def trace(
    eng: EngineDep,
    access: AccessDep,
    id: AgencyRef,
    direction: Annotated[Literal["up", "down"], Query()] = "up",
) -> dict[str, Any]:
    trace = agency.trace_up if direction == "up" else agency.trace_down
    found = trace(eng, id, role=access.role)
    return access.answer("agency.trace", found)
