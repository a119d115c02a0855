"""Every Cypher text the Neo4j dialect can send passes Neo4j's own linter, with no Neo4j running.

The texts: the generated Neo4j DDL, the Neo4j variant of every named query in the registry, and
the queries the Neo4j engine sends itself. Clean means no error and no warning: warnings catch
labels, relationship types and properties the schema does not have, patterns the schema does not
allow, and deprecated syntax.
"""

from __future__ import annotations

import shutil

import pytest

from engine import neo4j_engine
from engine.cypher import all_cypher
from engine.lint import lint_neo4j, parameter_names
from graph_model.ddl import neo4j_ddl

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js ('node') is not installed")


def neo4j_texts() -> dict[str, str]:
    texts = {f"ddl {st.kind} {st.label}({', '.join(st.properties)})": st.text for st in neo4j_ddl()}
    texts |= {name: q.for_dialect("neo4j") for name, q in all_cypher().items()}
    texts |= {name: q.for_dialect("neo4j") for name, q in neo4j_engine.QUERIES.items()}
    return texts


def test_every_neo4j_text_lints_clean() -> None:
    texts = neo4j_texts()
    # The DDL and the engine's own queries are there at least; the registry grows with the product.
    assert len(texts) >= len(neo4j_ddl()) + len(neo4j_engine.QUERIES)
    results = lint_neo4j(texts)
    problems = [
        f"{name}: {diag}\n    {texts[name].splitlines()[diag.line - 1].strip() if texts[name] else ''}"
        for name, diagnostics in results.items()
        for diag in diagnostics
        if diag.severity in ("error", "warning")
    ]
    assert not problems, f"{len(problems)} Neo4j lint problem(s):\n" + "\n".join(problems)


def test_the_linter_flags_bad_queries() -> None:
    """The clean result above means something: broken queries really are reported."""
    results = lint_neo4j(
        {
            "syntax": "MATC (w:Worker) RETURN w",
            "unknown label": "MATCH (w:Wroker) RETURN w.id",
            "unknown property": "MATCH (w:Worker) RETURN w.nmae",
            "unknown relationship": "MATCH (w:Worker)-[:WORKS_FOR]->(a:Agency) RETURN a.id",
            "wrong direction": "MATCH (p:Placement)-[:HAS_PLACEMENT]->(w:Worker) RETURN w.id",
            "plugin not installed": "RETURN apoc.text.join(['a', 'b'], ',') AS s",
            "misspelt procedure": "CALL db.index.fulltext.queryNode('worker_fulltext', $q) YIELD node RETURN node",
            "clean": "MATCH (w:Worker {id: $id})-[:HAS_PLACEMENT]->(p:Placement) RETURN p.departure_date",
        }
    )
    assert results["syntax"][0].severity == "error"
    assert "Wroker" in results["unknown label"][0].message
    assert "nmae" in results["unknown property"][0].message
    assert any("WORKS_FOR" in d.message for d in results["unknown relationship"])
    assert any(d.severity == "warning" for d in results["wrong direction"])
    assert "apoc.text.join" in results["plugin not installed"][0].message
    assert "db.index.fulltext.queryNode" in results["misspelt procedure"][0].message
    assert results["clean"] == []  # $id got a placeholder value: no "parameter not defined"


def test_parameters_are_found_in_the_text() -> None:
    text = "UNWIND $rows AS row MATCH (w:Worker {id: row.id}) WHERE w.nik IN $`nik list` RETURN w LIMIT $limit"
    assert parameter_names(text) == ["limit", "nik list", "rows"]
