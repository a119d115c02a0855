"""A worker's chain and rights. Every answer here is a person's record: always audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import AccessDep, EngineDep
from api.errors import error_responses
from api.schemas import WorkerChain, WorkerRights
from engine.base import Engine
from jejak.errors import NotFound
from queries import refs
from queries.chain import worker_chain
from queries.rights import rights_for_worker

router = APIRouter(prefix="/workers", tags=["workers"])

WorkerRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=120,
        description="A Jejak worker id (W-…), a NIK, a passport number or a source record id (bp2mi:SK-…).",
    ),
]


@router.get(
    "/{ref:path}/chain",
    summary="A worker's full chain: origin, sponsor, training, agency, partner, employer, country",
    response_model=WorkerChain,
    responses=error_responses(403, 404, 409),
)
def chain(
    eng: EngineDep,
    access: AccessDep,
    ref: WorkerRef,
    flags: Annotated[bool, Query(description="Include red flags and rights (slower).")] = True,
) -> dict[str, Any]:
    """The chain of ``queries.chain.worker_chain``, masked for the caller's role. Audited."""
    result = worker_chain(eng, ref, role=access.role, include_flags=flags)
    return access.answer("worker.chain", result, [result["worker"]["id"]])


def find_worker(eng: Engine, ref: str, role: str) -> refs.Candidate:
    """The worker a ref names (following entity resolution's aliases), else ``NotFound``."""
    worker_id, how = refs.resolve_worker(eng, ref, role)
    rows = eng.read(refs.NODE_EXISTS["Worker"], {"id": worker_id})
    if not rows and how == "id":
        worker_id = refs.worker_alias(eng, worker_id)
        rows = eng.read(refs.NODE_EXISTS["Worker"], {"id": worker_id})
    if not rows:
        raise NotFound(f"no worker with id {worker_id} in the graph")
    return refs.Candidate("Worker", rows[0]["id"], rows[0].get("name"))


@router.get(
    "/{ref:path}/rights",
    summary="A worker's rights per placement: met, missing, violated or not applicable",
    response_model=WorkerRights,
    responses=error_responses(403, 404, 409),
)
def rights(eng: EngineDep, access: AccessDep, ref: WorkerRef) -> dict[str, Any]:
    """One entry per placement and right (``queries.rights``); ``gaps`` are those missing or violated. Audited."""
    worker = find_worker(eng, ref, access.role)
    entries = refs.mask_deep(rights_for_worker(eng, worker.id), access.role)
    result = {
        "worker": {"id": worker.id, "name": worker.name},
        "rights": entries,
        "gaps": [e for e in entries if e.get("applies") and e.get("status") in ("missing", "violated")],
    }
    return access.answer("worker.rights", result, [worker.id])
