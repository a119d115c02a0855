"""Check Cypher with Neo4j's own linter, so Neo4j-dialect text is verified without a Neo4j server.

The linter is the npm package ``@neo4j-cypher/language-support`` (pinned in
``tools/cypher-lint/package.json``), driven by ``tools/cypher-lint/lint.mjs``. All queries go to
one ``node`` process: starting node and loading the parser costs about a second, linting a query
a few milliseconds. Labels, relationship types, property keys and the allowed
``(from)-[type]->(to)`` triples come from ``graph_model.SCHEMA``, so a typo or a pattern the schema
does not allow is reported.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_model.schema import SCHEMA, Schema

LINT_DIR = Path(__file__).resolve().parent.parent / "tools" / "cypher-lint"
PACKAGE_DIR = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support"

# $name or $`name`; a "$" inside a string literal may add a spare parameter, which is harmless.
_PARAM = re.compile(r"\$(?:`([^`]+)`|([A-Za-z_][A-Za-z0-9_]*))")


class LintUnavailable(RuntimeError):
    """Node.js or the linter package cannot be had on this machine."""


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error", "warning", "information" or "hint"
    message: str
    line: int  # 1-based
    column: int  # 1-based
    offset: int  # 0-based character offsets into the text
    end: int

    def __str__(self) -> str:
        return f"{self.severity} at {self.line}:{self.column}: {self.message}"


def parameter_names(text: str) -> list[str]:
    return sorted({quoted or plain for quoted, plain in _PARAM.findall(text)})


def placeholder(name: str) -> Any:
    """A value of the type a parameter of that name plausibly has (the linter wants a value)."""
    lower = name.lower()
    if lower == "rows" or lower.endswith("_rows"):
        return [{"id": "x"}]
    if lower.endswith(("ids", "_list", "labels", "types", "names")):
        return ["x"]
    if lower in ("limit", "skip", "offset", "depth", "max_depth", "hops", "k", "n", "top") or lower.endswith(
        ("_count", "_limit", "_depth", "_size")
    ):
        return 10
    if lower.endswith(("score", "threshold", "weight", "ratio")):
        return 0.5
    if lower.startswith(("is_", "has_", "include_")):
        return True
    if lower in ("props", "properties", "map", "row") or lower.endswith("_props"):
        return {"id": "x"}
    return "x"


# Keys of the parameter maps that queries read with ``r.<key>`` besides schema properties:
# edge endpoints (``a``, ``b``) and property maps (``props``) in the loaders' UNWIND batches.
PARAMETER_MAP_KEYS = frozenset({"a", "b", "props"})


def schema_vocabulary(schema: Schema = SCHEMA) -> dict[str, Any]:
    """What the linter knows of the database: every label, type, key and allowed triple."""
    keys = {"id", *PARAMETER_MAP_KEYS}
    for node in schema.nodes.values():
        keys |= node.property_names
    for rel in schema.relationships.values():
        keys |= {p.name for p in rel.properties}
    return {
        "labels": schema.labels,
        "relationshipTypes": schema.relationship_types,
        "propertyKeys": sorted(keys),
        "graphSchema": [
            {"from": f, "to": t, "relType": rel.type}
            for rel in schema.relationships.values()
            for f in rel.from_labels
            for t in rel.to_labels
        ],
    }


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise LintUnavailable("Node.js ('node') is not installed; the Neo4j lint needs Node.js 20 or later")
    return node


def ensure_installed() -> None:
    """Install the pinned linter from package-lock.json the first time it is needed."""
    if PACKAGE_DIR.is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise LintUnavailable("npm is not installed; it is needed once to install the Neo4j linter")
    done = subprocess.run(
        [npm, "ci", "--prefix", str(LINT_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not PACKAGE_DIR.is_dir():
        raise LintUnavailable(f"npm ci in {LINT_DIR} failed: {done.stderr.strip()[-500:]}")


def lint_neo4j(queries: dict[str, str], schema: Schema = SCHEMA) -> dict[str, list[Diagnostic]]:
    """Lint each named Neo4j query; return every query's diagnostics (an empty list when clean)."""
    node = _node()
    ensure_installed()
    payload = {
        **schema_vocabulary(schema),
        "queries": [
            {"name": name, "text": text, "parameters": {p: placeholder(p) for p in parameter_names(text)}}
            for name, text in queries.items()
        ],
    }
    done = subprocess.run(
        [node, str(LINT_DIR / "lint.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise LintUnavailable(f"the Neo4j linter failed: {done.stderr.strip()[-1000:]}")
    raw = json.loads(done.stdout)
    return {name: [Diagnostic(**d) for d in raw.get(name, [])] for name in queries}
