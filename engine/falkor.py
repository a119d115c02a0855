"""FalkorDB engine: the embedded server (default) or a ``falkordb://host:port`` server, same code."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pandas as pd
import redis
from falkordb import Edge, FalkorDB, Node, Path

from engine.base import Engine, Health, Row, WriteSummary, wait_until
from engine.cypher import Cypher
from engine.embedded import ServerFiles, start_lock, stop_server
from engine.falkor_literals import row_literals
from graph_model.ddl import Statement, falkordb_ddl
from jejak.errors import EngineUnavailable, QueryError

_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Engine objects to plain Python, so nothing above the seam sees driver types."""
    if type(value) in _SCALARS:  # most values: one test instead of five
        return value
    if isinstance(value, Node):
        return {**value.properties, "_labels": list(value.labels or [])}
    if isinstance(value, Edge):
        return {**value.properties, "_type": value.relation}
    if isinstance(value, Path):
        return {"nodes": [_plain(n) for n in value.nodes()], "relationships": [_plain(e) for e in value.edges()]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# A log grown past this since its snapshot is compacted when the last engine leaves: queries replay
# without indexes (``compact``), while a few small writes (a decision) replay in moments.
COMPACT_ABOVE_BYTES = 64 * 1024


class FalkorEngine(Engine):
    name = "falkordb"
    dialect = "falkordb"

    def __init__(
        self,
        graph_name: str,
        *,
        files: ServerFiles | None = None,
        host: str = "127.0.0.1",
        port: int = 6379,
        password: str | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.files = files
        self.graph_name = graph_name
        self._host, self._port, self._password = host, port, password
        self.timeout_s = timeout_s
        self.url = f"embedded:{files.data_dir}" if files is not None else f"falkordb://{host}:{port}"
        self._client_name = ""
        if files is not None:
            self.name = "falkordb-embedded"
        try:
            if files is not None:
                # every connection of this engine carries one name, so that close() can tell this
                # engine's pooled connections (parallel reads open several) from other processes'
                self._client_name = f"jejak-{os.getpid()}-{id(self):x}"
                self._db = FalkorDB(
                    unix_socket_path=str(files.socket), socket_timeout=None, client_name=self._client_name
                )
            else:
                self._db = FalkorDB(host=host, port=port, password=password, socket_connect_timeout=5)
            self._graph = self._db.select_graph(graph_name)
            self._connection = self._db.connection
            self._connection.ping()
            self._discard_interrupted_bulk()
            self._ensure_graph()
            self._wait_for_indexes()
        except redis.AuthenticationError:
            raise EngineUnavailable(f"FalkorDB at {self.url} refused the password") from None
        except (redis.ConnectionError, OSError) as exc:
            raise EngineUnavailable(f"cannot reach FalkorDB at {self.url}: {exc}") from None

    # -- queries ---------------------------------------------------------------------------------
    def _run(self, query: str | Cypher, params: dict[str, Any] | None, read_only: bool, timeout_s: float | None) -> Any:
        timeout_ms = int((timeout_s or self.timeout_s) * 1000)
        query = self.text(query)
        try:
            if read_only:
                return self._graph.ro_query(query, params, timeout=timeout_ms)
            return self._graph.query(query, params, timeout=timeout_ms)
        except redis.ResponseError as exc:
            raise QueryError(f"FalkorDB rejected the query: {exc}") from None
        except (redis.ConnectionError, OSError) as exc:
            raise EngineUnavailable(f"lost FalkorDB at {self.url}: {exc}") from None

    @staticmethod
    def _rows(result: Any) -> list[Row]:
        names = [h[1] for h in result.header]
        return [dict(zip(names, (_plain(v) for v in rec), strict=True)) for rec in result.result_set]

    def read(
        self, query: str | Cypher, params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> list[Row]:
        return self._rows(self._run(query, params, True, timeout_s))

    def write(self, query: str | Cypher, params: dict[str, Any] | None = None) -> tuple[list[Row], WriteSummary]:
        result = self._run(query, params, False, None)
        summary = WriteSummary(
            nodes_created=int(result.nodes_created),
            nodes_deleted=int(result.nodes_deleted),
            relationships_created=int(result.relationships_created),
            relationships_deleted=int(result.relationships_deleted),
            properties_set=int(result.properties_set),
            server_s=float(result.run_time_ms) / 1000,
        )
        return self._rows(result), summary

    def write_table(
        self, query: str | Cypher, table: pd.DataFrame, keys: tuple[str, ...], with_props: bool, batch_size: int
    ) -> WriteSummary:
        # The parameter text is built column-wise (``engine.falkor_literals``), not value by value
        # by the client: the same text at a third of the cost.
        rows = row_literals(table, keys, with_props)
        if rows is None:
            return super().write_table(query, table, keys, with_props, batch_size)
        text = self.text(query)
        total = WriteSummary()
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            _, summary = self.write("CYPHER rows=[" + ",".join(chunk) + "] " + text)
            summary.rows = len(chunk)
            total.add(summary)
        return total

    def read_parallelism(self) -> int:
        # FalkorDB runs each read query on one thread of a pool of THREAD_COUNT (default: the cores)
        try:
            _, value = self._connection.execute_command("GRAPH.CONFIG", "GET", "THREAD_COUNT")
            return max(1, int(value))
        except (redis.ResponseError, ValueError, TypeError):
            return 1

    # -- schema ----------------------------------------------------------------------------------
    def _existing_indexes(self) -> set[tuple[str, str, str]]:
        try:
            rows = self.read("CALL db.indexes() YIELD label, properties, types RETURN label, properties, types")
        except QueryError:
            return set()  # a graph that does not exist yet has no indexes
        out = set()
        for row in rows:
            types = row["types"] or {}
            for prop in row["properties"]:
                for kind in types.get(prop, []):
                    out.add(
                        (row["label"], prop, {"RANGE": "range_index", "FULLTEXT": "fulltext_index"}.get(kind, kind))
                    )
        return out

    def apply_schema(self) -> list[Statement]:
        indexes = self._existing_indexes()
        applied = []
        for st in falkordb_ddl():
            if all((st.label, p, st.kind) in indexes for p in st.properties):
                continue
            self.write(st.text)
            applied.append(st)
        return applied

    # -- bulk path -------------------------------------------------------------------------------
    supports_bulk = True

    def _bulk_marker(self) -> str:
        return f"jejak:bulk-in-progress:{self.graph_name}"

    def _discard_interrupted_bulk(self) -> None:
        """A bulk load killed half-way leaves a partial graph that the append-only log never saw
        (GRAPH.BULK is not logged); writing on top of it would make the log unreplayable. Its
        marker key says so: drop the partial graph, and the next load starts from empty."""
        if self._connection.exists(self._bulk_marker()):
            self.drop()
            self._connection.delete(self._bulk_marker())

    def bulk_create(
        self,
        nodes: dict[str, pd.DataFrame],
        edges: dict[tuple[str, str, str], pd.DataFrame],
        on_entities: Callable[[int], None] | None = None,
    ) -> WriteSummary:
        """Build the whole (empty) graph with ``GRAPH.BULK``, then persist and index it.

        GRAPH.BULK is not written to the append-only log, so the log is rewritten (a full
        snapshot) straight after it and before any other write touches the graph; otherwise a
        restart would replay later writes onto a graph it never saw. A marker key brackets the
        whole operation so that an interrupted bulk load is discarded, never built upon.
        """
        from engine import falkor_bulk

        positions: dict[str, pd.Index] = {}
        offsets: dict[str, int] = {}
        offset = 0
        for label, table in nodes.items():
            positions[label] = pd.Index(table["id"])
            offsets[label] = offset
            offset += len(table)

        def tokens() -> Iterator[falkor_bulk.Token]:
            for label, table in nodes.items():
                yield from falkor_bulk.node_tokens(label, table)
            for (from_label, rel_type, to_label), table in edges.items():
                src = positions[from_label].get_indexer(table["a"]) if from_label in positions else None
                dst = positions[to_label].get_indexer(table["b"]) if to_label in positions else None
                if src is None or dst is None:
                    continue
                keep = (src >= 0) & (dst >= 0)  # an endpoint that no row created: no edge, as MERGE would
                props = table.drop(columns=["a", "b"]).loc[keep] if table.shape[1] > 2 else None
                yield from falkor_bulk.edge_tokens(
                    rel_type, src[keep] + offsets[from_label], dst[keep] + offsets[to_label], props
                )

        if not self.is_empty():
            raise QueryError(f"the bulk path only builds an empty graph; {self.graph_name!r} holds data")
        self._connection.set(self._bulk_marker(), "1")
        self.drop()  # GRAPH.BULK creates the key itself
        with self._no_automatic_log_rewrites():  # until ours has run: the grown log would start one at once
            try:
                created_nodes, created_edges = falkor_bulk.send(
                    self._connection, self.graph_name, tokens(), on_entities
                )
            except redis.ResponseError as exc:
                self._discard_interrupted_bulk()
                self._ensure_graph()
                raise QueryError(f"FalkorDB bulk load failed: {exc}") from None
            self._graph = self._db.select_graph(self.graph_name)
            self._persist_snapshot()
        self.apply_schema()
        self._wait_for_indexes()
        self._connection.delete(self._bulk_marker())
        return WriteSummary(nodes_created=created_nodes, relationships_created=created_edges)

    @contextmanager
    def _no_automatic_log_rewrites(self) -> Iterator[None]:
        """GRAPH.BULK grows the append-only log, and the server rewrites the log each time it has
        doubled: at national scale five or more full snapshots (forks of a multi-GB process) that
        the final rewrite makes useless. Switch that off while the graph is built, where the
        server lets us (a shared server may refuse CONFIG)."""
        try:
            before = self._connection.config_get("auto-aof-rewrite-percentage").get("auto-aof-rewrite-percentage")
            if before is not None:  # only switch off what can be switched back on
                self._connection.config_set("auto-aof-rewrite-percentage", 0)
        except redis.ResponseError:
            before = None
        try:
            yield
        finally:
            if before is not None:
                self._connection.config_set("auto-aof-rewrite-percentage", before)

    def compact(self) -> None:
        """The embedded server's append-only log records writes as queries, and a start replays
        them before the indexes are back: each id look-up scans its label. One 5,000-row write took
        0.06 s and 95 s to replay on 200,000 nodes; the 0.9 GB a full resolution of 1 M workers
        logged had not replayed after 40 minutes. Rewritten into a snapshot (8.5 s at 1 M workers), it
        loads in about a minute there (13 s, then the server rebuilds its indexes).
        The last engine out of the embedded server compacts a grown log (``close``). A shared
        server (``falkordb://``) keeps its operator's persistence policy."""
        if self.files is not None:
            self._persist_snapshot()

    def _persist_snapshot(self, timeout_s: float = 3600.0) -> None:
        """Rewrite the append-only log (or, without one, save a snapshot) and wait for it.

        A rewrite the server started on its own may be running; it may predate the bulk-built
        graph, so it is waited out and ours still runs (the server refuses a second one meanwhile).
        """
        info = self._connection.info("persistence")
        aof = bool(info.get("aof_enabled"))
        before = info.get("aof_last_bgrewrite_status" if aof else "rdb_last_bgsave_status")

        def finished() -> bool:
            now = self._connection.info("persistence")
            if aof:
                return not now.get("aof_rewrite_in_progress") and not now.get("aof_rewrite_scheduled")
            return not now.get("rdb_bgsave_in_progress")

        for attempt in range(5):
            wait_until(finished, timeout_s, 0.02)
            try:
                if aof:
                    self._connection.bgrewriteaof()
                else:
                    self._connection.bgsave()
                break
            except redis.ResponseError as exc:  # one began between our look and our request
                if "in progress" not in str(exc) or attempt == 4:
                    raise EngineUnavailable(f"FalkorDB could not persist the graph: {exc}") from None
        wait_until(finished, timeout_s, 0.02)
        status = self._connection.info("persistence").get(
            "aof_last_bgrewrite_status" if aof else "rdb_last_bgsave_status"
        )
        if status != "ok":
            raise EngineUnavailable(f"FalkorDB could not persist the graph (status {status}, before {before})")

    # -- admin -----------------------------------------------------------------------------------
    def health(self) -> Health:
        try:
            info = self._connection.info("server")
            memory = self._connection.info("memory")
            modules = self._connection.execute_command("MODULE", "LIST")
        except (redis.ConnectionError, OSError) as exc:
            return Health(self.name, self.url, ok=False, detail={"error": str(exc)})
        version = ""
        for mod in modules:
            fields = dict(zip(mod[::2], mod[1::2], strict=False)) if isinstance(mod, list) else mod
            if fields.get("name") == "graph":
                version = str(fields.get("ver"))
        return Health(
            self.name,
            self.url,
            ok=True,
            version=f"FalkorDB module {version}, server {info.get('redis_version')}",
            detail={"used_memory": memory.get("used_memory"), "rss": memory.get("used_memory_rss")},
        )

    def _ensure_graph(self) -> None:
        """Create the graph key if it does not exist yet, in a way the append-only log records.

        FalkorDB refuses reads on a missing graph key (Neo4j reads an empty database as empty).
        A read-only query such as ``RETURN 1`` would create the key without logging anything; a
        later ``GRAPH.DELETE`` of it then fails on replay and crashes the server (seen here with
        FalkorDB 4.22). Creating and deleting a node writes effects that replay faithfully.
        """
        if not self._connection.exists(self.graph_name):
            self._graph.query("CREATE (n:Source {id: '__jejak_init'}) DELETE n")

    def _wait_for_indexes(self, timeout_s: float = 600.0) -> None:
        """Block until every index is operational.

        After a restart FalkorDB rebuilds its indexes in the background, and until then queries
        silently fall back to full scans (seen here: 1,000 id lookups took 5 s instead of 5 ms).
        """

        def ready() -> bool:
            rows = self.read("CALL db.indexes() YIELD status RETURN status")
            return all(r["status"] == "OPERATIONAL" for r in rows)

        if not wait_until(ready, timeout_s, 0.02):
            raise EngineUnavailable(f"FalkorDB at {self.url} is still building its indexes after {timeout_s:.0f} s")

    def clear(self) -> None:
        self.drop()
        self._ensure_graph()

    def drop(self) -> None:
        """Delete the graph key itself, and compact the append-only log straight away.

        Replaying a logged graph deletion (DEL or GRAPH.DELETE) deadlocked or crashed FalkorDB
        4.22 here while it loaded the log; rewriting the log leaves no deletion to replay.
        """
        if self._connection.exists(self.graph_name):
            self._connection.delete(self.graph_name)
            self._persist_snapshot()
        # The client caches the graph's label and property names: a new graph needs a new cache.
        self._graph = self._db.select_graph(self.graph_name)

    def close(self) -> None:
        files = self.files
        if files is None:
            with suppress(redis.ConnectionError, OSError):
                self._db.close()
            return
        # Closers and starters take turns on the start lock: two processes leaving together cannot
        # each count the other and leave the server running, and nobody attaches to a stopping one.
        with start_lock(files):
            try:
                last = _other_clients(self._connection, self._client_name) == 0
                if last and self._logged_since_snapshot() > COMPACT_ABOVE_BYTES:
                    with suppress(EngineUnavailable):  # the log is still whole, only slow to replay
                        self.compact()
                self._db.close()
            except (redis.ConnectionError, OSError):
                return
            if last:
                stop_server(files)
            else:  # the next closer must not count us: wait until the server has let us go
                wait_until(lambda: not _connected(files, self._client_name), 5.0, 0.01)

    def _logged_since_snapshot(self) -> int:
        """Bytes of queries in the append-only log after its snapshot part."""
        info = self._connection.info("persistence")
        return int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0))


def _connected(files: ServerFiles, name: str) -> bool:
    """Whether a client named ``name`` is still connected to the server (a probe of its own)."""
    with suppress(redis.ConnectionError, OSError):
        probe = redis.Redis(unix_socket_path=str(files.socket), socket_timeout=5)
        try:
            return any(client.get("name") == name for client in probe.client_list())
        finally:
            probe.close()
    return False


def _other_clients(conn: Any, own_name: str) -> int:
    try:
        return sum(1 for client in conn.client_list() if client.get("name") != own_name)
    except (redis.ConnectionError, OSError):
        return 0
