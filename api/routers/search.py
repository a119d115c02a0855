"""Full-text search by name, and exact identifier lookup."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AccessDep, EngineDep
from api.errors import error_responses
from queries import explore

router = APIRouter(tags=["search"])

SearchLabel = Literal[explore.FULLTEXT_LABELS]  # type: ignore[valid-type]
IdentifierKind = Literal[explore.IDENTIFIER_KINDS]  # type: ignore[valid-type]


@router.get("/search", summary="Entities whose name matches, best first", responses=error_responses())
def search(
    eng: EngineDep,
    access: AccessDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words of a name; typos are tolerated.")],
    label: Annotated[SearchLabel | None, Query(description="Only this kind of entity.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    hits = explore.search(eng, q, labels=[label] if label else None, limit=limit, role=access.role)
    return access.answer("search", {"query": q, "count": len(hits), "items": hits})


@router.get(
    "/identifiers/{value:path}",
    summary="Who carries an exact identifier: NIK, passport, phone or licence number",
    responses=error_responses(403),
)
def identifier(
    eng: EngineDep,
    access: AccessDep,
    value: Annotated[str, Path(min_length=1, max_length=120)],
    kind: Annotated[IdentifierKind | None, Query(description="Say what the value is instead of guessing.")] = None,
) -> dict[str, Any]:
    """Audited when a person carries it. A NIK, passport or phone only for a role that sees them."""
    found = explore.find_identifier(eng, value, kind=kind, role=access.role)
    return access.answer("identifier.lookup", found)
