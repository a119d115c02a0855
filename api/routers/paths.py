"""The shortest path between two entities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import AccessDep, EngineDep
from api.errors import error_responses
from queries import explore

router = APIRouter(tags=["graph"])


@router.get(
    "/path", summary="The shortest undirected path between two entities", responses=error_responses(403, 404, 409)
)
def path(
    eng: EngineDep,
    access: AccessDep,
    source: Annotated[str, Query(alias="from", min_length=1, max_length=200, description="Where the path starts.")],
    target: Annotated[str, Query(alias="to", min_length=1, max_length=200, description="Where it ends.")],
    max_depth: Annotated[int, Query(ge=1, le=explore.MAX_DEPTH)] = 4,
    types: Annotated[
        list[str] | None, Query(description="Only these relationship types (repeat, or separate with commas).")
    ] = None,
    through: Annotated[
        list[str] | None,
        Query(description="Let the path pass through these labels too (Country, Region: avoided by default)."),
    ] = None,
) -> dict[str, Any]:
    """``complete`` is false when a cap cut the search: "no path" then means none within the caps.
    Countries and regions are a path's ends, not its middle, unless ``through`` names them."""
    wanted = [t.strip() for item in types or [] for t in item.split(",") if t.strip()] or None
    via = [t.strip() for item in through or [] for t in item.split(",") if t.strip()]
    found = explore.shortest_path(
        eng, source, target, max_depth=max_depth, rel_types=wanted, role=access.role, through=via
    )
    return access.answer("path", found)
