"""Neo4j 5 engine through the official driver: reads routed to readers, transient errors retried."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.base import Engine, Health, Row, WriteSummary
from engine.cypher import Cypher
from graph_model.ddl import Statement, neo4j_ddl
from jejak.errors import EngineUnavailable, QueryError

# Cypher this engine sends on its own. Neo4j only, so kept out of the portable registry; the Neo4j
# lint test checks every entry of QUERIES (add any new literal query here).
HEALTH = Cypher("engine.neo4j.health", "CALL dbms.components() YIELD name, versions RETURN name, versions")
# Deleting in batches of 10,000 keeps a large graph's delete within the transaction memory limit.
CLEAR = Cypher("engine.neo4j.clear", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
QUERIES = {q.name: q for q in (HEALTH, CLEAR)}


def _one_line(exc: object) -> str:
    """The driver's message, which may span lines, as the one line a JejakError promises."""
    return " ".join(str(exc).split())


class Neo4jEngine(Engine):
    name = "neo4j"
    dialect = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str | None, display_url: str) -> None:
        import logging

        import neo4j  # only this engine needs the driver

        # The driver logs connection failures itself; we raise one clear error instead.
        logging.getLogger("neo4j").setLevel(logging.CRITICAL)
        from neo4j import exceptions as nx

        self._neo4j = neo4j
        self._nx = nx
        self.url = display_url
        self.database = database or None
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=(user, password), connection_timeout=5)
            self._driver.verify_connectivity()
        except nx.AuthError:
            raise EngineUnavailable(f"Neo4j at {display_url} refused the credentials for user {user!r}") from None
        except (nx.ServiceUnavailable, OSError) as exc:
            raise EngineUnavailable(
                f"cannot reach Neo4j at {display_url} (is it running and listening there?): {_one_line(exc)}"
            ) from None
        except nx.ConfigurationError as exc:
            raise EngineUnavailable(f"bad Neo4j URL {display_url}: {_one_line(exc)}") from None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver exceptions to the domain errors every layer above understands."""
        nx = self._nx
        try:
            yield
        except nx.ServiceUnavailable as exc:
            raise EngineUnavailable(f"lost Neo4j at {self.url}: {_one_line(exc)}") from None
        except nx.Neo4jError as exc:
            raise QueryError(f"Neo4j rejected the query: {_one_line(exc.message or exc)}") from None

    def _execute(
        self, query: str | Cypher, params: dict[str, Any] | None, read: bool, timeout_s: float | None = None
    ) -> Any:
        query = self.text(query)
        routing = self._neo4j.RoutingControl.READ if read else self._neo4j.RoutingControl.WRITE
        with self._errors():
            # execute_query runs in a managed transaction: transient errors and leader switches
            # in a cluster are retried by the driver.
            return self._driver.execute_query(
                self._neo4j.Query(query, timeout=timeout_s) if timeout_s else query,
                params or {},
                routing_=routing,
                database_=self.database,
            )

    @staticmethod
    def _plain(value: Any) -> Any:
        from neo4j.graph import Node, Path, Relationship

        if isinstance(value, Node):
            return {**dict(value), "_labels": sorted(value.labels)}
        if isinstance(value, Relationship):
            return {**dict(value), "_type": value.type}
        if isinstance(value, Path):
            return {
                "nodes": [Neo4jEngine._plain(n) for n in value.nodes],
                "relationships": [Neo4jEngine._plain(r) for r in value.relationships],
            }
        if isinstance(value, list):
            return [Neo4jEngine._plain(v) for v in value]
        if isinstance(value, dict):
            return {k: Neo4jEngine._plain(v) for k, v in value.items()}
        return value

    def _rows(self, records: Any) -> list[Row]:
        return [{k: self._plain(v) for k, v in rec.items()} for rec in records]

    def read(
        self, query: str | Cypher, params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> list[Row]:
        records, _, _ = self._execute(query, params, True, timeout_s)
        return self._rows(records)

    def read_parallelism(self) -> int:
        # Neo4j runs each transaction on a worker thread of its own and the driver pools connections;
        # the server's cores are not visible from here, so a modest fixed figure
        return 4

    def write(self, query: str | Cypher, params: dict[str, Any] | None = None) -> tuple[list[Row], WriteSummary]:
        records, summary, _ = self._execute(query, params, False)
        c = summary.counters
        return self._rows(records), WriteSummary(
            nodes_created=c.nodes_created,
            nodes_deleted=c.nodes_deleted,
            relationships_created=c.relationships_created,
            relationships_deleted=c.relationships_deleted,
            properties_set=c.properties_set,
            # the server's time to the first record plus the time to consume them all (ms)
            server_s=((summary.result_available_after or 0) + (summary.result_consumed_after or 0)) / 1000,
        )

    def apply_schema(self) -> list[Statement]:
        statements = neo4j_ddl()
        for st in statements:  # IF NOT EXISTS makes each one idempotent
            self.write(st.text)
        return statements

    def health(self) -> Health:
        try:
            rows = self.read(HEALTH)
        except (EngineUnavailable, QueryError) as exc:
            return Health(self.name, self.url, ok=False, detail={"error": str(exc)})
        version = ", ".join(f"{r['name']} {r['versions'][0]}" for r in rows)
        return Health(self.name, self.url, ok=True, version=version)

    def clear(self) -> None:
        # CALL { } IN TRANSACTIONS commits its own inner transactions, so Neo4j accepts it only in
        # an implicit (auto-commit) transaction: session.run, not execute_query's managed one.
        with self._errors(), self._driver.session(database=self.database) as session:
            session.run(self.text(CLEAR)).consume()

    def close(self) -> None:
        self._driver.close()
