"""What every engine promises the layers above it, checked on each engine the same way."""

from __future__ import annotations

import pytest

from engine.base import Engine
from jejak.errors import QueryError

COUNT_WORKERS = "MATCH (w:Worker) RETURN count(w) AS n"
CREATE_WORKERS = "UNWIND $rows AS row CREATE (w:Worker {id: row.id, name: row.name})"


def count_workers(engine: Engine) -> int:
    return engine.read(COUNT_WORKERS)[0]["n"]


def test_apply_schema_is_idempotent(engine: Engine) -> None:
    engine.apply_schema()
    engine.apply_schema()  # a second run changes nothing and does not fail
    engine.write("MERGE (:Worker {id: 'x'})")
    engine.write("MERGE (:Worker {id: 'x'})")
    assert count_workers(engine) == 1


def test_neo4j_refuses_a_duplicate_id(engine: Engine) -> None:
    if engine.dialect == "falkordb":
        pytest.skip(
            "FalkorDB gets no uniqueness constraints (they break its append-only log: "
            "graph_model/ddl.py); ids stay unique because every write MERGEs on id"
        )
    engine.apply_schema()
    engine.write("CREATE (:Worker {id: 'x'})")
    with pytest.raises(QueryError):
        engine.write("CREATE (:Worker {id: 'x'})")
    assert count_workers(engine) == 1
    # The constraint is per label: another label may reuse the id.
    engine.write("CREATE (:Agency {id: 'x'})")


VALUES = {
    "s": "Siti Nurhaliza binti Ahmad, Kab. Cianjur — 'quoted' \"too\"",
    "i": 9_007_199_254_740_993,  # above 2**53: must not go through a float
    "f": 0.1,
    "b": True,
    "strings": ["3203014101900001", "B1234567"],
    "ints": [1, -2, 3],
    "empty": [],
    "z": None,
}


def test_parameters_round_trip_with_their_types(engine: Engine) -> None:
    engine.write("CREATE (:Source {id: 'seed'})")  # a graph with data: see the empty-graph test
    returned = engine.read("RETURN " + ", ".join(f"${k} AS {k}" for k in VALUES), VALUES)[0]
    assert returned == VALUES
    assert type(returned["i"]) is int and type(returned["f"]) is float and type(returned["b"]) is bool


def test_properties_written_are_read_back_unchanged(engine: Engine) -> None:
    stored = {k: v for k, v in VALUES.items() if v not in (None, [])}  # Cypher never stores null or []
    _, summary = engine.write("CREATE (w:Worker {id: 'w1'}) SET w += $props", {"props": stored})
    assert summary.nodes_created == 1
    assert summary.properties_set >= len(stored)
    row = engine.read("MATCH (w:Worker {id: $id}) RETURN w, w.z AS z", {"id": "w1"})[0]
    assert row["z"] is None  # a property never set reads as null
    node = row["w"]
    assert {k: node[k] for k in stored} == stored


def test_write_batches_writes_every_row_and_counts_them(engine: Engine) -> None:
    rows = [{"id": f"W{i:05d}", "name": f"Worker {i}"} for i in range(12_345)]
    batches: list[int] = []
    summary = engine.write_batches(CREATE_WORKERS, rows, batch_size=5000, on_batch=batches.append)
    assert batches == [5000, 5000, 2345]
    assert summary.rows == 12_345
    assert summary.nodes_created == 12_345
    assert summary.server_s > 0  # the engine's own time, which the load benchmark reports
    assert count_workers(engine) == 12_345


def test_a_failing_batch_leaves_nothing_of_itself_behind(engine: Engine) -> None:
    engine.apply_schema()
    good = [{"id": f"ok{i}", "name": "fine"} for i in range(5)]
    # The second batch fails on its last row (a map is no property value), after its first rows
    # were created.
    bad = [{"id": f"bad{i}", "name": "doomed"} for i in range(4)] + [{"id": "bad4", "name": {"not": "a value"}}]
    with pytest.raises(QueryError):
        engine.write_batches(CREATE_WORKERS, good + bad, batch_size=5)
    ids = sorted(r["id"] for r in engine.read("MATCH (w:Worker) RETURN w.id AS id"))
    assert ids == sorted(r["id"] for r in good)


def test_read_returns_plain_dicts(engine: Engine) -> None:
    engine.write("CREATE (w:Worker {id: 'w1', name: 'Ani'})-[:HAS_PLACEMENT]->(p:Placement {id: 'p1', job: 'ART'})")
    row = engine.read(
        "MATCH path = (w:Worker {id: 'w1'})-[r:HAS_PLACEMENT]->(p:Placement) RETURN w, r, p.job AS job, path"
    )[0]
    assert type(row) is dict
    assert type(row["w"]) is dict and row["w"]["_labels"] == ["Worker"]
    assert row["w"]["id"] == "w1" and row["w"]["name"] == "Ani"
    assert type(row["r"]) is dict and row["r"]["_type"] == "HAS_PLACEMENT"
    assert row["job"] == "ART"
    assert [n["id"] for n in row["path"]["nodes"]] == ["w1", "p1"]
    assert [r["_type"] for r in row["path"]["relationships"]] == ["HAS_PLACEMENT"]


def test_a_new_or_cleared_graph_reads_as_empty(engine: Engine) -> None:
    assert count_workers(engine) == 0
    engine.write_batches(CREATE_WORKERS, [{"id": str(i), "name": "x"} for i in range(100)])
    engine.clear()
    assert count_workers(engine) == 0
    assert engine.read("RETURN 1 AS one") == [{"one": 1}]


def test_clear_deletes_everything(engine: Engine) -> None:
    engine.write_batches(CREATE_WORKERS, [{"id": str(i), "name": "x"} for i in range(100)])
    engine.clear()
    engine.write("CREATE (:Source {id: 'after-clear'})")
    assert count_workers(engine) == 0
    assert [r["id"] for r in engine.read("MATCH (n) RETURN n.id AS id")] == ["after-clear"]


def test_a_bad_query_is_a_query_error(engine: Engine) -> None:
    with pytest.raises(QueryError) as info:
        engine.read("MATC (n) RETURN n")
    assert "\n" not in str(info.value).strip()


def test_health_reports_ok_and_a_version(engine: Engine) -> None:
    health = engine.health()
    assert health.ok
    assert health.version
    assert health.engine == engine.name
    assert "password" not in health.url
