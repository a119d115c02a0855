"""Typed settings from the environment and a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Placeholder API keys for development only: the API refuses them unless environment is "development".
DEV_API_KEYS = "dev-investigator:investigator,dev-analyst:analyst,dev-public:public"


DEFAULT_GRAPH = "jejak"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JEJAK_", env_file=".env", extra="ignore")

    # Which graph engine to use. Empty or "embedded": the embedded FalkorDB under data_dir.
    # "falkordb://[:password@]host:port": a FalkorDB server. "neo4j://", "neo4j+s://", "bolt://"
    # (user and password in the URL or in neo4j_user / neo4j_password): Neo4j 5.
    graph_url: str = ""
    # Where the embedded engine keeps its files (snapshot, append-only log, socket, pid).
    data_dir: Path = Path("jejak-data")
    # The graph's name: the FalkorDB graph key, or the Neo4j database ("neo4j" when empty).
    graph_name: str = DEFAULT_GRAPH
    # Neo4j credentials when the URL carries none.
    neo4j_user: str = "neo4j"
    neo4j_password: str = Field(default="", repr=False)
    # How often the embedded engine fsyncs its append-only log. "everysec" survives a killed
    # process with nothing lost (the data is in the OS page cache) and loses at most one second
    # on power loss; "always" loses nothing even then, at a cost in write speed.
    fsync: Literal["everysec", "always"] = "everysec"
    # Seconds to wait for a query before giving up (analytics set their own, longer ones).
    query_timeout_s: float = 60.0
    # Where this installation runs. "development" accepts the built-in development API keys below
    # (and says so at start-up); any other value refuses to start the API with them.
    environment: Literal["development", "production"] = "development"
    # API keys and their roles, "key:role" separated by commas (roles: investigator, analyst,
    # public). The default holds development-only placeholder keys: set your own outside development.
    api_keys: str = Field(default=DEV_API_KEYS, repr=False)
    # Seconds the API keeps a whole-graph red-flag run before computing it again.
    flags_cache_s: float = 600.0
    # Whether every audit line is fsynced before the response leaves (off only for benchmarks).
    audit_fsync: bool = True

    @property
    def work_dir(self) -> Path:
        """The files kept beside one graph: its raw rows, rejects and resolution state. One folder
        per graph, so that two graphs in one data dir never read each other's rows. The default
        graph of a data dir written before that keeps its files where they are (the data dir)."""
        own = self.data_dir / "graphs" / self.graph_name
        legacy = self.graph_name == DEFAULT_GRAPH and (self.data_dir / "records").is_dir()
        return self.data_dir if legacy and not own.exists() else own


def get_settings() -> Settings:
    return Settings()
