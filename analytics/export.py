"""Stream the tables the analytics need out of the graph, page by page, through the engine seam.

Every export is a named Cypher (``analytics.export.*``) over one *page* of anchor nodes:
- FalkorDB: pages are ranges of the engine's internal node id (``id(g) >= $lo AND id(g) < $hi``),
  a seek with no sort, so a page costs what it returns; the ids are used for paging only and never
  leave this module.
- Neo4j: keyset pages on the business key (``g.id > $after ORDER BY g.id LIMIT $limit``), served
  by the unique index in order.
Within a page, FalkorDB joins the items into one string (``string.join``: decoding one long string
is ~10x cheaper in its Python client than one value per row); Neo4j returns the list. Items are
``|``-separated fields, so both read the same way (``_items``).

A field ``ref(x)`` names node ``x`` only so that tables can be joined on it (placements, workers):
on FalkorDB it is the internal id (an integer column; cheaper for the server to write than the
business key, and joined without hashing millions of strings), on Neo4j the business key. A ref
is comparable only with refs of the same export run, and only while nothing deletes nodes:
FalkorDB gives a deleted node's id to the next node created (an entity-resolution run that merges
workers during a report could pair a placement with the wrong worker; run them one after the other).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.base import Engine
from engine.cypher import Cypher, cypher
from graph_model import SCHEMA

SEP = "|"
PAGE_IDS = 200_000  # FalkorDB: internal ids per page
PAGE_KEYS = 20_000  # Neo4j: anchor nodes per page


@dataclass(frozen=True)
class Export:
    """One paged export: anchor label, the MATCH body after the anchor, the item's fields (each read
    as text, '' when null)."""

    name: str
    anchor: str
    body: str
    fields: tuple[str, ...]  # one expression per column
    columns: tuple[str, ...]
    where: str = ""  # a condition on the anchor ``g``, checked with the page's range (an index can serve it)
    # FalkorDB only: a cheap condition that leaves out anchors the body would drop anyway
    falkordb_where: str = ""
    query: Cypher = field(init=False, repr=False, compare=False)
    max_id: Cypher = field(init=False, repr=False, compare=False)

    @property
    def refs(self) -> tuple[str, ...]:
        """The columns whose field is a ``ref(x)``."""
        return tuple(c for e, c in zip(self.fields, self.columns, strict=True) if _ref(e))

    def __post_init__(self) -> None:
        # One string per item: FalkorDB joins a list (one call; chained '+' copies the string once
        # per field, 2.5x slower), Neo4j has no string.join and concatenates. FalkorDB's toString
        # costs as much as the rest of an item, so it is left out where the value is text already.
        texts = [_neo4j_field(e) for e in self.fields]
        bare = [_falkordb_field(e, self.anchor) for e in self.fields]
        item_falkor = f"string.join([{', '.join(bare)}], '{SEP}')"
        item_neo4j = f" + '{SEP}' + ".join(texts)
        conditions = "".join(f" AND {c}" for c in (self.where, self.falkordb_where) if c)
        falkor = (
            f"MATCH (g:{self.anchor}) WHERE id(g) >= $lo AND id(g) < $hi{conditions}\n{self.body}\n"
            f"RETURN string.join(collect({item_falkor}), '\\n') AS items, count(*) AS n"
        )
        optional = "OPTIONAL " if self.body.strip().startswith("MATCH") else ""
        neo4j_where = f" AND {self.where}" if self.where else ""
        neo4j = (
            f"MATCH (g:{self.anchor}) WHERE g.id > $after{neo4j_where}\nWITH g ORDER BY g.id LIMIT $limit\n"
            f"CALL (g) {{\n  {optional}{self.body.strip()}\n  RETURN collect({item_neo4j}) AS part\n}}\n"
            f"RETURN max(g.id) AS last, count(g) AS anchors, reduce(acc = [], p IN collect(part) | acc + p) AS items"
        )
        object.__setattr__(
            self,
            "query",
            cypher(
                f"analytics.export.{self.name}",
                falkor,
                neo4j=neo4j,
                falkordb=falkor,
                doc=f"Analytics export {self.name}, one page of {self.anchor}.",
            ),
        )
        object.__setattr__(
            self,
            "max_id",
            cypher(
                f"analytics.export.{self.name}.max_id",
                f"MATCH (g:{self.anchor}) RETURN max(id(g)) AS m",
                neo4j=f"MATCH (g:{self.anchor}) RETURN count(g) AS m",
                doc="FalkorDB: the highest internal id of the anchor label (the paging range).",
            ),
        )


def _neo4j_field(expression: str) -> str:
    value = f"{_ref(expression)}.id" if _ref(expression) else expression  # a ref is the business key
    return f"coalesce(toString({value}), '')"


def _falkordb_field(expression: str, anchor: str) -> str:
    if _ref(expression):
        return f"toString(id({_ref(expression)}))"
    if _is_text(expression, anchor):
        return f"coalesce({expression}, '')"
    return f"coalesce(toString({expression}), '')"


def _ref(expression: str) -> str:
    """The variable of a ``ref(x)`` field ('' for any other field)."""
    if expression.startswith("ref(") and expression.endswith(")"):
        return expression[4:-1]
    return ""


TEXT_TYPES = ("string", "date")  # dates are stored as ISO strings (graph_model/schema.yaml)


def _is_text(expression: str, anchor: str) -> bool:
    """Whether a field is always a string or null: any node's ``id`` (business keys are strings),
    a label, or a property of the anchor ``g`` that the schema declares as text (the loaders'
    mappings parse every such column to text). A value of another type there would make FalkorDB
    refuse the export with a type error, not export it wrongly."""
    if expression.endswith(".id") or expression.startswith("labels("):
        return True
    var, _, prop = expression.partition(".")
    if var != "g" or not prop.isidentifier():
        return False
    declared = {p.name: p.type for p in SCHEMA.node(anchor).properties}
    return declared.get(prop) in TEXT_TYPES


def _rel_export(name: str, anchor: str, pattern: str, other: str, *extra: str) -> Export:
    """Items (g.id, other's field, extra...) as columns (a, b, ...); ``other`` is a variable (its
    business key) or a ``ref(x)``."""
    cols = ("a", "b", *(e.split(".")[-1] for e in extra))
    return Export(name, anchor, f"MATCH {pattern}", ("g.id", other if _ref(other) else f"{other}.id", *extra), cols)


EXPORTS: dict[str, Export] = {
    e.name: e
    for e in [
        # one row per placement: its dates, visa, status and job, in one pass over the placements
        Export(
            "placements",
            "Placement",
            "WITH g",
            (
                "g.id",
                "ref(g)",
                "g.departure_date",
                "g.arrival_date",
                "g.registration_date",
                "g.visa_type",
                "g.status",
                "g.job_code",
            ),
            (
                "placement",
                "node",
                "departure_date",
                "arrival_date",
                "registration_date",
                "visa_type",
                "status",
                "job_code",
            ),
        ),
        # Links that are optional for a placement or a worker are exported from their few far ends
        # (countries, regions): an OPTIONAL MATCH per placement, or a per-placement aggregate, cost
        # five times as much on FalkorDB.
        # Placements and workers are named by their refs here (joined to the placements table).
        _rel_export("destination", "Country", "(g)<-[:DESTINATION]-(p:Placement)", "ref(p)"),
        Export(
            "worker_placements",
            "Worker",
            "MATCH (g)-[:HAS_PLACEMENT]->(p:Placement)",
            ("g.id", "ref(g)", "ref(p)"),
            ("a", "a_node", "b"),
        ),
        _rel_export("from_region", "Region", "(g)<-[:FROM_REGION]-(w:Worker)", "ref(w)"),
        # placement -> organisation links, anchored on the organisation (few anchors, long pages)
        _rel_export("placed_by", "Agency", "(g)<-[:PLACED_BY]-(p:Placement)", "ref(p)"),
        _rel_export("employed_by", "Employer", "(g)<-[:EMPLOYED_BY]-(p:Placement)", "ref(p)"),
        _rel_export("through_partner", "PartnerAgency", "(g)<-[:THROUGH_PARTNER]-(p:Placement)", "ref(p)"),
        _rel_export("recruited_by", "Sponsor", "(g)<-[:RECRUITED_BY]-(p:Placement)", "ref(p)"),
        # dated certificates only (the departure records): what training-capacity checks need
        Export(
            "trained_at",
            "TrainingInstitute",
            "MATCH (g)<-[t:TRAINED_AT]-(p:Placement) WHERE t.certificate_date IS NOT NULL",
            ("g.id", "ref(p)", "t.certificate_date"),
            ("a", "b", "certificate_date"),
        ),
        # the region tree
        _rel_export("part_of", "Region", "(g)-[:PART_OF]->(r:Region)", "r"),
        # agency structure and identifiers
        _rel_export("branch_of", "Agency", "(g)-[:BRANCH_OF]->(h:Agency)", "h"),
        _rel_export("agency_phone", "Agency", "(g)-[:HAS_PHONE]->(x:Phone)", "x"),
        _rel_export("agency_address", "Agency", "(g)-[:HAS_ADDRESS]->(x:Address)", "x"),
        _rel_export("agency_director", "Agency", "(g)<-[:DIRECTS]-(x:Person)", "x"),
        _rel_export("partner_of", "Agency", "(g)<-[:PARTNER_OF]-(x:PartnerAgency)", "x"),
        _rel_export("sub_agent", "Agency", "(g)<-[:SUB_AGENT_OF]-(x:Sponsor)", "x"),
        # worker identifiers shared by two or more workers (worker-worker projection); on FalkorDB a
        # degree check first skips the values that only one node has (most of them; 40 % faster)
        Export(
            "worker_phone",
            "Phone",
            "MATCH (g)<-[:HAS_PHONE]-(w:Worker)\nWITH g, collect(w.id) AS ws WHERE size(ws) > 1\n"
            "UNWIND ws AS wid\nWITH g, wid",
            ("g.id", "wid"),
            ("a", "b"),
            falkordb_where="indegree(g, 'HAS_PHONE') > 1",
        ),
        Export(
            "worker_address",
            "Address",
            "MATCH (g)<-[:HAS_ADDRESS]-(w:Worker)\nWITH g, collect(w.id) AS ws WHERE size(ws) > 1\n"
            "UNWIND ws AS wid\nWITH g, wid",
            ("g.id", "wid"),
            ("a", "b"),
            falkordb_where="indegree(g, 'HAS_ADDRESS') > 1",
        ),
        # complaints and whom they concern
        Export(
            "cases",
            "Case",
            "MATCH (g)-[:CONCERNS]->(x)",
            ("g.id", "g.kind", "g.date", "g.status", "labels(x)[0]", "x.id"),
            ("case", "kind", "date", "status", "label", "target"),
        ),
        # entity attributes
        Export(
            "agencies",
            "Agency",
            "WITH g",
            ("g.id", "g.name", "g.status", "g.status_date", "g.licence_expires", "g.is_branch", "g.registered"),
            ("id", "name", "status", "status_date", "licence_expires", "is_branch", "registered"),
        ),
        Export("sponsors", "Sponsor", "WITH g", ("g.id", "g.name"), ("id", "name")),
        Export(
            "employers",
            "Employer",
            "WITH g",
            ("g.id", "g.name", "g.kind", "g.country"),
            ("id", "name", "kind", "country"),
        ),
        Export(
            "partners",
            "PartnerAgency",
            "WITH g",
            ("g.id", "g.name", "g.country", "g.status"),
            ("id", "name", "country", "status"),
        ),
        Export(
            "institutes",
            "TrainingInstitute",
            "WITH g",
            ("g.id", "g.name", "g.capacity_per_month", "g.status"),
            ("id", "name", "capacity_per_month", "status"),
        ),
        Export("persons", "Person", "WITH g", ("g.id", "g.name"), ("id", "name")),
        Export("regions", "Region", "WITH g", ("g.id", "g.name", "g.level"), ("id", "name", "level")),
        Export("countries", "Country", "WITH g", ("g.id", "g.name", "g.name_id"), ("id", "name", "name_id")),
    ]
}

# Red flags written back by queries/flags.py (`flags`, `flag_count`), read only when the schema has them
# (a query naming a property the schema lacks would fail the Neo4j lint). ``flag_count`` is indexed:
# the flagged nodes are found without reading every node of the label.
FLAG_LABELS = [label for label, node in SCHEMA.nodes.items() if "flags" in node.property_names]
for _label in FLAG_LABELS:
    EXPORTS[f"flags_{_label}"] = Export(
        f"flags_{_label}",
        _label,
        "UNWIND g.flags AS rule\nWITH g, rule",
        (f"'{_label}'", "g.id", "rule"),
        ("label", "id", "rule"),
        where="g.flag_count > 0",
    )


def _items(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split("\n") if value else []
    return [str(v) for v in value]  # type: ignore[attr-defined]


def _page_values(engine: Engine, export: Export) -> Iterator[object]:
    """Each page's items as the engine returns them: one joined string (FalkorDB) or a list."""
    if engine.dialect == "falkordb":
        rows = engine.read(export.max_id, timeout_s=600)
        top = rows[0]["m"] if rows and rows[0]["m"] is not None else -1
        lo = 0
        while lo <= top:
            rows = engine.read(export.query, {"lo": lo, "hi": lo + PAGE_IDS}, timeout_s=600)
            lo += PAGE_IDS
            if rows:
                yield rows[0]["items"]
        return
    after = ""
    while True:
        rows = engine.read(export.query, {"after": after, "limit": PAGE_KEYS}, timeout_s=600)
        if not rows or not rows[0]["anchors"]:
            return
        yield rows[0]["items"]
        if rows[0]["anchors"] < PAGE_KEYS:
            return
        after = rows[0]["last"]


def pages(engine: Engine, export: Export) -> Iterator[list[str]]:
    """The export's items, one list per page."""
    for value in _page_values(engine, export):
        yield _items(value)


def _arrow_items(value: object) -> pa.Array:
    """One page's items as an Arrow string array, split in Arrow (no Python string per item)."""
    if value is None:
        return pa.array([], pa.large_string())
    if isinstance(value, str):
        return pc.list_flatten(pc.split_pattern(pa.array([value], pa.large_string()), "\n"))
    return pa.array([str(v) for v in value], pa.large_string())  # type: ignore[attr-defined]


def table(engine: Engine, name: str) -> pd.DataFrame:
    """Run one export to the end and return its items as a DataFrame of strings ('' for null);
    ``ref`` columns are integers on FalkorDB (see the module's docstring)."""
    export = EXPORTS[name]
    width = len(export.columns)
    as_int = export.refs if engine.dialect == "falkordb" else ()
    chunks = [_arrow_items(v) for v in _page_values(engine, export)]
    items = pa.chunked_array(chunks, pa.large_string()).combine_chunks() if chunks else pa.array([], pa.large_string())
    items = items.filter(pc.not_equal(items, ""))
    if not len(items):
        return pd.DataFrame({c: pd.Series([], dtype=np.int64 if c in as_int else object) for c in export.columns})
    # Split, sort and deduplicate column-wise in Arrow: per-row Python was most of an export's time.
    parts = pc.split_pattern(items, SEP, max_splits=width - 1)
    lengths = pc.list_value_length(parts).to_numpy()
    if (lengths != width).any():
        bad = items[int(np.argmax(lengths != width))].as_py()
        raise ValueError(f"export {name}: item {bad!r} has not {width} fields")
    flat = pc.list_flatten(parts)
    rows = len(items)
    columns = {
        c: flat.take(pa.array(np.arange(i, rows * width, width), pa.int64())) for i, c in enumerate(export.columns)
    }
    for c in as_int:
        columns[c] = pc.cast(columns[c], pa.int64())
    # Engines return rows in no promised order: sort, so that every run sees the same table.
    tbl = pa.table(columns)
    tbl = tbl.take(pc.sort_indices(tbl, sort_keys=[(c, "ascending") for c in export.columns]))
    if rows > 1:  # sorted, so a duplicate row follows its twin
        same = np.ones(rows - 1, dtype=bool)
        for column in tbl.columns:
            col = column.combine_chunks()
            same &= pc.equal(col.slice(1), col.slice(0, rows - 1)).to_numpy(zero_copy_only=False)
            if not same.any():  # e.g. a unique first column (one item per node): no duplicates
                break
        tbl = tbl.filter(pa.array(np.concatenate(([True], ~same))))
    frame = tbl.to_pandas()
    return frame.astype({c: object for c in export.columns if c not in as_int})


def tables(engine: Engine, names: list[str], threads: int = 3) -> dict[str, pd.DataFrame]:
    """Several exports at once: the engine works on one while this process decodes another."""
    if threads <= 1:
        return {n: table(engine, n) for n in names}
    with ThreadPoolExecutor(threads) as pool:
        futures = {n: pool.submit(table, engine, n) for n in names}
        return {n: f.result() for n, f in futures.items()}


# -- targeted look-ups: the source records behind a handful of entities (explanations) ----------
RECORD_LABELS = (
    "Worker",
    "Agency",
    "Sponsor",
    "TrainingInstitute",
    "PartnerAgency",
    "Employer",
    "Person",
    "Placement",
    "Case",
)
RECORDS = {
    label: cypher(
        f"analytics.records.{label}",
        f"UNWIND $ids AS i\nMATCH (n:{label} {{id: i}})-[:REPORTED_IN]->(r:SourceRecord)\n"
        "RETURN n.id AS id, collect(r.id) AS records",
        doc=f"The source records behind given {label} nodes.",
    )
    for label in RECORD_LABELS
}

PREFIX_LABEL = {
    "PL-": "Placement",
    "AG": "Agency",
    "SP-": "Sponsor",
    "LPK": "TrainingInstitute",
    "PA-": "PartnerAgency",
    "EM-": "Employer",
    "PS-": "Person",
    "CASE-": "Case",
    "W-": "Worker",
}


def label_of(node_id: str) -> str | None:
    """The label of an id built by loaders/plan.py (a prefix per label)."""
    for prefix, label in PREFIX_LABEL.items():
        if node_id.startswith(prefix):
            return label
    return None


def source_records(
    engine: Engine, ids: list[str], labels: dict[str, str] | None = None, chunk: int = 5000
) -> dict[str, list[str]]:
    """SourceRecord ids per entity id, for the entities named in explanations."""
    by_label: dict[str, list[str]] = {}
    for i in dict.fromkeys(ids):
        label = (labels or {}).get(i) or label_of(i)
        if label in RECORDS:
            by_label.setdefault(label, []).append(i)
    out: dict[str, list[str]] = {}
    for label, group in by_label.items():
        for k in range(0, len(group), chunk):
            for row in engine.read(RECORDS[label], {"ids": group[k : k + chunk]}, timeout_s=600):
                out[row["id"]] = sorted(row["records"])
    return out
