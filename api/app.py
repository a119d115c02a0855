"""The HTTP API and the investigator's web page: ``create_app(settings) -> FastAPI``.

The lifespan opens the graph engine (in the background: /readyz says 503 until it answers) and
closes it on shutdown. Callers authenticate with ``X-API-Key``; the key's role decides what is
masked (``api.deps``). Answers that show a person are audited (``api.audit``). Every error has one
body (``api.errors``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api import errors
from api.audit import AuditLog, audit_path
from api.deps import EngineState, parse_keys
from api.routers import agencies, flags, health, nodes, paths, search, stats, workers
from engine.base import Engine
from jejak.settings import Settings, get_settings

STATIC = Path(__file__).with_name("static")
VIZ_ASSETS = Path(__file__).resolve().parent.parent / "viz" / "assets"

DESCRIPTION = """
Jejak traces Indonesian migrant workers' placement chains across agencies.

**Authentication**: send an API key in the `X-API-Key` header. The key's role decides what you
see: `investigator` sees personal data; for `analyst` and `public` the NIK, passport, phone,
address and birth date are masked. Every answer that shows a person is written to the audit trail.

**Errors** all have one body: `{"error": {"code", "message", "candidates"?}}`; codes:
`bad_request` (400), `unauthorized` (401), `not_found` (404), `ambiguous` (409, with the
`candidates` to choose from), `internal` (500), `engine_unavailable` (503).
"""


def create_app(settings: Settings | None = None, connect: Callable[[Settings], Engine] | None = None) -> FastAPI:
    """The API for ``settings`` (default: from the environment). ``connect`` replaces
    ``engine.connect`` (tests)."""
    settings = settings or get_settings()
    keys = parse_keys(settings)  # refuses development keys outside development, before anything starts

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = EngineState(settings, connect) if connect else EngineState(settings)
        app.state.engine = state
        state.start()
        try:
            yield
        finally:
            state.close()

    # fastapi-offline serves Swagger UI from its own package, not a CDN: /docs works offline
    app = FastAPIOffline(
        title="Jejak",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-assets",
    )
    app.state.settings = settings
    app.state.api_keys = keys
    app.state.audit = AuditLog(audit_path(settings.data_dir), fsync=settings.audit_fsync)
    errors.install(app)
    for module in (health, workers, search, nodes, paths, agencies, flags, stats):
        app.include_router(module.router)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/assets", StaticFiles(directory=VIZ_ASSETS), name="assets")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema with its 422 validation responses replaced by our 400 (malformed input
    is answered 400 with the one error body)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    app.openapi_schema = schema
    return schema
