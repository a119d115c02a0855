"""The engine seam: the one interface every layer above talks to. Nothing above imports a driver."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from engine.cypher import Cypher
from graph_model.ddl import Statement

if TYPE_CHECKING:
    import pandas as pd

Row = dict[str, Any]


@dataclass
class WriteSummary:
    """What a write changed, added up over batches."""

    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    rows: int = 0
    server_s: float = 0.0  # execution time the engine reports for these writes (0 where it reports none)

    def add(self, other: WriteSummary) -> WriteSummary:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


@dataclass
class Health:
    engine: str
    url: str
    ok: bool
    version: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def batched[T](rows: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class Engine(ABC):
    """A graph store that speaks Cypher.

    Every value travels as a ``$parameter``; query text comes from ``queries/`` or the schema.
    """

    name: str
    dialect: str  # "falkordb" or "neo4j": picks a Cypher's per-engine text
    url: str  # for display: never carries a password

    def text(self, query: str | Cypher) -> str:
        return query.for_dialect(self.dialect) if isinstance(query, Cypher) else query

    def read_parallelism(self) -> int:
        """How many independent read queries are worth running at once (the server's query threads):
        whole-graph work such as the red-flag rules splits across them. ``read`` is thread-safe."""
        return 1

    @abstractmethod
    def read(
        self, query: str | Cypher, params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> list[Row]:
        """Run a read-only query (routed to a reader on a cluster) and return its rows as dicts."""

    @abstractmethod
    def write(self, query: str | Cypher, params: dict[str, Any] | None = None) -> tuple[list[Row], WriteSummary]:
        """Run one write query atomically."""

    def write_batches(
        self,
        query: str | Cypher,
        rows: Iterable[Row],
        batch_size: int = 5000,
        extra: dict[str, Any] | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> WriteSummary:
        """Send ``rows`` through a query that starts with ``UNWIND $rows AS row``.

        Each batch is one atomic query: a batch is written whole or not at all.
        """
        total = WriteSummary()
        for chunk in batched(rows, batch_size):
            _, summary = self.write(query, {**(extra or {}), "rows": chunk})
            summary.rows = len(chunk)
            total.add(summary)
            if on_batch:
                on_batch(len(chunk))
        return total

    def write_table(
        self, query: str | Cypher, table: pd.DataFrame, keys: tuple[str, ...], with_props: bool, batch_size: int
    ) -> WriteSummary:
        """Send a table through a query that starts with ``UNWIND $rows AS r``: the ``keys`` columns
        are fields of each row, the other non-null columns go under ``props`` (present, maybe empty,
        whenever ``with_props``: ``SET x += null`` is an error)."""
        return self.write_batches(query, table_rows(table, keys, with_props), batch_size)

    @abstractmethod
    def apply_schema(self) -> list[Statement]:
        """Create the schema's indexes and constraints; idempotent. Returns what was created."""

    # The bulk path: engines that can build a whole graph faster than MERGE batches say so.
    supports_bulk = False

    def is_empty(self) -> bool:
        return not self.read("MATCH (n) RETURN n.id AS id LIMIT 1")

    def bulk_create(
        self,
        nodes: dict[str, Any],
        edges: dict[tuple[str, str, str], Any],
        on_entities: Callable[[int], None] | None = None,
    ) -> WriteSummary:
        """Create a whole graph from node tables (``id`` + properties, per label) and edge tables
        (``a``, ``b`` + properties, per (from, type, to)); only on an empty graph."""
        raise NotImplementedError(f"{self.name} has no bulk path")

    def compact(self) -> None:
        """Store the graph as it is now, so that reopening it reads a snapshot rather than replaying
        the writes that made it: worth it after rewriting much of the graph (a full resolution).
        By default nothing: a server persists by its own policy."""
        return None

    @abstractmethod
    def health(self) -> Health:
        """Answer whether the store is reachable, with its version."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship of this graph (tests and ``jejak init --reset``)."""

    def drop(self) -> None:
        """Delete the graph itself (tests' throw-away graphs); by default, empty it."""
        self.clear()

    @abstractmethod
    def close(self) -> None:
        """Release connections (and stop an embedded server no one else uses)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def table_rows(table: pd.DataFrame, keys: tuple[str, ...], with_props: bool) -> list[dict[str, Any]]:
    """A table as parameter rows (see ``Engine.write_table``)."""
    import pyarrow as pa

    out = []
    for rec in pa.Table.from_pandas(table, preserve_index=False).to_pylist():
        row = {k: rec.pop(k) for k in keys}
        if with_props:
            row["props"] = {k: v for k, v in rec.items() if v is not None}
        out.append(row)
    return out
