"""Schema DDL for each engine, generated from ``SCHEMA``.

Labels and property names come only from the schema, never from user input, so building the
statement text here is safe; values are never part of DDL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graph_model.schema import SCHEMA, Schema


@dataclass(frozen=True)
class Statement:
    """One DDL step. ``kind`` says how the engine must send it.

    - ``range_index``, ``fulltext_index``: Cypher text;
    - ``unique``: a uniqueness constraint (Neo4j only; see ``falkordb_ddl`` for why).
    """

    kind: Literal["range_index", "fulltext_index", "unique"]
    label: str
    properties: tuple[str, ...]
    text: str


def _snake(label: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in label).lstrip("_")


# DDL templates. Only schema names fill them (labels, property and index names), never values.
NEO4J_UNIQUE = "CREATE CONSTRAINT {name}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
NEO4J_INDEX = "CREATE INDEX {name}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
NEO4J_FULLTEXT = "CREATE FULLTEXT INDEX {name}_fulltext IF NOT EXISTS FOR (n:{label}) ON EACH [{fields}]"
FALKORDB_INDEX = "CREATE INDEX FOR (n:{label}) ON (n.{prop})"
FALKORDB_FULLTEXT = "CREATE FULLTEXT INDEX FOR (n:{label}) ON ({fields})"


def _fields(props: tuple[str, ...]) -> str:
    return ", ".join("n." + p for p in props)


def neo4j_ddl(schema: Schema = SCHEMA) -> list[Statement]:
    out: list[Statement] = []
    for node in schema.nodes.values():
        name, label = _snake(node.label), node.label
        out.append(Statement("unique", label, ("id",), NEO4J_UNIQUE.format(name=name, label=label)))
        for prop in node.index:
            out.append(Statement("range_index", label, (prop,), NEO4J_INDEX.format(name=name, label=label, prop=prop)))
        if node.fulltext:
            text = NEO4J_FULLTEXT.format(name=name, label=label, fields=_fields(node.fulltext))
            out.append(Statement("fulltext_index", label, node.fulltext, text))
    return out


def falkordb_ddl(schema: Schema = SCHEMA) -> list[Statement]:
    out: list[Statement] = []
    for node in schema.nodes.values():
        label = node.label
        for prop in ("id", *node.index):
            out.append(Statement("range_index", label, (prop,), FALKORDB_INDEX.format(label=label, prop=prop)))
        # No GRAPH.CONSTRAINT here, on purpose: FalkorDB 4.22 re-validates unique constraints
        # in the background after every restart and writes that work to the append-only log as
        # effects, interleaved with other graphs' writes; replaying such a log crashed the server
        # or refused to start it (seen here). Ids stay unique because every write MERGEs on
        # ``id`` (indexed above); Neo4j, which has no such problem, gets real constraints.
        if node.fulltext:
            text = FALKORDB_FULLTEXT.format(label=label, fields=_fields(node.fulltext))
            out.append(Statement("fulltext_index", label, node.fulltext, text))
    return out
