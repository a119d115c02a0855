"""A node's neighbours, grouped by relationship and label, capped and paged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import AccessDep, EngineDep
from api.errors import error_responses
from queries import explore

router = APIRouter(prefix="/nodes", tags=["graph"])


@router.get(
    "/{id:path}/neighbours",
    summary="A node's neighbours grouped by (relationship, direction, label), each group paged with its total",
    responses=error_responses(403, 404, 409),
)
def neighbours(
    eng: EngineDep,
    access: AccessDep,
    id: Annotated[str, Path(min_length=1, max_length=200, description="A node id or an identifier naming one node.")],
    type: Annotated[list[str] | None, Query(description="Only these relationship types (repeat it).")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Neighbours per group.")] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many in every group.")] = 0,
) -> dict[str, Any]:
    """``more`` in a group says how many are left after this page ("and 312 more"). A hub's crowded
    groups (an agency's placements) are counted up to offset + limit + 500: past that ``total`` is
    a lower bound and ``total_exact`` is false. Audited when a person is among them."""
    found = explore.expand(eng, id, rel_types=type or None, limit=limit, skip=offset, role=access.role)
    found["limit"], found["offset"] = limit, offset
    return access.answer("node.neighbours", found)
