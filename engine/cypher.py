"""Named Cypher: every query the product sends is declared once, with its dialect variants.

A ``Cypher`` holds the portable text that runs unchanged on FalkorDB and Neo4j; where the two
engines differ (full-text search, shortest paths, index listing) it also holds a per-engine text.
All values travel as ``$parameters``. The registry lets the Neo4j lint test check every text the
Neo4j dialect can send.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

REGISTRY: dict[str, Cypher] = {}

# Packages whose modules declare Cypher; ``all_cypher`` imports them so that the registry is full.
CYPHER_PACKAGES = ("queries", "loaders", "engine", "api", "viz", "analytics", "reports")


@dataclass(frozen=True)
class Cypher:
    name: str
    text: str
    neo4j: str | None = None
    falkordb: str | None = None
    doc: str = ""

    def for_dialect(self, dialect: str) -> str:
        """The text to send to an engine of ``dialect`` ("neo4j" or "falkordb")."""
        if dialect == "neo4j" and self.neo4j is not None:
            return self.neo4j
        if dialect == "falkordb" and self.falkordb is not None:
            return self.falkordb
        return self.text

    def __str__(self) -> str:
        return self.text


def cypher(name: str, text: str, *, neo4j: str | None = None, falkordb: str | None = None, doc: str = "") -> Cypher:
    """Declare and register a named query."""
    if name in REGISTRY and REGISTRY[name].text != text:
        raise ValueError(f"two different queries are named {name!r}")
    q = Cypher(name, text.strip(), neo4j.strip() if neo4j else None, falkordb.strip() if falkordb else None, doc)
    REGISTRY[name] = q
    return q


def all_cypher() -> dict[str, Cypher]:
    """Import every module that may declare Cypher and return the full registry."""
    for package_name in CYPHER_PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ImportError:
            continue
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            importlib.import_module(info.name)
    return dict(REGISTRY)
