"""A worker's full chain: origin -> sponsor -> training -> P3MI -> partner -> employer -> country.

``worker_chain(engine, ref, role="investigator")`` resolves ``ref`` (``queries.refs``: Jejak id,
NIK, passport number or source record id) and reads the whole chain in one index-backed query by
id (one more when the worker or a placement has complaints or possible duplicates, one more for
the resolution of a NIK, passport or record), plus the red flags and rights of that chain
(``queries.flags.flags_for_worker``, ``queries.rights.rights_for_worker``).

The JSON shape (stable; new keys may be added, none removed or renamed)::

    {
      "ref": "3324116408849294",            # what the user typed
      "resolved_by": "nik",                 # id | alias (an id merged away) | nik | passport | record
      "role": "investigator",               # investigator | analyst | public (personal data masked)
      "worker": {"id", "name", "name_norm", "sex", "birth_date", "nik", "passport_no", "phone",
                 "address", "birth_place", "father_name", "nik_birth_date", "nik_sex"},
      "origin": {"regency": {"id", "name"} | null, "province": {"id", "name"} | null},
      "sources": [{"id", "source", "file", "row"}],      # records that report the Worker
      "cases": [{"id", "date", "kind", "status"}],       # complaints about the worker
      "possibly_same": [{"id", "name", "score", "reason"}],  # entity resolution's open questions
      "placements": [                       # sorted by departure, else registration, else arrival date
        {"id", "date", "departure_date", "registration_date", "arrival_date", "status", "job",
         "job_code", "sector", "scheme", "cost_to_worker", "sip2mi_no", "contract_date",
         "agreement_no", "agreement_date", "bpjs_no", "visa_type", "city", "mission",
         "sponsors": [{"id", "name", "sub_agent_of": [agency]}],
         "training": [{"id", "name", "licence_no", "status", "registered",
                       "certificate_no", "certificate_date"}],
         "agencies": [agency + {"head_office": [agency], "sub_agent_of": [agency]}],
         "partners": [{"id", "name", "country", "status", "registered"}],
         "employers": [{"id", "name", "name_norm", "kind", "country"}],
         "countries": [{"id", "name", "name_id"}],
         "sources": [{"id", "source", "file", "row"}],   # records behind this placement
         "cases": [{"id", "date", "kind", "status"}]}
      ],
      "conflicts": [{"kind", "field", "detail",
                     "values": [{"value", "placement", "sources": [record id]}]}],
      "flags_checked": true,                # false: flags and rights were not asked for (both [])
      "flags": [...],                       # queries.flags.flags_for_worker, or []
      "rights": [...]                       # queries.rights.rights_for_worker, or []
    }

where ``agency`` is ``{"id", "name", "name_norm", "licence_no", "nib", "email", "status", "status_date",
"licence_issued", "licence_expires", "is_branch", "registered"}`` (``queries.agency.AGENCY_FIELDS``).
Properties the graph does not have are ``null`` (a placement's keys are always all present). Lists
are used for every link because sources and entity resolution can give a placement more than one of
anything.

Conflicts between sources:
- ``birth_date`` / ``sex``: the declared value differs from the one encoded in the NIK;
- any field entity resolution recorded in ``Worker.conflicts`` when it merged records;
- ``employer``, ``job``, ``country``, ``agency``: placements from different sources whose dates lie
  within ``SAME_PERIOD_DAYS`` of each other (the same departure seen by two agencies: a Kemnaker
  registration comes 2-7 months before the departure, the embassy record days after it) name
  different values. Names are compared normalised and with a typo tolerance, so spelling alone is
  not a conflict. Cancelled registrations are not compared.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any

from engine.base import Engine
from engine.cypher import cypher
from graph_model import SCHEMA
from jejak.errors import NotFound
from queries.agency import AGENCY_FIELDS
from queries.flags import flags_for_worker
from queries.refs import check_role, mask, mask_deep, resolve_worker, worker_alias
from queries.rights import rights_for_worker

SAME_PERIOD_DAYS = 240
NAME_SIMILARITY = 0.85  # at or above: the same name with a typo

_PLACEMENT_LINKS = "RECRUITED_BY|TRAINED_AT|PLACED_BY|THROUGH_PARTNER|EMPLOYED_BY|DESTINATION|REPORTED_IN"
_UP = ("BRANCH_OF", "SUB_AGENT_OF")  # a link's third step: an agency's head office, a sponsor's agency
_TREE_TYPES = f"HAS_PLACEMENT|FROM_REGION|{_PLACEMENT_LINKS}|PART_OF|{'|'.join(_UP)}"


# The only relationship properties the chain shows: a training link's certificate.
_CERTIFICATE = ("certificate_no", "certificate_date")


def _chain_text(concerned_here: str, concerned_worker: str, json_out: bool) -> str:
    """The chain as one tree walk. Each row is a path of one to three steps out of the worker (its
    placements, region and records; their links, a region's province; an agency's head office or a
    sponsor's agency): [its length, the last relationship's type, the first and the next-to-last
    node's ids, the certificate fields, the last node's properties, complaints about it]. One
    variable-length walk costs a third of the same steps written as OPTIONAL MATCHes with an
    aggregation each on FalkorDB 4.22 (every operation there costs ~0.2 ms however little it finds);
    scalars per path cost less than lists of its types and ids, and organisations' own registry
    records (a third step) are left out in the walk. Cases and possible duplicates are rare: the walk
    only counts them and ``CHAIN_AROUND`` reads them when there are any."""
    chain = "{worker: properties(w), tree: tree, concerned: " + concerned_worker + "}"
    return f"""
MATCH (w:Worker {{id: $id}})
OPTIONAL MATCH p = (w)-[:{_TREE_TYPES}*1..3]->(y)
WHERE length(p) < 3 OR type(last(relationships(p))) <> 'REPORTED_IN'
WITH w, p, y, last(relationships(p)) AS r
WITH w, collect([length(p), type(r), nodes(p)[1].id, nodes(p)[-2].id, {", ".join(f"r.{c}" for c in _CERTIFICATE)},
                 properties(y), {concerned_here}]) AS tree
RETURN {"toJSON(" + chain + ")" if json_out else chain} AS chain"""


# The whole answer travels as one JSON string on FalkorDB (toJSON) instead of nested maps its client
# would parse value by value; Neo4j has no toJSON and returns the map. Counting a node's complaints:
# FalkorDB's indegree() (it has no COUNT subquery), Neo4j's COUNT { }.
CHAIN = cypher(
    "chain.worker",
    _chain_text(
        "CASE WHEN y IS NULL THEN 0 ELSE COUNT { (y)<-[:CONCERNS]-() } END",
        "COUNT { (w)-[:CONCERNS|POSSIBLY_SAME]-() }",
        json_out=False,
    ),
    falkordb=_chain_text(
        "indegree(y, 'CONCERNS')",
        "indegree(w, 'CONCERNS') + indegree(w, 'POSSIBLY_SAME') + outdegree(w, 'POSSIBLY_SAME')",
        json_out=True,
    ),
    doc="A worker's whole chain by id: placements with every link, origin, sources; counts of cases.",
)
_AROUND_BODY = """
MATCH (w:Worker {id: $id})
OPTIONAL MATCH (w)-[:HAS_PLACEMENT]->(y)<-[:CONCERNS]-(c)
WITH w, collect({placement: y.id, props: properties(c)}) AS cases
OPTIONAL MATCH (w)-[q:CONCERNS|POSSIBLY_SAME]-(o)
WITH cases, collect({type: type(q), props: properties(o), rel: properties(q)}) AS around
"""
CHAIN_AROUND = cypher(
    "chain.worker_around",
    _AROUND_BODY + "RETURN {cases: cases, around: around} AS around",
    falkordb=_AROUND_BODY + "RETURN toJSON({cases: cases, around: around}) AS around",
    doc="A worker's complaints (its own and its placements') and the workers it may be the same as.",
)

PLACEMENT_FIELDS = tuple(p.name for p in SCHEMA.node("Placement").properties)
WORKER_FIELDS = ("id", *(p.name for p in SCHEMA.node("Worker").properties))
_FIELDS = {
    "sponsors": ("id", "name"),
    "training": ("id", "name", "licence_no", "status", "registered"),
    "partners": ("id", "name", "country", "status", "registered"),
    "employers": ("id", "name", "name_norm", "kind", "country"),
    "countries": ("id", "name", "name_id"),
    "sources": ("id", "source", "file", "row"),
    "cases": ("id", "date", "kind", "status"),
}
_LINK_KEY = {
    "RECRUITED_BY": "sponsors",
    "TRAINED_AT": "training",
    "PLACED_BY": "agencies",
    "THROUGH_PARTNER": "partners",
    "EMPLOYED_BY": "employers",
    "DESTINATION": "countries",
    "REPORTED_IN": "sources",
}


def _plain(value: Any) -> Any:
    """Dataclasses, pydantic models, dates and tuples as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def placement_date(p: dict[str, Any]) -> str | None:
    """The date a placement is sorted and compared by: departure, else registration, else arrival."""
    return p.get("departure_date") or p.get("registration_date") or p.get("arrival_date")


def _pick(props: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: props.get(k) for k in fields}


def _agency(props: dict[str, Any]) -> dict[str, Any]:
    return _pick(props, AGENCY_FIELDS)


def _ups(link: dict[str, Any], rel_type: str) -> list[dict[str, Any]]:
    return sorted(
        (_agency(u["props"]) for u in link["up"] if u.get("type") == rel_type and u.get("props")), key=lambda a: a["id"]
    )


def _placements(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold the query's rows (one per placement and case) into placements with their links."""
    by_id: dict[str, dict[str, Any]] = {}
    for entry in entries:
        props = entry.get("props")
        if not props:
            continue  # a worker without placements
        p = by_id.get(props["id"])
        if p is None:
            p = {"id": props["id"], "date": placement_date(props), **_pick(props, PLACEMENT_FIELDS)}
            p |= {
                key: []
                for key in (
                    "sponsors",
                    "training",
                    "agencies",
                    "partners",
                    "employers",
                    "countries",
                    "sources",
                    "cases",
                )
            }
            seen: set[tuple[str, str]] = set()
            for link in entry["links"]:
                key = _LINK_KEY.get(link.get("type") or "")
                x = link.get("props")
                if key is None or not x or (key, x["id"]) in seen:
                    continue
                seen.add((key, x["id"]))
                if key == "agencies":
                    item = _agency(x) | {
                        "head_office": _ups(link, "BRANCH_OF"),
                        "sub_agent_of": _ups(link, "SUB_AGENT_OF"),
                    }
                elif key == "sponsors":
                    item = _pick(x, _FIELDS[key]) | {"sub_agent_of": _ups(link, "SUB_AGENT_OF")}
                elif key == "training":
                    rel = link.get("rel") or {}
                    item = _pick(x, _FIELDS[key]) | {
                        "certificate_no": rel.get("certificate_no"),
                        "certificate_date": rel.get("certificate_date"),
                    }
                else:
                    item = _pick(x, _FIELDS[key])
                p[key].append(item)
            for key in ("sponsors", "training", "agencies", "partners", "employers", "countries", "sources"):
                p[key].sort(key=lambda item: item["id"])
            by_id[props["id"]] = p
        case = entry.get("case")
        if case and case["id"] not in {c["id"] for c in p["cases"]}:
            p["cases"].append(_pick(case, _FIELDS["cases"]))
    for p in by_id.values():
        p["cases"].sort(key=lambda c: (c.get("date") or "", c["id"]))
    return sorted(by_id.values(), key=lambda p: (p["date"] is None, p["date"] or "", p["id"]))


def _origin(links: list[dict[str, Any]]) -> dict[str, Any]:
    regency = province = None
    for link in links:
        if link.get("type") == "FROM_REGION" and link.get("props"):
            region = link["props"]
            if region.get("level") == "province":
                province = province or region
            else:
                regency = regency or region
                province = link.get("up") or province
    return {
        "regency": _pick(regency, ("id", "name")) if regency else None,
        "province": _pick(province, ("id", "name")) if province else None,
    }


# -- conflicts -------------------------------------------------------------------------------------
def _days_apart(a: str, b: str) -> int:
    return abs((dt.date.fromisoformat(a[:10]) - dt.date.fromisoformat(b[:10])).days)


def _similar(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True  # a missing value does not contradict
    a, b = " ".join(a.upper().split()), " ".join(b.upper().split())
    return a == b or SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def _source_of(p: dict[str, Any]) -> frozenset[str]:
    return frozenset(s["source"] for s in p["sources"] if s.get("source"))


def _values(p: dict[str, Any], field: str) -> list[tuple[str, str]]:
    """(comparison key, shown value) pairs of one placement for one compared field."""
    if field == "employer":
        return [(e.get("name_norm") or e.get("name") or e["id"], e.get("name") or e["id"]) for e in p["employers"]]
    if field == "agency":
        return [(a["id"], a.get("name") or a["id"]) for a in p["agencies"]]
    if field == "country":
        return [(c["id"], c.get("name") or c["id"]) for c in p["countries"]]
    value = p.get("job_code") or p.get("job")
    return [(value, p.get("job") or value)] if value else []


def _same_agency(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """One organisation: the same node, the same head office, the same licence or a similar name."""
    ids_a = {a["id"], *(h["id"] for h in a.get("head_office") or [])}
    ids_b = {b["id"], *(h["id"] for h in b.get("head_office") or [])}
    if ids_a & ids_b:
        return True
    if a.get("licence_no") and b.get("licence_no"):
        return bool(a["licence_no"] == b["licence_no"])
    return _similar(a.get("name_norm") or a.get("name"), b.get("name_norm") or b.get("name"))


def _differ(field: str, p: dict[str, Any], q: dict[str, Any]) -> bool:
    if field == "agency":
        if not p["agencies"] or not q["agencies"]:
            return False
        return not any(_same_agency(a, b) for a in p["agencies"] for b in q["agencies"])
    a, b = _values(p, field), _values(q, field)
    if not a or not b:
        return False
    if field == "employer":
        return not any(_similar(x, y) for x, _ in a for y, _ in b)
    return not ({x for x, _ in a} & {y for y, _ in b})


def conflicts(worker: dict[str, Any], placements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where the sources behind one worker disagree (see the module docstring)."""
    out: list[dict[str, Any]] = []
    for declared, encoded, field in (("birth_date", "nik_birth_date", "birth_date"), ("sex", "nik_sex", "sex")):
        if worker.get(declared) and worker.get(encoded) and worker[declared] != worker[encoded]:
            out.append(
                {
                    "kind": "identity",
                    "field": field,
                    "detail": f"declared {field} differs from the one encoded in the NIK",
                    "values": [
                        {"value": worker[declared], "placement": None, "sources": ["declared"]},
                        {"value": worker[encoded], "placement": None, "sources": ["nik"]},
                    ],
                }
            )
    for field in worker.get("conflicts") or []:  # recorded by entity resolution when it merged records
        if field not in ("birth_date", "sex"):
            out.append(
                {
                    "kind": "identity",
                    "field": field,
                    "detail": f"the merged source records disagree on {field}",
                    "values": [],
                }
            )
    live = [p for p in placements if p.get("status") != "CANCELLED" and p["date"] and _source_of(p)]
    for p, q in combinations(live, 2):
        if _source_of(p) & _source_of(q) or _days_apart(p["date"], q["date"]) > SAME_PERIOD_DAYS:
            continue
        for field in ("employer", "job", "country", "agency"):
            if _differ(field, p, q):
                a, b = _values(p, field), _values(q, field)
                out.append(
                    {
                        "kind": "placement",
                        "field": field,
                        "detail": f"{field} differs between {'/'.join(sorted(_source_of(p)))} and "
                        f"{'/'.join(sorted(_source_of(q)))} for placements {_days_apart(p['date'], q['date'])} "
                        "days apart",
                        "values": [
                            {
                                "value": ", ".join(v for _, v in vals),
                                "placement": pl["id"],
                                "sources": [s["id"] for s in pl["sources"]],
                            }
                            for vals, pl in ((a, p), (b, q))
                        ],
                    }
                )
    return out


# -- the chain -------------------------------------------------------------------------------------
def _mask_chain(chain: dict[str, Any], role: str) -> dict[str, Any]:
    if role == "investigator":
        return chain
    chain["worker"] = mask("Worker", chain["worker"], role)
    if chain["resolved_by"] in ("nik", "passport"):  # the ref itself is personal data
        field = "nik" if chain["resolved_by"] == "nik" else "passport_no"
        chain["ref"] = mask("Worker", {field: chain["ref"]}, role)[field]  # type: ignore[index]
    personal = SCHEMA.node("Worker").personal
    for c in chain["conflicts"]:
        if c["field"] in personal:
            for v in c["values"]:
                v["value"] = mask(  # the same masking as the worker's own field
                    "Worker", {c["field"]: v["value"]}, role
                )[c["field"]]  # type: ignore[index]
    chain["rights"] = mask_deep(chain["rights"], role)  # flags come masked (Flag.as_dict)
    return chain


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _steps(tree: list[list[Any]], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The walk's paths folded into steps out of the worker (one per placement, region and record,
    and one more per complaint about a placement), each with its links and their ``up`` links."""
    steps: dict[str, dict[str, Any]] = {}
    links: dict[tuple[str, str], dict[str, Any]] = {}
    for length, rel_type, first, parent, number, date, props, _ in sorted(
        (t for t in tree if t[0]), key=lambda t: t[0]
    ):
        if length == 1:
            steps[first] = {"type": rel_type, "props": props, "links": [], "case": None}
        elif length == 2 and first in steps:
            rel = dict(zip(_CERTIFICATE, (number, date), strict=True))
            links[(first, props["id"])] = link = {"type": rel_type, "props": props, "rel": rel, "up": []}
            steps[first]["links"].append(link)
        elif length == 3 and rel_type in _UP and (first, parent) in links:
            links[(first, parent)]["up"].append({"type": rel_type, "props": props})
    out = list(steps.values())
    for case in cases:  # _placements folds a placement's entries back into one
        if case.get("props") and case.get("placement") in steps:
            out.append({**steps[case["placement"]], "case": case["props"]})
    return out


def read_chain(engine: Engine, worker_id: str) -> dict[str, Any] | None:
    """The chain of a worker by Jejak id, unmasked and without flags/rights; ``None`` if unknown."""
    rows = engine.read(CHAIN, {"id": worker_id})
    if not rows:
        return None
    row = _json(rows[0]["chain"])
    worker = _pick(row["worker"], WORKER_FIELDS)
    # complaints about a placement (a first step) or the worker, or possible duplicates: read them
    concerned = row["concerned"] + sum(t[-1] for t in row["tree"] if t[0] == 1)
    extra = _json(engine.read(CHAIN_AROUND, {"id": worker_id})[0]["around"]) if concerned else {}
    steps = _steps(row["tree"], extra.get("cases") or [])
    placements = _placements([s for s in steps if s.get("type") == "HAS_PLACEMENT"])
    # a region's step carries its province as a PART_OF link
    links = [
        {
            "type": s["type"],
            "props": s["props"],
            "up": next((x["props"] for x in s["links"] if x.get("type") == "PART_OF"), None),
        }
        for s in steps
        if s.get("type") in ("FROM_REGION", "REPORTED_IN")
    ]
    sources = {
        x["props"]["id"]: _pick(x["props"], _FIELDS["sources"])
        for x in links
        if x.get("type") == "REPORTED_IN" and x.get("props")
    }
    around = extra.get("around") or []
    cases = {a["props"]["id"]: _pick(a["props"], _FIELDS["cases"]) for a in around if a.get("type") == "CONCERNS"}
    possibly_same = [
        {"id": a["props"].get("id"), "name": a["props"].get("name"), **_pick(a.get("rel") or {}, ("score", "reason"))}
        for a in around
        if a.get("type") == "POSSIBLY_SAME" and a.get("props")
    ]
    return {
        "worker": worker,
        "origin": _origin(links),
        "sources": [sources[k] for k in sorted(sources)],
        "cases": sorted(cases.values(), key=lambda c: (c.get("date") or "", c["id"])),
        "possibly_same": sorted(
            (x for x in possibly_same if x.get("id")), key=lambda x: (-(x.get("score") or 0), x["id"])
        ),
        "placements": placements,
        "conflicts": conflicts(worker, placements),
    }


def worker_chain(engine: Engine, ref: str, role: str = "investigator", include_flags: bool = True) -> dict[str, Any]:
    """The full chain of the worker ``ref`` names, as ``role`` may see it (shape: module docstring).

    ``include_flags=False`` leaves ``flags`` and ``rights`` empty and skips their queries."""
    check_role(role)
    worker_id, resolved_by = resolve_worker(engine, ref, role)
    body = read_chain(engine, worker_id)
    if body is None and resolved_by == "id":
        worker_id, resolved_by = worker_alias(engine, worker_id), "alias"
        body = read_chain(engine, worker_id)
    if body is None:
        raise NotFound(f"no worker with id {worker_id} in the graph")
    chain: dict[str, Any] = {"ref": ref, "resolved_by": resolved_by, "role": role, **body}
    chain["flags_checked"] = include_flags  # an empty list means "none found" only when they were checked
    chain["flags"] = flags_for_worker(engine, worker_id, role=role) if include_flags else []
    chain["rights"] = _plain(rights_for_worker(engine, worker_id)) if include_flags else []
    return _mask_chain(chain, role)


# -- text ------------------------------------------------------------------------------------------
def _names(items: list[dict[str, Any]], extra: Callable[[dict[str, Any]], str] | None = None) -> str:
    if not items:
        return "-"
    return "; ".join(f"{i.get('name') or i['id']} [{i['id']}]" + (extra(i) if extra else "") for i in items)


def _agency_text(a: dict[str, Any]) -> str:
    out = f" licence {a.get('licence_no') or '-'} {a.get('status') or ''}".rstrip()
    if a.get("head_office"):
        out += " <- branch of " + _names(a["head_office"])
    if a.get("sub_agent_of"):
        out += " <- sub-agent of " + _names(a["sub_agent_of"])
    return out


def format_chain(chain: dict[str, Any]) -> str:
    """The chain as plain text, one step a line (``jejak chain`` without ``--json``)."""
    w, origin = chain["worker"], chain["origin"]
    lines = [
        f"worker {w.get('name') or '-'} [{w['id']}]  NIK {w.get('nik') or '-'}  passport "
        f"{w.get('passport_no') or '-'}  born {w.get('birth_date') or '-'}  sex {w.get('sex') or '-'}",
        "origin " + " -> ".join(f"{r['name']} [{r['id']}]" for r in (origin["regency"], origin["province"]) if r)
        if origin["regency"] or origin["province"]
        else "origin -",
        "records " + (", ".join(f"{s['id']} ({s['file']} row {s['row']})" for s in chain["sources"]) or "-"),
    ]
    for c in chain["cases"]:
        lines.append(f"case {c['id']} {c.get('date') or ''} {c.get('kind') or ''} {c.get('status') or ''}")
    for n, p in enumerate(chain["placements"], start=1):
        lines.append(f"placement {n}: {p['date'] or 'undated'} {p.get('status') or ''} [{p['id']}]")
        lines.append(
            f"  job {p.get('job') or '-'} ({p.get('sector') or '-'}), scheme {p.get('scheme') or '-'}, "
            f"cost to worker {p.get('cost_to_worker') if p.get('cost_to_worker') is not None else '-'}, "
            f"SIP2MI {p.get('sip2mi_no') or '-'}"
        )
        lines.append(
            "  sponsor   "
            + _names(
                p["sponsors"], lambda s: _agency_text({"sub_agent_of": s["sub_agent_of"]}) if s["sub_agent_of"] else ""
            )
        )
        lines.append(
            "  training  "
            + _names(
                p["training"],
                lambda t: f" certificate {t.get('certificate_no') or '-'} {t.get('certificate_date') or ''}".rstrip(),
            )
        )
        lines.append("  P3MI      " + _names(p["agencies"], _agency_text))
        lines.append("  partner   " + _names(p["partners"]))
        lines.append("  employer  " + _names(p["employers"]))
        lines.append("  country   " + _names(p["countries"]))
        lines.append(
            "  records   " + (", ".join(f"{s['id']} ({s['file']} row {s['row']})" for s in p["sources"]) or "-")
        )
        for c in p["cases"]:
            lines.append(f"  case {c['id']} {c.get('date') or ''} {c.get('kind') or ''} {c.get('status') or ''}")
    for c in chain["conflicts"]:
        values = "; ".join(f"{v['value']} ({', '.join(v['sources'])})" for v in c["values"])
        lines.append(f"conflict {c['field']}: {c['detail']}" + (f": {values}" if values else ""))
    for flag in chain["flags"]:
        where = f" [{flag.get('entity_label')} {flag.get('entity_id')}]" if flag.get("entity_id") else ""
        lines.append(f"flag {flag.get('rule')}{where}: {flag.get('summary') or flag.get('message') or ''}")
    # Rights: one line per right with its tally over placements, then only the gaps, by placement.
    tally: dict[str, dict[str, int]] = {}
    for item in chain["rights"]:
        counts = tally.setdefault(str(item.get("right")), {})
        counts[str(item.get("status"))] = counts.get(str(item.get("status")), 0) + 1
    for right, counts in tally.items():
        lines.append(f"right {right}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for item in chain["rights"]:
        if item.get("status") == "violated":
            lines.append(f"  violated {item.get('right')} on {item.get('placement')}")
    return "\n".join(lines)
