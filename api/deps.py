"""What routes depend on: the engine, the caller (API key -> role) and the audited access.

Use the ``Annotated`` aliases in route signatures: ``eng: EngineDep``, ``access: AccessDep``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

import engine as engine_mod
from api.audit import AuditLog, people_in
from api.errors import APIError
from api.masking import mask_identifiers
from engine.base import Engine
from jejak.errors import ConfigError, JejakError
from jejak.settings import DEV_API_KEYS, Settings
from queries.refs import ROLES

log = logging.getLogger("jejak.api")
MIN_KEY_LENGTH = 16  # outside development


# -- the engine ------------------------------------------------------------------------------------
class EngineState:
    """The engine, opened in a background thread so the server answers /healthz at once and
    /readyz says 503 until the engine answers (an embedded engine may be rebuilding its indexes)."""

    def __init__(self, settings: Settings, connect: Callable[[Settings], Engine] = engine_mod.connect) -> None:
        self.settings = settings
        self._connect = connect
        self.engine: Engine | None = None
        self.error: str | None = "starting"
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._open, name="jejak-engine", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        delay = 0.2
        while not self._stop.is_set():
            try:
                eng = self._connect(self.settings)
            except JejakError as exc:
                self.error = str(exc)
                log.warning("graph engine not available yet: %s", exc)
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)
                continue
            if self._stop.is_set():
                eng.close()
                return
            self.engine, self.error = eng, None
            self._ready.set()
            return

    def wait(self, timeout_s: float) -> bool:
        """Block until the engine is open (for tests and the CLI); False after ``timeout_s``."""
        return self._ready.wait(timeout_s)

    def get(self) -> Engine:
        if self.engine is None:
            raise APIError(
                503, "engine_unavailable", f"the graph engine is not ready: {self.error}", {"Retry-After": "5"}
            )
        return self.engine

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.engine is not None:
            self.engine.close()
            self.engine = None


def get_state(request: Request) -> EngineState:
    state: EngineState = request.app.state.engine
    return state


def get_engine(request: Request) -> Engine:
    return get_state(request).get()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


# -- API keys and roles ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    key_id: str  # names the key in the audit trail without revealing it
    role: str


def key_id(key: str) -> str:
    return "k-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def parse_keys(settings: Settings) -> dict[str, Caller]:
    """``JEJAK_API_KEYS`` as key -> caller; refuses malformed entries, unknown roles, and the
    development placeholder keys (or short keys) outside development."""
    keys: dict[str, Caller] = {}
    for entry in (e.strip() for e in settings.api_keys.split(",")):
        if not entry:
            continue
        key, sep, role = entry.rpartition(":")
        key, role = key.strip(), role.strip()
        if not sep or not key:
            raise ConfigError("JEJAK_API_KEYS: each entry is key:role (e.g. 'k3y...:investigator')")
        if role not in ROLES:
            raise ConfigError(f"JEJAK_API_KEYS: unknown role {role!r} for key {key_id(key)}: use {', '.join(ROLES)}")
        keys[key] = Caller(key_id(key), role)
    if not keys:
        raise ConfigError("JEJAK_API_KEYS is empty: give at least one key:role")
    dev = {e.rpartition(":")[0] for e in DEV_API_KEYS.split(",")}
    if settings.environment != "development":
        if dev & set(keys):
            raise ConfigError(
                "JEJAK_API_KEYS holds the development placeholder keys: set your own keys "
                f"(JEJAK_ENVIRONMENT is {settings.environment!r})"
            )
        short = [key_id(k) for k in keys if len(k) < MIN_KEY_LENGTH]
        if short:
            raise ConfigError(f"API keys must be at least {MIN_KEY_LENGTH} characters outside development: {short}")
    elif dev & set(keys):
        log.warning("DEVELOPMENT API KEYS in use (%s): never expose this server", ", ".join(sorted(dev & set(keys))))
    return keys


api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from JEJAK_API_KEYS; its role decides what is masked."
)


def get_caller(request: Request, key: Annotated[str | None, Depends(api_key_header)]) -> Caller:
    if not key:
        raise APIError(401, "unauthorized", "send your API key in the X-API-Key header", {"WWW-Authenticate": "APIKey"})
    keys: dict[str, Caller] = request.app.state.api_keys
    for known, caller in keys.items():
        if hmac.compare_digest(known.encode(), key.encode()):
            return caller
    raise APIError(401, "unauthorized", "unknown API key", {"WWW-Authenticate": "APIKey"})


CallerDep = Annotated[Caller, Depends(get_caller)]


# -- audited access --------------------------------------------------------------------------------
class Access:
    """One request's caller, and the last step every answer goes through: masking by role and,
    when the answer shows a person, an audit line written before it is returned."""

    def __init__(self, caller: Caller, request: Request) -> None:
        self.caller = caller
        self.request = request

    @property
    def role(self) -> str:
        return self.caller.role

    def answer(self, action: str, body: Any, worker_ids: list[str] | None = None) -> Any:
        """``body`` masked for the caller's role; audited if it names any person."""
        body = mask_identifiers(body, self.role)
        touched = list(dict.fromkeys([*(worker_ids or []), *people_in(body)]))
        if touched:
            self.audit(action, touched)
        return body

    def audit(self, action: str, worker_ids: list[str]) -> None:
        audit_log: AuditLog = self.request.app.state.audit
        client = self.request.client
        audit_log.write(
            {
                "key_id": self.caller.key_id,
                "role": self.caller.role,
                "action": action,
                "worker_ids": worker_ids,
                "path": self.request.url.path,
                "query": self.request.url.query,
                "client": client.host if client else None,
            }
        )


def get_access(request: Request, caller: CallerDep) -> Access:
    access = request.state.access = Access(caller, request)  # errors that name people are audited too
    return access


AccessDep = Annotated[Access, Depends(get_access)]
