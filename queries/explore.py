"""Exploration primitives: search by name or identifier, expand a node, shortest path.

- ``search(engine, text, labels=None, limit=20, role=...)``: full-text, fuzzy, ranked by name
  (exact normalised name first, then names holding every word asked for, then the rest; within
  each, by spelling similarity, then the engine's score). Returns
  ``[{"label", "id", "name", "score", "exact", "props"}]``.
- ``find_identifier(engine, value, kind=None, role=...)``: by NIK, passport, phone (any format,
  normalised to E.164) or licence number. Returns ``{"kind", "value", "matches": [{"label", "id",
  "name"}]}``.
- ``expand(engine, ref, rel_types=None, limit=50, skip=0, role=...)``: a node's neighbours grouped
  by (relationship type, direction, neighbour label), each group capped at ``limit`` and paged with
  ``skip`` in the engine's storage order (stable while the graph is unchanged), with its total:
  ``{"node": {...}, "total": n, "total_exact": b, "groups": [{"type", "direction", "label", "total",
  "total_exact", "skip", "items": [{"label", "id", "name", "props", "rel"}], "more"}]}`` ("and 312
  more" is ``more``). A hub's group is counted up to ``skip + limit + COUNT_CAP``; past that its
  ``total`` is a lower bound and ``total_exact`` is false ("and 500+ more").
- ``shortest_path(engine, a, b, max_depth=6, rel_types=None, ...)``: undirected, bounded; found by
  a bidirectional breadth-first search in Python over neighbourhood queries (one query per frontier
  step and label, frontier and per-node fan-out capped) so that it runs the same on FalkorDB and Neo4j and
  can never hang the server (FalkorDB's ``algo.SPpaths`` can, at 1 M workers: see ENGINES.md).
  Returns ``{"found", "length", "nodes": [{"label", "id", "name"}], "relationships": [{"type",
  "from", "to"}], "complete", "queries", "explored"}``; ``complete`` is false when a cap cut the
  search, so "no path" then means "none found within the caps".

Every label and relationship type in query text comes from the schema; user text only travels as
``$parameters``.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rapidfuzz import fuzz

from engine.base import Engine
from engine.cypher import Cypher, cypher
from graph_model import SCHEMA
from graph_model.ddl import _snake
from jejak.errors import InputError
from loaders.normalize import ORG_PREFIX, ORG_SUFFIX, normalize_phone
from queries import refs

MAX_DEPTH = 6
# Labels whose nodes can have hundreds of thousands of relationships at national scale: their
# crowded groups are counted only up to a cap (FalkorDB counts ~1.5 million relationships a second:
# an agency's 14,000 placements took 23 ms), and the shortest-path search treats them as costly.
HUB_LABELS = frozenset(
    {
        "Country",
        "Region",
        "Source",
        "Agency",
        "TrainingInstitute",
        "PartnerAgency",
        "Employer",
        "Sponsor",
        "Phone",
        "Address",
    }
)
COUNT_CAP = 500
PATH_EXCLUDED_TYPES = ("FROM_SOURCE",)  # every record of a source meets at its Source node: never a path
# Countries and regions join everyone placed in or coming from them: a path through one says nothing
# an investigator can use, and on FalkorDB stepping out of a node costs time in its degree however
# small the LIMIT (a country with 300,000 placements: 52 ms). They are a path's ends, never its middle,
# unless ``through`` names them.
PATH_AVOIDED_LABELS = ("Country", "Region")

_SHOWN = ".id, .name, .name_norm, .licence_no, .country, .status, .kind, .level, .birth_date, .sex"


# -- search ----------------------------------------------------------------------------------------
# A common name ("SITI") matches tens of thousands of workers. The engine's full-text call yields
# its matches unordered on FalkorDB (and its fuzzy score favours rare misspellings), so ordering them
# all costs ~100 ms at 1 M workers. Instead: exact names come from the ``name_norm`` range index, and
# the full-text query hands over at most ``CANDIDATES`` matches per label for Python to rank.
CANDIDATES = 50


def _shown(label: str, dialect: str) -> str:
    """The properties a hit shows; one JSON string on FalkorDB (its client parses maps slowly)."""
    shown = f"node {{{_SHOWN}, text: node.{SCHEMA.node(label).fulltext[0]}}}"
    return f"toJSON({shown})" if dialect == "falkordb" else shown


def _search_branch(label: str, dialect: str) -> str:
    if dialect == "neo4j":  # Lucene yields best score first: the cap keeps the best
        call = f"CALL db.index.fulltext.queryNodes('{_snake(label)}_fulltext', $q) YIELD node, score"
    else:
        call = f"CALL db.idx.fulltext.queryNodes('{label}', $q) YIELD node, score"
    shown = _shown(label, dialect)
    return f"{call}\nWITH node, score LIMIT $candidates\nRETURN '{label}' AS label, {shown} AS node, score"


def _exact_branch(label: str, dialect: str) -> str:
    return (
        f"MATCH (node:{label}) WHERE node.name_norm IN $norms\n"
        f"RETURN '{label}' AS label, {_shown(label, dialect)} AS node, null AS score LIMIT $limit"
    )


def _union(name: str, branch: Callable[[str, str], str], labels: Sequence[str], doc: str) -> Cypher:
    return cypher(
        name,
        "\nUNION ALL\n".join(branch(label, "neo4j") for label in labels),
        falkordb="\nUNION ALL\n".join(branch(label, "falkordb") for label in labels),
        doc=doc,
    )


def _search_query(name: str, labels: Sequence[str]) -> Cypher:
    return _union(name, _search_branch, labels, "Full-text search by name, at most $candidates per label.")


def _exact_query(name: str, labels: Sequence[str]) -> Cypher:
    return _union(name, _exact_branch, labels, "Entities whose normalised name is exactly the text (range index).")


FULLTEXT_LABELS = tuple(label for label, node in SCHEMA.nodes.items() if node.fulltext)
# labels whose normalised name has a range index: exact names are looked up there first
NAME_INDEXED = tuple(label for label in FULLTEXT_LABELS if "name_norm" in SCHEMA.node(label).index)
SEARCH = {label: _search_query(f"explore.search.{label}", [label]) for label in FULLTEXT_LABELS}
SEARCH_ALL = _search_query("explore.search.all", FULLTEXT_LABELS)
EXACT = {label: _exact_query(f"explore.search_exact.{label}", [label]) for label in NAME_INDEXED}
EXACT_ALL = _exact_query("explore.search_exact.all", NAME_INDEXED)


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W_]+", text)]


def fulltext_query(text: str, dialect: str, any_word: bool = False) -> str:
    """The engine's query syntax for fuzzy words: RediSearch ``%word%`` on FalkorDB, Lucene
    ``word~`` on Neo4j; every word required unless ``any_word``. Only letters and digits pass."""
    words = _words(text)
    if dialect == "neo4j":
        terms = [f"{w}~" if len(w) >= 4 else w for w in words]
        return (" OR " if any_word else " AND ").join(terms)
    terms = [f"%{w}%" if len(w) >= 4 else w for w in words]
    return ("|" if any_word else " ").join(terms)


_NOT_WORD = re.compile(r"[\W_]+")


def _norm(text: str | None) -> str:
    """Letters and digits in upper case, one space between words (``_words`` joined, faster)."""
    return _NOT_WORD.sub(" ", text or "").strip().upper()


def exact_forms(text: str) -> list[str]:
    """The ``name_norm`` values that spell ``text`` exactly: its words, and without a PT/CV company
    form (plain ``re`` on letters and digits: the loader's Arrow version costs ~1 ms per call)."""
    words = _norm(text)
    company = re.sub(ORG_SUFFIX, "", re.sub(ORG_PREFIX, "", words)) or words
    return sorted({words, company})


def search(
    engine: Engine, text: str, labels: Iterable[str] | None = None, limit: int = 20, role: str = "investigator"
) -> list[dict[str, Any]]:
    """Entities whose name matches ``text``, best first (see the module docstring)."""
    refs.check_role(role)
    if not _words(text):
        raise InputError("search needs at least one letter or digit")
    wanted = tuple(labels) if labels is not None else FULLTEXT_LABELS
    unknown = [label for label in wanted if label not in FULLTEXT_LABELS]
    if unknown:
        raise InputError(f"no name search for {', '.join(unknown)}: searchable are {', '.join(FULLTEXT_LABELS)}")
    if role != "investigator":  # a personal name (a director's) is not searchable by other roles
        wanted = tuple(label for label in wanted if SCHEMA.node(label).fulltext[0] not in refs.personal_fields(label))
    every = set(wanted) == set(FULLTEXT_LABELS)
    wanted_norm = _norm(text)
    words = set(wanted_norm.split())
    forms = exact_forms(text)
    hits: dict[tuple[str, str], dict[str, Any]] = {}

    def keep(rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            node = _from_json(row["node"])
            key = (row["label"], node["id"])
            if key in hits:
                hits[key]["score"] = max(hits[key]["score"], float(row["score"] or 0))
                continue
            name = node.get("text") or node.get("name")
            names = {_norm(name), _norm(node.get("name_norm"))}
            hits[key] = {
                "label": row["label"],
                "id": node["id"],
                "name": name,
                "score": float(row["score"] or 0),
                "exact": wanted_norm in names or node.get("name_norm") in forms,
                # every word asked for is a word of the name ("mulia" in PT MULIA PERSADA KENCANA)
                "whole_words": any(words <= set(n.split()) for n in names),
                "similarity": max(fuzz.ratio(wanted_norm, n) for n in names) / 100,
                "props": {k: v for k, v in node.items() if v is not None and k != "text"},
            }

    def read(union: Cypher, per_label: dict[str, Cypher], params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every label at once when all are wanted, else one query per wanted label."""
        if every:
            return engine.read(union, params)
        return [row for label in wanted if label in per_label for row in engine.read(per_label[label], params)]

    def fulltext(any_word: bool) -> int:
        rows = read(SEARCH_ALL, SEARCH, {"q": fulltext_query(text, engine.dialect, any_word), "candidates": CANDIDATES})
        keep(rows)
        return len(rows)

    keep(read(EXACT_ALL, EXACT, {"norms": forms, "limit": limit}))
    # when exact names fill the answer, no fuzzy match could rank above them
    if len(hits) < limit and not fulltext(any_word=False) and len(_words(text)) > 1:
        fulltext(any_word=True)  # nothing has every word: let any word match
    # exact names first, then names holding every word asked for, then the closest spellings
    ranked = sorted(
        hits.values(),
        key=lambda h: (
            (0, -h["similarity"], 0.0, h["label"], h["id"])
            if h["exact"]
            else (1 if h["whole_words"] else 2, -h["similarity"], -h["score"], h["label"], h["id"])
        ),
    )
    for h in ranked:
        del h["whole_words"]
        h["props"] = refs.mask(h["label"], h["props"], role)
        if role != "investigator" and "name" in refs.personal_fields(h["label"]):
            h["name"] = refs.mask_value("name", h["name"], role)
        h["similarity"] = round(h["similarity"], 3)
    return ranked[:limit]


# -- identifiers -----------------------------------------------------------------------------------
IDENTIFIER_KINDS = ("nik", "passport", "phone", "licence")


def _identifier_kind(value: str) -> str:
    compact = re.sub(r"[\s.\-]", "", value)
    if compact.isdigit() and len(compact) == 16:
        return "nik"
    if "/" in value:
        return "licence"
    if re.fullmatch(r"\+?[0-9()\s.\-]{8,20}", value.strip()):
        return "phone"
    if re.fullmatch(r"[A-Za-z0-9]{5,12}", compact):
        return "passport"
    raise InputError(
        f"{value!r} is not an identifier: give a NIK (16 digits), a passport number, a phone number "
        "or a licence number (e.g. KEP.418/MEN/2017)"
    )


def find_identifier(engine: Engine, value: str, kind: str | None = None, role: str = "investigator") -> dict[str, Any]:
    """Who carries an exact identifier (see the module docstring); index-backed, one query."""
    refs.check_role(role)
    kind = kind or _identifier_kind(value)
    if kind not in IDENTIFIER_KINDS:
        raise InputError(f"unknown identifier kind {kind!r}: use one of {', '.join(IDENTIFIER_KINDS)}")
    refs.check_lookup(kind, role)
    limit = {"limit": 100}
    if kind == "nik":
        norm = re.sub(r"[\s.\-]", "", value)
        if not (norm.isdigit() and len(norm) == 16):
            raise InputError(f"{value!r} is not a NIK: a NIK is 16 digits")
        rows = [{"label": "Worker", **r} for r in engine.read(refs.WORKERS_BY_NIK, {"nik": norm, **limit})]
        shown = refs.mask_value("nik", norm, role)
    elif kind == "passport":
        norm = re.sub(r"[\s\-]", "", value).upper()
        rows = [{"label": "Worker", **r} for r in engine.read(refs.WORKERS_BY_PASSPORT, {"passport": norm, **limit})]
        shown = refs.mask_value("passport_no", norm, role)
    elif kind == "phone":
        phone = normalize_phone(value)
        if phone is None:
            raise InputError(f"{value!r} is not a phone number (Indonesian, or international with +country code)")
        norm = phone
        rows = engine.read(refs.HOLDERS_OF_PHONE, {"phone": norm, **limit})
        shown = refs.mask_value("phone", norm, role)
    else:
        norm = value.strip()
        rows = engine.read(refs.AGENCIES_BY_LICENCE, {"licence": norm})
        shown = norm
    return {
        "kind": kind,
        "value": shown,
        "matches": [{"label": r["label"], "id": r["id"], "name": r.get("name")} for r in rows],
    }


# -- expand ----------------------------------------------------------------------------------------
def _from_json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def touching(label: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(type, direction, neighbour labels)`` of every relationship the schema allows at ``label``."""
    out = []
    for rel in SCHEMA.relationships.values():
        if label in rel.from_labels:
            out.append((rel.type, "out", rel.to_labels))
        if label in rel.to_labels:
            out.append((rel.type, "in", rel.from_labels))
    return out


def _arrow(direction: str, rel_type: str) -> str:
    return f"-[r:{rel_type}]->" if direction == "out" else f"<-[r:{rel_type}]-"


# Labels with a node per worker or per record: a hub can have hundreds of thousands of them.
CROWDS = frozenset({"Worker", "Placement", "SourceRecord", "Case", "Passport", "MatchDecision", "Employer", "Sponsor"})


def crowded(label: str) -> set[tuple[str, str]]:
    """The (type, direction) groups of a hub label that are counted only up to a cap."""
    if label not in HUB_LABELS:
        return set()
    return {(t, d) for t, d, others in touching(label) if set(others) & CROWDS}


# One query per label. On FalkorDB 4.22 every traversal step costs ~0.25 ms however few
# relationships it finds, so the small groups share one typed step per direction (an untyped step
# is ~30 times slower on a node with thousands of relationships); a hub's crowded groups get a step
# each, cut at $upto. Pages follow the storage order: sorting a hub's neighbours by id (a hash, no
# meaning to a reader) cost 50 ms.
def _expand_query(label: str) -> Cypher:
    SCHEMA.node(label)
    return cypher(
        f"explore.expand.{label}",
        _expand_text(label, "neo4j"),
        falkordb=_expand_text(label, "falkordb"),
        doc=f"One page of every neighbour group of a {label}, with totals (crowded hub groups up to $upto).",
    )


def _expand_text(label: str, dialect: str) -> str:
    def shown(items: str) -> str:  # one JSON string on FalkorDB: its client parses maps slowly
        return f"toJSON({items})" if dialect == "falkordb" else items

    match = f"MATCH (n:{label} {{id: $id}})"
    crowd = crowded(label)
    branches = []
    small: dict[str, list[str]] = {"out": [], "in": []}
    for rel_type, direction, others in touching(label):
        if (rel_type, direction) not in crowd:
            small[direction].append(rel_type)
            continue
        other = f"'{others[0]}'" if len(others) == 1 else "labels(m)[0]"
        page = "[i IN range(0, size(ms) - 1) | {node: properties(ms[i]), rel: properties(rs[i])}]"
        # the type filter sits on its own WITH: FalkorDB then skips the traversal, where a WHERE on
        # the MATCH still walks a hub's every relationship and drops them one by one
        branches.append(
            f"{match}\nWITH n WHERE $types IS NULL OR '{rel_type}' IN $types\n"
            f"MATCH (n){_arrow(direction, rel_type)}(m)\nWITH {other} AS label, r, m LIMIT $upto\n"
            "WITH label, count(r) AS total, collect(m)[$skip..$end] AS ms, collect(r)[$skip..$end] AS rs\n"
            f"RETURN '{rel_type}' AS type, '{direction}' AS direction, label, total, {shown(page)} AS items"
        )
    for direction, types in small.items():
        if types:
            branches.append(
                f"{match}\nMATCH (n){_arrow(direction, '|'.join(types))}(m)\n"
                "WHERE $types IS NULL OR type(r) IN $types\nWITH type(r) AS type, labels(m)[0] AS label, r, m\n"
                "WITH type, label, count(r) AS total, "
                "collect({node: properties(m), rel: properties(r)})[$skip..$end] AS items\n"
                f"RETURN type, '{direction}' AS direction, label, total, {shown('items')} AS items"
            )
    return "\nUNION ALL\n".join(branches)


EXPAND = {label: _expand_query(label) for label in SCHEMA.labels if touching(label)}


def _check_types(rel_types: Iterable[str] | None) -> list[str] | None:
    """Relationship types a user may filter on: only the schema's."""
    if rel_types is None:
        return None
    types = list(rel_types)
    unknown = [t for t in types if t not in SCHEMA.relationships]
    if unknown:
        raise InputError(
            f"unknown relationship type {', '.join(map(repr, unknown))}; known: {', '.join(SCHEMA.relationship_types)}"
        )
    return types


def _node_ref(label: str, node_id: str, name: str | None, role: str) -> dict[str, Any]:
    """A node as ``role`` may see it: a personal name (a director's) or a personal id (a phone or
    passport number) masked."""
    personal_name = "name" in refs.personal_fields(label)
    return {
        "label": label,
        "id": refs.mask_id(label, node_id, role),
        "name": refs.mask_value("name", name, role) if personal_name else name,
    }


def _item(label: str, props: dict[str, Any], rel: dict[str, Any] | None, role: str) -> dict[str, Any]:
    shown = refs.mask(label, props, role) or {}
    return {
        "label": label,
        "id": shown.get("id"),
        "name": shown.get("name") or shown.get("text"),
        "props": shown,
        "rel": rel or {},
    }


def expand(
    engine: Engine,
    ref: str | refs.Candidate,
    rel_types: Iterable[str] | None = None,
    limit: int = 50,
    skip: int = 0,
    role: str = "investigator",
) -> dict[str, Any]:
    """A node's neighbours grouped and capped (see the module docstring), in one query."""
    refs.check_role(role)
    if limit < 1 or skip < 0:
        raise InputError("limit must be at least 1 and skip at least 0")
    node = refs.resolve_entity(engine, ref, role=role)
    types = _check_types(rel_types)
    query = EXPAND.get(node.label)
    upto = skip + limit + COUNT_CAP
    rows = (
        engine.read(query, {"id": node.id, "types": types, "skip": skip, "end": skip + limit, "upto": upto})
        if query
        else []
    )
    counts = [{k: row[k] for k in ("type", "direction", "label", "total")} for row in rows]
    items = {(row["type"], row["direction"], row["label"]): _from_json(row["items"]) for row in rows}
    # a crowded group counted up to the cap may have more neighbours, of any of its labels
    per_type: Counter[tuple[str, str]] = Counter()
    for row in counts:
        per_type[(row["type"], row["direction"])] += row["total"]
    capped = {key for key, n in per_type.items() if n >= upto and key in crowded(node.label)}
    groups = []
    for row in sorted(counts, key=lambda r: (-r["total"], r["type"], r["direction"], r["label"])):
        key = (row["type"], row["direction"], row["label"])
        shown = [_item(row["label"], x["node"], x.get("rel"), role) for x in items.get(key, [])]
        groups.append(
            {
                "type": row["type"],
                "direction": row["direction"],
                "label": row["label"],
                "total": row["total"],
                "total_exact": (row["type"], row["direction"]) not in capped,
                "skip": skip,
                "items": shown,
                "more": max(0, row["total"] - skip - len(shown)),
            }
        )
    return {
        "node": _node_ref(node.label, node.id, node.name, role),
        "total": sum(r["total"] for r in counts),
        "total_exact": not capped,
        "groups": groups,
    }


# -- shortest path ---------------------------------------------------------------------------------
@functools.cache
def neighbours_query(label: str, types: tuple[str, ...]) -> Cypher:
    """One breadth-first step from ``label`` nodes along ``types`` (schema names only). The types
    are written into the pattern, not filtered after it: FalkorDB then walks only those (600
    placements to their agencies and partners: 72 ms over every type, 13 ms over the two). A hub's
    fan-out is capped per node in the query (a subquery with LIMIT); other nodes have few
    relationships, so their step is one plain traversal and ``_expand_frontier`` applies the cap:
    the per-node subquery triples the cost of a step on FalkorDB."""
    SCHEMA.node(label)
    unknown = [t for t in types if t not in SCHEMA.relationships]
    if unknown or not types:
        raise ValueError(f"no step from {label} along {types!r}")
    pattern = "|".join(types)
    rows = "collect([nid, type(r), startNode(r) = n, labels(m)[0], m.id, m.name])"
    head = f"UNWIND $ids AS nid MATCH (n:{label} {{id: nid}})"
    every = types == _step_types(label, None, None)
    name = f"explore.neighbours.{label}" + ("" if every else f"[{pattern}]")
    if label not in HUB_LABELS:
        body = f"{head}-[r:{pattern}]-(m)\n"
        doc = f"One breadth-first step from {label} nodes (few relationships each): all their neighbours."
        return cypher(name, f"{body}RETURN {rows} AS rows", falkordb=f"{body}RETURN toJSON({rows}) AS rows", doc=doc)
    inner = f"MATCH (n)-[r:{pattern}]-(m)\n      RETURN r, m LIMIT $per_node"
    return cypher(
        name,
        f"{head}\nCALL (n) {{\n      {inner}\n}}\nRETURN {rows} AS rows",
        falkordb=f"{head}\nCALL {{\n      WITH n\n      {inner}\n}}\nRETURN toJSON({rows}) AS rows",
        doc=f"One breadth-first step from {label} nodes (hubs): their neighbours, fan-out per node capped.",
    )


def _step_types(label: str, types: frozenset[str] | None, towards: frozenset[str] | None) -> tuple[str, ...]:
    """The relationship types a step from ``label`` follows: those the schema allows there (less
    ``PATH_EXCLUDED_TYPES``), among ``types`` if given, leading to a label in ``towards`` if given."""
    return tuple(
        sorted(
            {
                t
                for t, _, others in touching(label)
                if t not in PATH_EXCLUDED_TYPES
                and (types is None or t in types)
                and (towards is None or not towards.isdisjoint(others))
            }
        )
    )


# A step from a hub costs about fifteen times a step from another node (1 M workers, FalkorDB: a
# partner agency 2.5 ms, a placement 0.18 ms), so the search grows the side whose step costs less.
HUB_STEP_COST = 15
# every label's full step, declared up front (the Neo4j lint test reads the registry)
NEIGHBOURS = {
    label: neighbours_query(label, every) for label in SCHEMA.labels if (every := _step_types(label, None, None))
}

Key = tuple[str, str]  # (label, id)


def _expand_frontier(
    engine: Engine,
    frontier: Sequence[Key],
    types: list[str] | None,
    per_node: int,
    targets: Sequence[Key] | None = None,
) -> tuple[list[dict[str, Any]], bool, int]:
    """One step: a query per label present in the frontier (usually one to three). With ``targets``
    (the last step, which only looks for where the two sides meet) only the relationship types that
    lead to a target's label are followed, and a non-hub's neighbours are kept only among the
    targets, before its cap; a hub's are capped in the query and all kept."""
    by_label: dict[str, list[str]] = {}
    for label, node_id in frontier:
        by_label.setdefault(label, []).append(node_id)
    wanted = {node_id for _, node_id in targets} if targets is not None else None
    towards = frozenset(label for label, _ in targets) if targets is not None else None
    allowed = frozenset(types) if types is not None else None
    sent = 0
    rows: list[dict[str, Any]] = []
    fanout: dict[Key, int] = {}
    for label, ids in by_label.items():
        step = _step_types(label, allowed, towards)
        if not step:
            continue  # no relationship to follow from this label
        hub = label in HUB_LABELS
        sent += 1
        params = {"ids": ids, **({"per_node": per_node} if hub else {})}
        for result in engine.read(neighbours_query(label, step), params):
            for nid, rel_type, out, to_label, to_id, name in _from_json(result["rows"]) or []:
                if not hub and (
                    (wanted is not None and to_id not in wanted) or fanout.get((label, nid), 0) >= per_node
                ):
                    continue
                rows.append(
                    {
                        "from_label": label,
                        "from_id": nid,
                        "type": rel_type,
                        "out": out,
                        "label": to_label,
                        "id": to_id,
                        "name": name,
                    }
                )
                fanout[(label, nid)] = fanout.get((label, nid), 0) + 1
    return rows, any(n >= per_node for n in fanout.values()), sent


def shortest_path(
    engine: Engine,
    a: str | refs.Candidate,
    b: str | refs.Candidate,
    max_depth: int = MAX_DEPTH,
    rel_types: Iterable[str] | None = None,
    frontier_cap: int = 1000,
    per_node: int = 100,
    role: str = "investigator",
    through: Iterable[str] = (),
) -> dict[str, Any]:
    """The shortest undirected path between two entities, at most ``max_depth`` (<= 6) hops, whose
    middle avoids ``PATH_AVOIDED_LABELS`` except those named in ``through``."""
    refs.check_role(role)
    if not 1 <= max_depth <= MAX_DEPTH:
        raise InputError(f"max_depth must be between 1 and {MAX_DEPTH}")
    types = _check_types(rel_types)
    unknown = [label for label in through if label not in SCHEMA.labels]
    if unknown:
        raise InputError(f"unknown label {', '.join(map(repr, unknown))}; known: {', '.join(SCHEMA.labels)}")
    avoided = set(PATH_AVOIDED_LABELS) - set(through)
    start, goal = refs.resolve_entity(engine, a, role=role), refs.resolve_entity(engine, b, role=role)
    s, g = (start.label, start.id), (goal.label, goal.id)
    names: dict[Key, str | None] = {s: start.name, g: goal.name}
    # parent[side][node] = (previous node, relationship type, the relationship points previous -> node)
    parent: list[dict[Key, tuple[Key, str, bool] | None]] = [{s: None}, {g: None}]
    frontier: list[list[Key]] = [[s], [g]]
    depth = [0, 0]
    complete, queries = True, 0
    meet: Key | None = s if s == g else None
    while meet is None and depth[0] + depth[1] < max_depth and frontier[0] and frontier[1]:
        last = depth[0] + depth[1] + 1 == max_depth
        if last:  # only the meeting is left to find: step from the side with fewer hubs
            hubs = [sum(label in HUB_LABELS for label, _ in f) for f in frontier]
            side = min((0, 1), key=lambda k: (hubs[k], len(frontier[k]), k))
        else:  # the side that costs less to step from
            cost = [sum(HUB_STEP_COST if label in HUB_LABELS else 1 for label, _ in f) for f in frontier]
            side = 0 if cost[0] <= cost[1] else 1
        todo = frontier[side]
        if len(todo) > frontier_cap:
            todo, complete = todo[:frontier_cap], False
        # the last step only looks for the other side: ask for those nodes alone
        targets = frontier[1 - side] if last else None
        rows, capped, sent = _expand_frontier(engine, todo, types, per_node, targets)
        queries += sent
        complete = complete and not capped
        nxt: list[Key] = []
        best: tuple[int, Key] | None = None
        for row in rows:
            here, there = (row["from_label"], row["from_id"]), (row["label"], row["id"])
            if there[1] is None or (there[0] in avoided and there not in (s, g)):
                continue
            names.setdefault(there, row["name"])
            if there not in parent[side]:
                # the stored direction is along the path from this side's start towards ``there``
                parent[side][there] = (here, row["type"], bool(row["out"]))
                nxt.append(there)
            if there in parent[1 - side]:
                length = _depth(parent[0], there) + _depth(parent[1], there)
                if best is None or length < best[0]:
                    best = (length, there)
        depth[side] += 1
        frontier[side] = nxt
        if best is not None and best[0] <= max_depth:
            meet = best[1]
    if meet is None:
        return {
            "found": False,
            "length": None,
            "nodes": [],
            "relationships": [],
            "complete": complete,
            "queries": queries,
            "explored": len(parent[0]) + len(parent[1]),
        }
    nodes, rels = _path(parent, meet)
    placements = [k[1] for k in nodes if k[0] == "Placement"]
    dates = {r.pop("id"): r for r in engine.read(PLACEMENT_DATES, {"ids": placements})} if placements else {}
    label_of = {k[1]: k[0] for k in nodes}
    for rel in rels:
        rel["from"] = refs.mask_id(label_of[rel["from"]], rel["from"], role)
        rel["to"] = refs.mask_id(label_of[rel["to"]], rel["to"], role)
    return {
        "found": True,
        "length": len(rels),
        "nodes": [
            {**_node_ref(k[0], k[1], names.get(k), role), **({"props": dates[k[1]]} if k[1] in dates else {})}
            for k in nodes
        ],
        "relationships": rels,
        "complete": complete,
        "queries": queries,
        "explored": len(parent[0]) + len(parent[1]),
    }


PLACEMENT_DATES = cypher(
    "explore.placement_dates",
    "UNWIND $ids AS id MATCH (p:Placement {id: id}) "
    "RETURN p.id AS id, p.departure_date AS departure_date, p.registration_date AS registration_date, "
    "p.arrival_date AS arrival_date, p.status AS status",
    doc="What tells a path's placements apart: their dates and status.",
)


def _depth(parents: dict[Key, tuple[Key, str, bool] | None], node: Key) -> int:
    n = 0
    step = parents[node]
    while step is not None:
        n += 1
        step = parents[step[0]]
    return n


def _walk(parents: dict[Key, tuple[Key, str, bool] | None], meet: Key) -> tuple[list[Key], list[dict[str, Any]]]:
    """From ``meet`` back to one side's start: the nodes after ``meet`` and the relationships."""
    nodes: list[Key] = []
    rels: list[dict[str, Any]] = []
    node, step = meet, parents[meet]
    while step is not None:
        prev, rel_type, out = step  # out: the relationship starts at ``prev``, the node nearer that start
        rels.append({"type": rel_type, "from": prev[1] if out else node[1], "to": node[1] if out else prev[1]})
        nodes.append(prev)
        node, step = prev, parents[prev]
    return nodes, rels


def _path(parent: list[dict[Key, tuple[Key, str, bool] | None]], meet: Key) -> tuple[list[Key], list[dict[str, Any]]]:
    left, rels_left = _walk(parent[0], meet)
    right, rels_right = _walk(parent[1], meet)
    return [*reversed(left), meet, *right], [*reversed(rels_left), *rels_right]
