"""The schema is declared once; everything derived from it stays in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from engine.base import Engine
from graph_model import SCHEMA
from graph_model.ddl import falkordb_ddl, neo4j_ddl
from graph_model.docs import BEGIN, END, schema_markdown
from graph_model.models import MODELS

README = Path(__file__).parents[1] / "README.md"


def test_readme_schema_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert block == schema_markdown(), "README schema table is stale: run `jejak schema --readme README.md`"


def test_every_label_gets_an_indexed_unique_key() -> None:
    assert {st.label for st in neo4j_ddl() if st.kind == "unique"} == set(SCHEMA.labels)
    # FalkorDB: an index on id for every label (uniqueness comes from MERGE on id, see ddl.py).
    assert {st.label for st in falkordb_ddl() if st.kind == "range_index" and st.properties == ("id",)} == set(
        SCHEMA.labels
    )


def test_models_validate_types_and_refuse_unknown_fields() -> None:
    worker = MODELS["Worker"](id="W1", name="SITI AMINAH", birth_date="2001-02-03")
    assert worker.birth_date is not None and worker.birth_date.year == 2001
    with pytest.raises(ValidationError):
        MODELS["Worker"](id="W1", birth_date="not a date")
    with pytest.raises(ValidationError):
        MODELS["Agency"](id="A1", shoe_size=42)


def test_schema_is_applied_idempotently_and_id_lookups_use_the_index(graph: Engine) -> None:
    assert graph.apply_schema() == []  # the fixture applied it already: nothing left to create
    plan = graph._graph.explain("MATCH (a:Agency {id: $id}) RETURN a", {"id": "A1"})  # type: ignore[attr-defined]
    assert "Index Scan" in str(plan)


def test_fulltext_index_finds_names(graph: Engine) -> None:
    graph.write("CREATE (:Agency {id: 'A1', name: 'PT Maju Jaya Abadi'}), (:Agency {id: 'A2', name: 'PT Sinar'})")
    rows = graph.read("CALL db.idx.fulltext.queryNodes('Agency', $q) YIELD node RETURN node.id AS id", {"q": "maju"})
    assert [r["id"] for r in rows] == ["A1"]
