"""Liveness and readiness, and who the caller is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import CallerDep, EngineState, get_state
from api.errors import body, error_responses

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    engine: str
    version: str


class Me(BaseModel):
    key_id: str
    role: str


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    summary="The graph engine answers (503 until it does)",
    responses={503: error_responses()[503], 500: error_responses()[500]},
)
def readyz(state: Annotated[EngineState, Depends(get_state)]) -> Ready | JSONResponse:
    if state.engine is None:
        return body(503, f"the graph engine is not ready: {state.error}")
    health = state.engine.health()
    if not health.ok:
        return body(503, f"the graph engine does not answer: {health.detail.get('error', 'down')}")
    return Ready(status="ready", engine=health.engine, version=health.version)


@router.get("/me", response_model=Me, summary="The caller's key id and role", responses=error_responses())
def me(caller: CallerDep) -> Me:
    return Me(key_id=caller.key_id, role=caller.role)
