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


def neo4j_ddl(schema: Schema = SCHEMA) -> list[Statement]:
    out: list[Statement] = []
    for node in schema.nodes.values():
        name = _snake(node.label)
        out.append(
            Statement(
                "unique",
                node.label,
                ("id",),
                f"CREATE CONSTRAINT {name}_id IF NOT EXISTS FOR (n:{node.label}) REQUIRE n.id IS UNIQUE",
            )
        )
        for prop in node.index:
            out.append(
                Statement(
                    "range_index",
                    node.label,
                    (prop,),
                    f"CREATE INDEX {name}_{prop} IF NOT EXISTS FOR (n:{node.label}) ON (n.{prop})",
                )
            )
        if node.fulltext:
            fields = ", ".join(f"n.{p}" for p in node.fulltext)
            out.append(
                Statement(
                    "fulltext_index",
                    node.label,
                    node.fulltext,
                    f"CREATE FULLTEXT INDEX {name}_fulltext IF NOT EXISTS FOR (n:{node.label}) ON EACH [{fields}]",
                )
            )
    return out


def falkordb_ddl(schema: Schema = SCHEMA) -> list[Statement]:
    out: list[Statement] = []
    for node in schema.nodes.values():
        for prop in ("id", *node.index):
            out.append(
                Statement(
                    "range_index",
                    node.label,
                    (prop,),
                    f"CREATE INDEX FOR (n:{node.label}) ON (n.{prop})",
                )
            )
        # No GRAPH.CONSTRAINT here, on purpose: FalkorDB 4.22 re-validates unique constraints
        # in the background after every restart and writes that work to the append-only log as
        # effects, interleaved with other graphs' writes; replaying such a log crashed the server
        # or refused to start it (seen here). Ids stay unique because every write MERGEs on
        # ``id`` (indexed above); Neo4j, which has no such problem, gets real constraints.
        if node.fulltext:
            fields = ", ".join(f"n.{p}" for p in node.fulltext)
            out.append(
                Statement(
                    "fulltext_index",
                    node.label,
                    node.fulltext,
                    f"CREATE FULLTEXT INDEX FOR (n:{node.label}) ON ({fields})",
                )
            )
    return out
