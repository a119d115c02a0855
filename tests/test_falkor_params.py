"""Parameters reach FalkorDB unchanged: its client sends them as Cypher literals in front of the
query, so quotes, backslashes, control characters and non-Latin text must survive that encoding."""

from __future__ import annotations

import pandas as pd
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


def _table() -> pd.DataFrame:
    strings = [v for v in VALUES if isinstance(v, str)]
    n = len(strings)
    return pd.DataFrame(
        {
            "id": [f"W-{i}" for i in range(n)],
            "name": strings,
            "age": pd.array([i if i % 3 else None for i in range(n)], dtype="Int64"),
            "score": [2.0, -0.001, float("nan"), 1e-7, 3.5, 1e20, 0.1, 7.0][:n],
            "ok": [i % 2 == 0 for i in range(n)],
            "note": [None] * n,
        }
    )


def test_the_column_wise_parameter_text_is_the_clients_own() -> None:
    """The loader's MERGE batches encode their rows column by column (``engine.falkor_literals``);
    the text must be exactly what the FalkorDB client would have built from the same rows."""
    from falkordb.helpers import stringify_param_value

    from engine.base import table_rows
    from engine.falkor_literals import row_literals

    table = _table()
    for keys, with_props in ((("id",), True), (("id", "name"), False), (("id", "name"), True)):
        expected = [stringify_param_value(r) for r in table_rows(table, keys, with_props)]
        assert row_literals(table, keys, with_props) == expected
    assert row_literals(table.assign(tags=[["a"]] * len(table)), ("id",), True) is None  # lists: the client's way


def test_a_table_written_column_wise_reads_back_unchanged(graph: Engine) -> None:
    table = _table()
    graph.write_table("UNWIND $rows AS r MERGE (n:Worker {id: r.id}) SET n += r.props", table, ("id",), True, 3)
    back = graph.read("MATCH (n:Worker) RETURN n.id AS id, n.name AS name, n.age AS age, n.score AS score, n.ok AS ok")
    expected = [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items() if k != "note"}
        for row in table.astype(object).where(table.notna(), None).to_dict("records")
    ]
    assert sorted(back, key=lambda r: r["id"]) == sorted(expected, key=lambda r: r["id"])
    assert all(isinstance(r["score"], float) for r in back if r["score"] is not None)  # 2.0 stays a float
