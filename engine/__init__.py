"""Open the graph engine that ``JEJAK_GRAPH_URL`` names: embedded FalkorDB by default."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from engine.base import Engine, Health, Row, WriteSummary
from jejak.errors import ConfigError
from jejak.settings import Settings, get_settings

__all__ = ["Engine", "EngineURL", "Health", "Row", "WriteSummary", "connect", "parse_url"]

NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


@dataclass(frozen=True)
class EngineURL:
    kind: str  # "embedded", "falkordb" or "neo4j"
    uri: str = ""  # what the driver gets (no credentials)
    host: str = ""
    port: int = 0
    user: str | None = None
    password: str | None = None
    database: str | None = None

    @property
    def display(self) -> str:
        return self.uri or "embedded"


def parse_url(url: str) -> EngineURL:
    """Parse ``JEJAK_GRAPH_URL``; refuse anything malformed with one clear line."""
    url = url.strip()
    if url in ("", "embedded"):
        return EngineURL("embedded")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("falkordb", *NEO4J_SCHEMES):
        raise ConfigError(
            f"JEJAK_GRAPH_URL {url!r}: unknown scheme {scheme or '(none)'!r}; use 'embedded', "
            "falkordb://host:port, neo4j://host:7687, neo4j+s://host or bolt://host:7687"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"JEJAK_GRAPH_URL {url!r}: the port is not a number between 0 and 65535") from None
    if not parts.hostname:
        raise ConfigError(f"JEJAK_GRAPH_URL {url!r}: no host")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    database = parts.path.strip("/") or None
    if scheme == "falkordb":
        port = port or 6379
        return EngineURL(
            "falkordb", f"falkordb://{parts.hostname}:{port}", parts.hostname, port, user, password, database
        )
    netloc = parts.hostname + (f":{port}" if port else "")
    return EngineURL("neo4j", f"{scheme}://{netloc}", parts.hostname, port or 7687, user, password, database)


def connect(settings: Settings | None = None) -> Engine:
    """Open the configured engine (starting the embedded server if needed)."""
    settings = settings or get_settings()
    target = parse_url(settings.graph_url)
    if target.kind == "embedded":
        from engine.embedded import ensure_server
        from engine.falkor import FalkorEngine

        files = ensure_server(settings.data_dir, settings.fsync)
        return FalkorEngine(target.database or settings.graph_name, files=files, timeout_s=settings.query_timeout_s)
    if target.kind == "falkordb":
        from engine.falkor import FalkorEngine

        return FalkorEngine(
            target.database or settings.graph_name,
            host=target.host,
            port=target.port,
            password=target.password,
            timeout_s=settings.query_timeout_s,
        )
    from engine.neo4j_engine import Neo4jEngine

    return Neo4jEngine(
        target.uri,
        target.user or settings.neo4j_user,
        target.password or settings.neo4j_password,
        target.database,
        target.display,
    )
