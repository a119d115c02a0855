"""Parameters reach FalkorDB unchanged: its client sends them as Cypher literals in front of the
query, so quotes, backslashes, control characters and non-Latin text must survive that encoding."""

from __future__ import annotations

import pytest

from engine.base import Engine

VALUES = [
    "Siti Nurhaliza",
    "",
    "Ñoño Śląsk 北京 🙂",
    'say "hi"',
    "back\\slash",
    "line\nbreak\ttab",
    "a`tick",
    'colon": trick',
    0,
    -42,
    2**53,
    1.5,
    -0.001,
    True,
    False,
    None,
    ["a", 1, None, True],
    [],
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:20] for v in VALUES])
def test_a_value_round_trips(graph: Engine, value: object) -> None:
    rows = graph.read("UNWIND $rows AS r RETURN r.v AS v, r.id AS id", {"rows": [{"id": "x", "v": value}]})
    assert rows == [{"v": value, "id": "x"}]


def test_a_batch_of_maps_is_written_and_read_back(graph: Engine) -> None:
    rows = [{"id": f"W-{i}", "props": {"name": f"Nama {i}", "age": i, "ok": i % 2 == 0}} for i in range(500)]
    graph.write("UNWIND $rows AS r MERGE (n:Worker {id: r.id}) SET n += r.props", {"rows": rows})
    back = graph.read("MATCH (n:Worker) RETURN n.id AS id, n.name AS name, n.age AS age, n.ok AS ok ORDER BY n.age")
    assert back == [{"id": r["id"], **r["props"]} for r in rows]
