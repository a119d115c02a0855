"""One error body for every error the API returns, and the map from exceptions to it.

Every error is ``{"error": {"code": ..., "message": ..., "candidates": [...]?}}``:

=================  ======  ===============================================================
code               status  when
=================  ======  ===============================================================
bad_request        400     malformed input: a parameter out of range, an unreadable reference
unauthorized       401     no ``X-API-Key`` header, or a key this server does not know
forbidden          403     the key's role may not ask this (a look-up by a NIK it sees masked)
not_found          404     nothing in the graph matches the reference (or no such route)
method_not_allowed 405     the route exists but not for this method
ambiguous          409     the reference matches several entities: ``candidates`` lists them
engine_unavailable 503     the graph engine is not reachable (yet)
internal           500     anything else; the message says no more than that
=================  ======  ===============================================================

Domain errors (``jejak.errors``) carry their own HTTP status; this module only names it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from jejak.errors import EngineUnavailable, Forbidden, GraphBusy, InputError, JejakError, NotFound

log = logging.getLogger("jejak.api")


class Candidate(BaseModel):
    """One entity an ambiguous reference could mean."""

    id: str = Field(description="The entity's Jejak id: use it instead of the ambiguous reference.")
    name: str | None = Field(default=None, description="Its name, when it has one.")


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable machine-readable code (see the table in the API description).")
    message: str = Field(description="One line a person can act on.")
    candidates: list[Candidate] | None = Field(
        default=None, description="Only for code 'ambiguous': the entities the reference matches."
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class APIError(Exception):
    """An error raised by the API layer itself (authentication, engine not ready)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "ambiguous",
    500: "internal",
    503: "engine_unavailable",
}
_DESCRIPTIONS = {
    400: "Malformed input (a parameter out of range, a reference that cannot be an id of that kind).",
    401: "No X-API-Key header, or an unknown key.",
    403: "The key's role may not ask this: a look-up by a NIK, passport or phone it sees masked.",
    404: "Nothing in the graph matches the reference.",
    409: "The reference matches several entities; `candidates` lists them.",
    500: "An unexpected error (details are in the server's log, not in the response).",
    503: "The graph engine is not reachable yet (see /readyz).",
}
# "... is ambiguous: it matches 2 workers: W-1 (NAME); W-2 and 3 more; use one of these ids"
_AMBIGUOUS = re.compile(r"is ambiguous: it matches \d+ [^:]+: (?P<list>.*?)(?: and \d+ more)?; use one of these ids")
_CANDIDATE = re.compile(r"^(?P<id>\S+)(?: \((?P<name>.*)\))?$")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: the error body under each status it can return."""
    wanted = sorted({400, 401, 500, 503, *statuses})
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS.get(s, _CODES[s])} for s in wanted}


def ambiguous_candidates(message: str) -> list[Candidate] | None:
    """The candidates an ambiguous-reference message of ``queries.refs`` lists, else ``None``.

    ``queries.refs`` raises a plain ``InputError`` whose message lists them; a structured
    exception there would make this parsing unnecessary."""
    found = _AMBIGUOUS.search(message)
    if not found:
        return None
    out = []
    for part in found.group("list").split("; "):
        m = _CANDIDATE.match(part.strip())
        if m:
            out.append(Candidate(id=m.group("id"), name=m.group("name")))
    return out or None


def body(status: int, message: str, candidates: list[Candidate] | None = None, code: str | None = None) -> JSONResponse:
    detail = ErrorDetail(code=code or _CODES.get(status, "error"), message=message, candidates=candidates)
    return JSONResponse(ErrorBody(error=detail).model_dump(exclude_none=True), status_code=status)


def _from_jejak(exc: JejakError) -> JSONResponse:
    message = " ".join(str(exc).split())
    if isinstance(exc, NotFound):
        return body(404, message)
    if isinstance(exc, Forbidden):
        return body(403, message)
    if isinstance(exc, InputError):
        candidates = ambiguous_candidates(message)
        return body(409, message, candidates) if candidates else body(400, message)
    if isinstance(exc, EngineUnavailable | GraphBusy):
        response = body(503, message)
        response.headers["Retry-After"] = "5"
        return response
    status = exc.http_status if exc.http_status in _CODES else 500
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, message)
        return body(500, f"{type(exc).__name__}: the server could not answer this request")
    return body(status, message)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the one error body."""

    @app.exception_handler(JejakError)
    async def jejak_error(request: Request, exc: JejakError) -> JSONResponse:
        response = _from_jejak(exc)
        if response.status_code == 409:  # the candidates it lists are people shown to the caller
            people = [c.id for c in ambiguous_candidates(" ".join(str(exc).split())) or [] if c.id.startswith("W-")]
            access = getattr(request.state, "access", None)
            if people and access is not None:
                access.audit("ambiguous_reference", people)
        return response

    @app.exception_handler(APIError)
    async def api_error(_: Request, exc: APIError) -> JSONResponse:
        response = body(exc.status, exc.message, code=exc.code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "header"))
            problems.append(f"{where or 'request'}: {e.get('msg', 'invalid')}")
        return body(400, "invalid request: " + "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = body(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return body(500, "internal error: the server could not answer this request")
