"""Typed settings from the environment and a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JEJAK_", env_file=".env", extra="ignore")

    # Which graph engine to use. Empty or "embedded": the embedded FalkorDB under data_dir.
    # "falkordb://[:password@]host:port": a FalkorDB server. "neo4j://", "neo4j+s://", "bolt://"
    # (user and password in the URL or in neo4j_user / neo4j_password): Neo4j 5.
    graph_url: str = ""
    # Where the embedded engine keeps its files (snapshot, append-only log, socket, pid).
    data_dir: Path = Path("jejak-data")
    # The graph's name: the FalkorDB graph key, or the Neo4j database ("neo4j" when empty).
    graph_name: str = "jejak"
    # Neo4j credentials when the URL carries none.
    neo4j_user: str = "neo4j"
    neo4j_password: str = Field(default="", repr=False)
    # How often the embedded engine fsyncs its append-only log. "everysec" survives a killed
    # process with nothing lost (the data is in the OS page cache) and loses at most one second
    # on power loss; "always" loses nothing even then, at a cost in write speed.
    fsync: Literal["everysec", "always"] = "everysec"
    # Seconds to wait for a query before giving up (analytics set their own, longer ones).
    query_timeout_s: float = 60.0


def get_settings() -> Settings:
    return Settings()
