"""Organisation resolution: name variants the loader's normalisation leaves apart.

The loader already identifies organisations by licence, by the registry entry with the same
normalised name (``PT. Maju Jaya Abadi`` = ``MAJU JAYA ABADI, PT``: legal forms and punctuation are
dropped), and otherwise by normalised name (+ country abroad). What is left are designations written
as part of the name by some sources only: ``LPK Sinar Harapan`` vs ``Sinar Harapan``. Nodes whose
names agree once those words are dropped are merged (same label, same country); the registered
node, else the smallest id, survives, and the others' ids go to its ``aliases``.

Employers other than companies are known per worker (``loaders.plan.employer_ids``): a household is
named after a person, and two households of one name in one country are common. Once the workers
are resolved, a person's mentions of one name in one country are one employer; a name that is a
company's in that country (a record said ``badan hukum``) is that company, whoever named it. Two
different people naming the same household name are not merged: nothing in the records tells one
household from its namesake (rules that look for several workers at one employer group by name,
``queries.flags.rule_h3``).
"""

from __future__ import annotations

import re

import pandas as pd

from engine.base import Engine, WriteSummary, batched
from engine.cypher import cypher
from loaders.plan import WORKER_SCOPED
from loaders.resolve import graph as g

# label -> words that designate the kind of organisation rather than name it
DESIGNATIONS = {
    "TrainingInstitute": r"^(?:LPK|BLK|LPKS|LEMBAGA PELATIHAN KERJA)\s+",
    "PartnerAgency": r"\s+(?:AGENCY|AGENCIES|MANPOWER)$",
}
NODES = {
    label: cypher(
        f"resolve.org_nodes.{label}",
        f"MATCH (n:{label}) RETURN n.id AS id, n.name_norm AS name_norm, n.registered AS registered"
        + (", n.country AS country" if label == "PartnerAgency" else ""),
    )
    for label in DESIGNATIONS
}


# Employers with the Workers their placements and complaints name: the worker-scoped ones of the
# whole graph, or every one of some Workers (an incremental run; the caller keeps the worker-scoped
# ones: with the id filter in the query, FalkorDB scans every Employer for each Worker instead of
# starting from the Worker's index entry).
_EMPLOYER_WORKERS = """
MATCH (w)-[:HAS_PLACEMENT]->(:Placement)-[:EMPLOYED_BY]->(e:Employer) {where}
RETURN e.id AS id, e.name_norm AS name_norm, e.country AS country, e.kind AS kind, e.aliases AS aliases, w.id AS worker
UNION ALL
MATCH (w)<-[:CONCERNS]-(:Case)-[:CONCERNS]->(e:Employer) {where}
RETURN e.id AS id, e.name_norm AS name_norm, e.country AS country, e.kind AS kind, e.aliases AS aliases, w.id AS worker
"""
EMPLOYER_WORKERS = cypher(
    "resolve.employer_workers",
    _EMPLOYER_WORKERS.format(where="WHERE e.id STARTS WITH $scoped").replace("MATCH (w)", "MATCH (w:Worker)"),
)
EMPLOYER_WORKERS_OF = cypher(
    "resolve.employer_workers_of",
    _EMPLOYER_WORKERS.format(where="").replace("MATCH (w)", "UNWIND $workers AS wid MATCH (w:Worker {id: wid})"),
)
COMPANIES = cypher(
    "resolve.companies",
    "MATCH (e:Employer) WHERE NOT e.id STARTS WITH $scoped AND e.name_norm IS NOT NULL "
    "RETURN e.id AS id, e.name_norm AS name_norm, e.country AS country",
)
SET_KIND = cypher("resolve.set_employer_kind", "UNWIND $rows AS r MATCH (e:Employer {id: r.id}) SET e.kind = r.kind")


def employer_merges(scoped: pd.DataFrame, companies: pd.DataFrame) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(old, survivor) pairs for worker-scoped Employers, and the kind a survivor without one takes
    from a node merged into it.

    ``scoped``: id, name_norm, country, kind, aliases, worker (a row per worker a node's placements
    or complaints name); ``companies``: id, name_norm, country. A node whose name and country are a
    company's goes to the company; the others join the nodes of the same name, country and worker:
    an earlier survivor (with aliases) first, then the smallest id, so a new file renames nothing."""
    if not len(scoped):
        return [], {}
    scoped = scoped[scoped["name_norm"].notna()]
    key = scoped["name_norm"] + "|" + scoped["country"].fillna("")
    company = dict(zip(companies["name_norm"] + "|" + companies["country"].fillna(""), companies["id"], strict=True))
    pairs = {i: company[k] for i, k in zip(scoped["id"], key, strict=True) if k in company}

    rest = scoped[~scoped["id"].isin(set(pairs))].assign(key=key)
    rank = {i: (not isinstance(a, list) or not a, i) for i, a in zip(rest["id"], rest["aliases"], strict=True)}
    parent = {i: i for i in rank}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = rest.drop_duplicates(["key", "worker", "id"])
    links = links[links.duplicated(["key", "worker"], keep=False)]  # only groups of several nodes join any
    for ids in links.groupby(["key", "worker"], sort=False)["id"].agg(list):
        first = root(ids[0])
        for other in ids[1:]:
            a, b = sorted((first, root(other)), key=rank.__getitem__)
            parent[b] = first = a
    pairs.update({i: root(i) for i in parent if root(i) != i})

    kinds = dict(zip(scoped["id"], scoped["kind"], strict=True))
    fill: dict[str, str] = {}
    for old, new in sorted(pairs.items()):
        if new in kinds and not isinstance(kinds[new], str) and isinstance(kinds.get(old), str):
            fill.setdefault(new, kinds[old])
    return sorted(pairs.items()), fill


def resolve_employers(engine: Engine, workers: list[str] | None, total: WriteSummary) -> int:
    """Merge worker-scoped Employers (``employer_merges``) of these Workers (None: all)."""
    params: dict[str, object] = {"scoped": WORKER_SCOPED}
    if workers is None:
        rows = engine.read(EMPLOYER_WORKERS, params, timeout_s=3600)
    else:
        rows = [
            r
            for chunk in batched(workers, 20_000)
            for r in engine.read(EMPLOYER_WORKERS_OF, {"workers": chunk}, timeout_s=600)
            if r["id"].startswith(WORKER_SCOPED)
        ]
    columns = ["id", "name_norm", "country", "kind", "aliases", "worker"]
    scoped = pd.DataFrame(rows, columns=columns)
    companies = pd.DataFrame(engine.read(COMPANIES, params, timeout_s=600), columns=["id", "name_norm", "country"])
    pairs, kinds = employer_merges(scoped, companies)
    g.merge_nodes(engine, "Employer", pairs, total)
    g._write(engine, SET_KIND, "rows", [{"id": i, "kind": k} for i, k in kinds.items()], total)
    return len(pairs)


def org_merges(label: str, nodes: pd.DataFrame) -> list[tuple[str, str]]:
    """(old, survivor) pairs for nodes of ``label`` whose names differ only by designation words."""
    if not len(nodes):
        return []
    nodes = nodes[nodes["name_norm"].notna()].copy()
    pattern = re.compile(DESIGNATIONS[label])
    nodes["key"] = nodes["name_norm"].map(lambda s: pattern.sub("", s).strip() or s)
    if "country" in nodes.columns:
        nodes["key"] = nodes["key"] + "|" + nodes["country"].fillna("")
    nodes["rank"] = (~nodes["registered"].fillna(False).astype(bool)).astype(int)
    nodes = nodes.sort_values(["key", "rank", "id"])
    survivor = nodes.groupby("key")["id"].transform("first")
    return [(o, s) for o, s in zip(nodes["id"], survivor, strict=True) if o != s]


def resolve_organisations(engine: Engine, total: WriteSummary, workers: list[str] | None = None) -> int:
    """Merge organisation nodes: designation variants, and the Employers of ``workers`` (None: all)."""
    merged = resolve_employers(engine, workers, total)
    for label in DESIGNATIONS:
        pairs = org_merges(label, pd.DataFrame(engine.read(NODES[label], timeout_s=600)))
        g.merge_nodes(engine, label, pairs, total)
        merged += len(pairs)
    return merged
