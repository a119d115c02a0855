"""Agency chains and networks: a P3MI with its branches, sub-agents, sponsors, partners, employers,
destinations, shared identifiers, licence history and cases; tracing a chain up and down.

``agency_network(engine, ref, include_branches=True, limit=50, role=...)`` (``ref``: an agency id
or a licence number) returns::

    {"agency": {id, name, name_norm, licence_no, nib, email, status, status_date, licence_issued,
                licence_expires, is_branch, registered},
     "licence": {"licence_no", "issued", "expires", "status", "status_date", "valid_today",
                 "history": [{"date", "event"}]},          # issued, status changes, expiry; by date
     "region": {"id", "name"} | null,
     "head_office": [agency], "branches": [agency], "sub_agent_of": [agency],
     "sub_agents": [{"label", "id", "name"}],             # Agency or Sponsor -[:SUB_AGENT_OF]->
     "registered_partners": [{"id", "name", "country", "status"}],   # PartnerAgency -[:PARTNER_OF]->
     "scope": [agency ids whose placements are counted],  # the agency, and its branches if asked
     "placements": {"count", "first", "last"},            # departure dates
     "sponsors" | "partners" | "employers" | "countries" | "training":
         {"total": n, "items": [{"id", "name", "country", "placements", "first", "last"}]},  # top `limit`
     "routes": {"total": n, "items": [{"partner", "partner_name", "country", "placements", "employers",
                                       "first", "last"}]},
     "shared_identifiers": [{"kind": phone|address|director, "value", "label", "id", "name"}],
     "cases": [{"id", "date", "kind", "status"}],          # complaints about the agency or its placements
     "sources": [{"id", "source", "file", "row"}]}

``trace_up(engine, ref)`` from a sponsor, branch or sub-agent to the licensed head office(s):
structural links (BRANCH_OF, SUB_AGENT_OF, up to 4 hops) and, for sponsors, the agencies whose
placements they recruited for. ``trace_down(engine, ref)`` from a head office: the tree of branches
and sub-agents (up to 3 hops) and the sponsors recruiting for any agency in it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from engine.base import Engine
from engine.cypher import Cypher, cypher
from queries import refs

AGENCY_FIELDS = (
    "id",
    "name",
    "name_norm",
    "licence_no",
    "nib",
    "email",
    "status",
    "status_date",
    "licence_issued",
    "licence_expires",
    "is_branch",
    "registered",
)
STATUS_EVENTS = {"DIBEKUKAN": "suspended", "DICABUT": "revoked", "AKTIF": "active"}


def _dialect_json(name: str, text: str, doc: str) -> Cypher:
    """``{{J}}(x)`` in ``text`` is ``toJSON(x)`` on FalkorDB (one string instead of nested maps its
    client parses slowly) and ``x`` on Neo4j."""
    return cypher(name, text.replace("{{J}}", ""), falkordb=text.replace("{{J}}", "toJSON"), doc=doc)


CORE = _dialect_json(
    "agency.core",
    """
    MATCH (a:Agency {id: $id})
    OPTIONAL MATCH (a)-[:BRANCH_OF]->(ho:Agency)
    WITH a, collect(properties(ho)) AS head_office
    OPTIONAL MATCH (br:Agency)-[:BRANCH_OF]->(a)
    WITH a, head_office, collect(properties(br)) AS branches
    OPTIONAL MATCH (a)-[:SUB_AGENT_OF]->(up:Agency)
    WITH a, head_office, branches, collect(properties(up)) AS sub_agent_of
    OPTIONAL MATCH (sub)-[:SUB_AGENT_OF]->(a)
    WITH a, head_office, branches, sub_agent_of,
         collect({label: labels(sub)[0], id: sub.id, name: sub.name}) AS sub_agents
    OPTIONAL MATCH (pa:PartnerAgency)-[:PARTNER_OF]->(a)
    WITH a, head_office, branches, sub_agent_of, sub_agents, collect(properties(pa)) AS partners
    OPTIONAL MATCH (c:Case)-[:CONCERNS]->(a)
    WITH a, head_office, branches, sub_agent_of, sub_agents, partners, collect(properties(c)) AS cases
    OPTIONAL MATCH (a)-[:REPORTED_IN]->(s:SourceRecord)
    WITH a, head_office, branches, sub_agent_of, sub_agents, partners, cases, collect(properties(s)) AS sources
    OPTIONAL MATCH (a)-[:LOCATED_IN]->(rg:Region)
    WITH a, head_office, branches, sub_agent_of, sub_agents, partners, cases, sources,
         collect(properties(rg)) AS regions
    RETURN {{J}}({agency: properties(a), head_office: head_office, branches: branches, sub_agent_of: sub_agent_of,
           sub_agents: sub_agents, partners: partners, cases: cases, sources: sources, regions: regions}) AS core
    """,
    doc="An agency with its structural links, registered partners, cases, sources and region.",
)

_AGG = "count(p) AS n, min(p.departure_date) AS first, max(p.departure_date) AS last"
_SCOPE = "UNWIND $ids AS aid\n    MATCH (:Agency {id: aid})<-[:PLACED_BY]-(p:Placement)"


def _placed(kind: str, rel_type: str, label: str, country: str) -> str:
    return f"""
    {_SCOPE}-[:{rel_type}]->(x:{label})
    WITH x, {_AGG}
    RETURN '{kind}' AS kind, {{{{J}}}}(collect({{id: x.id, name: x.name, country: {country}, placements: n,
           first: first, last: last}})) AS rows"""


PLACED = _dialect_json(
    "agency.placed",
    "\n    UNION ALL".join(
        [
            _placed("sponsors", "RECRUITED_BY", "Sponsor", "null"),
            _placed("partners", "THROUGH_PARTNER", "PartnerAgency", "x.country"),
            _placed("employers", "EMPLOYED_BY", "Employer", "x.country"),
            _placed("countries", "DESTINATION", "Country", "x.id"),
            _placed("training", "TRAINED_AT", "TrainingInstitute", "null"),
            f"""
    {_SCOPE}-[:THROUGH_PARTNER]->(x:PartnerAgency)
    MATCH (p)-[:DESTINATION]->(c:Country)
    OPTIONAL MATCH (p)-[:EMPLOYED_BY]->(e:Employer)
    WITH x, c, {_AGG}, count(DISTINCT e) AS employers
    RETURN 'routes' AS kind, {{{{J}}}}(collect({{partner: x.id, partner_name: x.name, country: c.id,
           placements: n, employers: employers, first: first, last: last}})) AS rows""",
            f"""
    {_SCOPE}
    WITH {_AGG}
    RETURN 'total' AS kind, {{{{J}}}}([{{placements: n, first: first, last: last}}]) AS rows""",
        ]
    ),
    doc="What an agency's placements (optionally with its branches') connect it to, with counts and dates.",
)

SHARED = cypher(
    "agency.shared_identifiers",
    """
    MATCH (a:Agency {id: $id})-[:HAS_PHONE]->(ph:Phone)<-[r:HAS_PHONE]-(o)
    WHERE o <> a
    RETURN 'phone' AS kind, ph.id AS value, labels(o)[0] AS label, o.id AS id, o.name AS name
    UNION ALL
    MATCH (a:Agency {id: $id})-[:HAS_ADDRESS]->(ad:Address)<-[r:HAS_ADDRESS]-(o)
    WHERE o <> a
    RETURN 'address' AS kind, ad.text AS value, labels(o)[0] AS label, o.id AS id, o.name AS name
    UNION ALL
    MATCH (a:Agency {id: $id})<-[:DIRECTS]-(d:Person)-[r:DIRECTS]->(o)
    WHERE o <> a
    RETURN 'director' AS kind, d.name AS value, labels(o)[0] AS label, o.id AS id, o.name AS name
    """,
    doc="Phones, addresses and directors an agency shares with other organisations or people.",
)


def _trace_up_query(label: str) -> Cypher:
    return cypher(
        f"agency.trace_up.{label}",
        f"""
        MATCH (s:{label} {{id: $id}})
        MATCH path = (s)-[:BRANCH_OF|SUB_AGENT_OF*1..4]->(h:Agency)
        RETURN [n IN nodes(path) | {{label: labels(n)[0], id: n.id, name: n.name, licence_no: n.licence_no,
                status: n.status, registered: n.registered}}] AS nodes,
               [r IN relationships(path) | type(r)] AS types
        """,
        doc=f"Structural links (branch, sub-agent) from a {label} upward, at most 4 hops.",
    )


TRACE_UP = {label: _trace_up_query(label) for label in ("Agency", "Sponsor")}

RECRUITED_FOR = cypher(
    "agency.recruited_for",
    """
    MATCH (s:Sponsor {id: $id})<-[:RECRUITED_BY]-(p:Placement)-[:PLACED_BY]->(a:Agency)
    OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
    RETURN a.id AS id, a.name AS name, a.licence_no AS licence_no, a.status AS status, a.registered AS registered,
           h.id AS head_id, h.name AS head_name, h.licence_no AS head_licence_no, h.status AS head_status,
           count(p) AS placements, min(p.departure_date) AS first, max(p.departure_date) AS last
    ORDER BY placements DESC, id
    """,
    doc="The agencies whose placements a sponsor recruited for (and their head offices).",
)

TRACE_DOWN = cypher(
    "agency.trace_down",
    """
    MATCH (h:Agency {id: $id})
    MATCH path = (x)-[:BRANCH_OF|SUB_AGENT_OF*1..3]->(h)
    RETURN [n IN nodes(path) | {label: labels(n)[0], id: n.id, name: n.name, licence_no: n.licence_no,
            status: n.status}] AS nodes,
           [r IN relationships(path) | type(r)] AS types
    """,
    doc="Branches and sub-agents below an agency (and theirs), at most 3 hops.",
)


def _agency(props: dict[str, Any] | None) -> dict[str, Any]:
    return {k: (props or {}).get(k) for k in AGENCY_FIELDS}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def licence(agency: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """Licence facts and their dated history; ``valid_today``: active and not expired."""
    today_iso = (today or dt.date.today()).isoformat()
    history = []
    if agency.get("licence_issued"):
        history.append({"date": agency["licence_issued"], "event": "issued"})
    status = agency.get("status")
    if agency.get("status_date") and status:
        history.append({"date": agency["status_date"], "event": STATUS_EVENTS.get(status, status.lower())})
    if agency.get("licence_expires"):
        expired = agency["licence_expires"] < today_iso
        history.append({"date": agency["licence_expires"], "event": "expired" if expired else "expires"})
    history.sort(key=lambda e: e["date"])
    valid = (
        bool(agency.get("licence_no"))
        and status == "AKTIF"
        and (not agency.get("licence_expires") or agency["licence_expires"] >= today_iso)
    )
    return {
        "licence_no": agency.get("licence_no"),
        "issued": agency.get("licence_issued"),
        "expires": agency.get("licence_expires"),
        "status": status,
        "status_date": agency.get("status_date"),
        "valid_today": valid,
        "history": history,
    }


def _top(rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: (-r["placements"], r.get("id") or r.get("partner") or "", r.get("country") or ""))
    return {"total": len(rows), "items": rows[:limit]}


def resolve_agency(engine: Engine, ref: str, role: str = "investigator") -> refs.Candidate:
    return refs.resolve_entity(engine, ref, labels=["Agency"], role=role)


def agency_network(
    engine: Engine, ref: str, include_branches: bool = True, limit: int = 50, role: str = "investigator"
) -> dict[str, Any]:
    """An agency's network (shape: module docstring); three queries."""
    refs.check_role(role)
    node = resolve_agency(engine, ref, role)
    rows = engine.read(CORE, {"id": node.id})
    core = _json(rows[0]["core"])
    agency = _agency(core["agency"])
    branches = sorted((_agency(b) for b in core["branches"]), key=lambda a: a["id"])
    scope = [agency["id"], *(b["id"] for b in branches)] if include_branches else [agency["id"]]
    placed = {r["kind"]: _json(r["rows"]) for r in engine.read(PLACED, {"ids": scope})}
    total = (placed.get("total") or [{"placements": 0, "first": None, "last": None}])[0]
    shared = [
        {
            **r,
            "value": refs.mask_value("name" if r["kind"] == "director" else "text", r["value"], role)
            if r["kind"] in ("director", "address")
            else r["value"],
            "name": refs.mask_value("name", r["name"], role)
            if "name" in refs.personal_fields(r["label"])
            else r["name"],
        }
        for r in engine.read(SHARED, {"id": node.id})
    ]
    region = core["regions"][0] if core["regions"] else None
    cases = [{k: c.get(k) for k in ("id", "date", "kind", "status")} for c in core["cases"]]
    return {
        "agency": agency,
        "licence": licence(agency),
        "region": {"id": region["id"], "name": region.get("name")} if region else None,
        "head_office": [_agency(h) for h in core["head_office"]],
        "branches": branches,
        "sub_agent_of": [_agency(h) for h in core["sub_agent_of"]],
        "sub_agents": sorted((s for s in core["sub_agents"] if s.get("id")), key=lambda s: s["id"]),
        "registered_partners": sorted(
            ({k: p.get(k) for k in ("id", "name", "country", "status")} for p in core["partners"]),
            key=lambda p: p["id"],
        ),
        "scope": scope,
        "placements": {"count": total["placements"], "first": total["first"], "last": total["last"]},
        **{
            kind: _top(placed.get(kind) or [], limit)
            for kind in ("sponsors", "partners", "employers", "countries", "training", "routes")
        },
        "shared_identifiers": sorted(shared, key=lambda r: (r["kind"], r["label"], r["id"])),
        "cases": sorted(cases, key=lambda c: (c.get("date") or "", c["id"])),
        "sources": sorted(
            ({k: s.get(k) for k in ("id", "source", "file", "row")} for s in core["sources"]), key=lambda s: s["id"]
        ),
    }


def trace_up(engine: Engine, ref: str, role: str = "investigator") -> dict[str, Any]:
    """From a sponsor, branch or sub-agent up to the licensed head office(s).

    Returns ``{"start": {label, id, name}, "paths": [{"nodes": [...], "types": [...]}],
    "recruited_for": [{agency..., head_office, placements, first, last}], "heads": [top agencies]}``;
    ``heads`` are the agencies at the top of every path (or the head offices of the agencies a
    sponsor recruited for), each with ``licensed``: a licence number, registered, status AKTIF."""
    start = refs.resolve_entity(engine, ref, labels=["Agency", "Sponsor"], role=role)
    paths = engine.read(TRACE_UP[start.label], {"id": start.id})
    # the longest path to each top: a head office is what has no further link up
    tops: dict[str, dict[str, Any]] = {}
    for p in paths:
        tops[p["nodes"][-1]["id"]] = p["nodes"][-1]
    for p in paths:
        for n in p["nodes"][1:-1]:
            tops.pop(n["id"], None)
    recruited = []
    if start.label == "Sponsor":
        for r in engine.read(RECRUITED_FOR, {"id": start.id}):
            head = (
                {
                    "id": r["head_id"],
                    "name": r["head_name"],
                    "licence_no": r["head_licence_no"],
                    "status": r["head_status"],
                }
                if r["head_id"]
                else None
            )
            recruited.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "licence_no": r["licence_no"],
                    "status": r["status"],
                    "head_office": head,
                    "placements": r["placements"],
                    "first": r["first"],
                    "last": r["last"],
                }
            )
            top = head or {
                "id": r["id"],
                "name": r["name"],
                "licence_no": r["licence_no"],
                "status": r["status"],
                "registered": r["registered"],
            }
            tops.setdefault(top["id"], {"label": "Agency", **top})
    if start.label == "Agency" and not paths:
        own = engine.read(refs.NODE_EXISTS["Agency"], {"id": start.id})
        tops[start.id] = {"label": "Agency", "id": start.id, "name": own[0]["name"] if own else None}
    heads = []
    for top in tops.values():
        facts = engine.read(CORE, {"id": top["id"]})
        agency = _agency(_json(facts[0]["core"])["agency"]) if facts else _agency(top)
        heads.append(
            {
                **agency,
                "licensed": bool(agency["licence_no"])
                and agency["status"] == "AKTIF"
                and agency["registered"] is not False,
            }
        )
    return {
        "start": {"label": start.label, "id": start.id, "name": start.name},
        "paths": sorted(paths, key=lambda p: [n["id"] for n in p["nodes"]]),
        "recruited_for": recruited,
        "heads": sorted(heads, key=lambda h: h["id"]),
    }


def trace_down(engine: Engine, ref: str, limit: int = 50, role: str = "investigator") -> dict[str, Any]:
    """From an agency down: its tree of branches and sub-agents, and who recruits for any of them.

    Returns ``{"agency": {...}, "tree": {"id", "name", "label", "relation", "children": [...]},
    "sponsors": {"total", "items"}, "placements": {"count", "first", "last"}}``."""
    node = resolve_agency(engine, ref, role)
    paths = engine.read(TRACE_DOWN, {"id": node.id})
    root: dict[str, Any] = {"label": "Agency", "id": node.id, "name": node.name, "relation": None, "children": []}
    index = {node.id: root}
    for p in sorted(paths, key=lambda p: len(p["nodes"])):
        # nodes run from the descendant up to the root: walk them root-first
        chain = list(zip(reversed(p["nodes"]), [None, *reversed(p["types"])], strict=True))
        parent = root
        for n, relation in chain[1:]:
            child = index.get(n["id"])
            if child is None:
                child = {
                    "label": n["label"],
                    "id": n["id"],
                    "name": n.get("name"),
                    "licence_no": n.get("licence_no"),
                    "status": n.get("status"),
                    "relation": relation,
                    "children": [],
                }
                index[n["id"]] = child
                parent["children"].append(child)
            parent = child
    agencies = [i for i, n in index.items() if n["label"] == "Agency"]
    placed = {r["kind"]: _json(r["rows"]) for r in engine.read(PLACED, {"ids": agencies})}
    total = (placed.get("total") or [{"placements": 0, "first": None, "last": None}])[0]
    direct = [
        {"id": i, "name": n["name"], "placements": None, "first": None, "last": None, "via": "SUB_AGENT_OF"}
        for i, n in index.items()
        if n["label"] == "Sponsor"
    ]
    return {
        "agency": {"id": node.id, "name": node.name},
        "tree": root,
        "sponsors": _top((placed.get("sponsors") or []), limit) | {"sub_agents": direct},
        "placements": {"count": total["placements"], "first": total["first"], "last": total["last"]},
    }
