"""Rights: what each worker is owed per placement (RULES.md "Rights"), and whether the data shows it.

For every placement x right: does the right apply (by job, destination, date and status), and is it
``met`` (the data shows it), ``violated`` (the data shows the opposite: a red flag of the linked rule)
or ``missing`` (no data either way). Rights and the rules behind them:

- zero_placement_cost (R5): the ten zero-cost jobs departing on/after the transition date;
- social_security (R6, BPJS), work_contract (R6), placement_agreement (R6), competency_certificate (R6);
- licensed_agency (R3): placement by a P3MI with a valid SIP3MI on the date;
- own_passport, paid_wage (R9): from complaints (document retention; unpaid wages or debt).

Each Placement node is one source's record of a trip: a fact its source does not carry is
``missing`` there (BP2MI carries cost, contract, BPJS and certificate; Kemnaker the placement
agreement; Kemlu only the arrival). Absence of a complaint is ``missing``, never ``met``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from engine.base import Engine, Row
from engine.cypher import cypher
from queries.flags import Config, Flag, Scope, config, run_rules, worker_scope

RIGHTS = {
    "zero_placement_cost": "R5",
    "social_security": "R6",
    "work_contract": "R6",
    "placement_agreement": "R6",
    "competency_certificate": "R6",
    "licensed_agency": "R3",
    "own_passport": "R9",
    "paid_wage": "R9",
}
DOCUMENTS = {
    "social_security": "bpjs",
    "work_contract": "work_contract",
    "placement_agreement": "placement_agreement",
    "competency_certificate": "competency_certificate",
}
ABROAD = ("DEPARTED", "ARRIVED")

_PLACEMENT_BODY = """
MATCH (w)-[:HAS_PLACEMENT]->(p:Placement)-[:REPORTED_IN]->(r:SourceRecord)
OPTIONAL MATCH (p)-[t:TRAINED_AT]->(:TrainingInstitute)
OPTIONAL MATCH (p)-[:PLACED_BY]->(a:Agency)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
OPTIONAL MATCH (p)-[:EMPLOYED_BY]->(e:Employer)
WITH w, p, r, a, h, e, collect(t.certificate_no) AS certificates
RETURN w.id AS worker, p.id AS placement, r.source AS source, r.id AS record, p.status AS status,
       p.job_code AS job_code, p.scheme AS scheme,
       coalesce(p.departure_date, p.arrival_date, p.agreement_date, p.registration_date) AS date,
       p.cost_to_worker AS cost, p.bpjs_no AS bpjs, p.contract_date AS contract_date, p.agreement_no AS agreement,
       size(certificates) > 0 AS certificate, a.id AS agency, a.registered AS agency_registered,
       coalesce(h.id, a.id) AS head, coalesce(h.name, a.name) AS head_name, e.id AS employer, e.name AS employer_name
"""
Q_WORKER_PLACEMENTS = cypher(
    "rights.worker_placements",
    "MATCH (w:Worker {id: $id})\n" + _PLACEMENT_BODY.strip(),
    doc="One worker's placements with the facts the rights are checked on.",
)
Q_ALL_PLACEMENTS = cypher(
    "rights.all_placements",
    "MATCH (w:Worker)\n" + _PLACEMENT_BODY.strip(),
    doc="Every placement with the facts the rights are checked on (summaries).",
)


def _index(flags: list[Flag]) -> dict[tuple[str, str], list[Flag]]:
    out: dict[tuple[str, str], list[Flag]] = defaultdict(list)
    for f in flags:
        out[(f.rule, f.entity_id)].append(f)
    return out


def _case_kinds(cfg: Config) -> dict[str, set[str]]:
    e = cfg["exploitation"]
    return {"own_passport": set(e["passport_kinds"]), "paid_wage": set(e["wage_kinds"])}


def _assess(row: Row, cfg: Config, flags: dict[tuple[str, str], list[Flag]], cases: list[Flag]) -> list[dict[str, Any]]:
    """The rights of one placement row; ``cases`` are the R9 flags attributed to it."""
    z = cfg["zero_cost"]
    pid, status, date = row["placement"], row["status"], row["date"]
    abroad = status in ABROAD
    out = []

    def entry(right: str, applies: bool, state: str, evidence: dict[str, Any], records: list[str]) -> None:
        out.append(
            {
                "right": right,
                "rule": RIGHTS[right],
                "placement": pid,
                "source": row["source"],
                "applies": applies,
                "status": state if applies else "not_applicable",
                "evidence": evidence,
                "record_ids": sorted(set(records)),
            }
        )

    r5 = flags.get(("R5", pid), [])
    zero = row["job_code"] in cfg.jobs(z["jobs"]) and date is not None and date >= z["since"]
    entry(
        "zero_placement_cost",
        zero,
        "violated" if r5 else "met" if row["cost"] == 0 else "missing",
        {"job_code": row["job_code"], "date": date, "cost_to_worker": row["cost"]},
        [row["record"]],
    )
    r6 = [m for f in flags.get(("R6", pid), []) for m in f.evidence["missing"]]
    present = {
        "social_security": row["bpjs"],
        "work_contract": row["contract_date"],
        "placement_agreement": row["agreement"],
        "competency_certificate": row["certificate"] or None,
    }
    for right, doc in DOCUMENTS.items():
        entry(
            right,
            abroad,
            "violated" if doc in r6 else "met" if present[right] else "missing",
            {"value": present[right]},
            [row["record"]],
        )
    r3 = flags.get(("R3", pid), [])
    # independent (mandiri) workers go without a P3MI
    entry(
        "licensed_agency",
        status in (*ABROAD, "REGISTERED") and row["scheme"] not in cfg["job_order"]["exempt_schemes"],
        "violated" if r3 else "met" if row["agency_registered"] and date else "missing",
        {
            "agency": row["agency"],
            "head_office": row["head"],
            "reasons": [x for f in r3 for x in f.evidence["reasons"]],
        },
        [row["record"]],
    )
    for right, kinds in _case_kinds(cfg).items():
        hits = [c for c in cases if c.evidence["kind"] in kinds]
        entry(
            right,
            abroad,
            "violated" if hits else "missing",
            {"cases": [c.entity_id for c in hits], "kinds": sorted({c.evidence["kind"] for c in hits})},
            [r for c in hits for r in c.record_ids],
        )
    return out


def _attribute_cases(rows: list[Row], cases: list[Flag]) -> dict[str, list[Flag]]:
    """A complaint about a worker belongs to their last placement abroad that began on or before it."""
    out: dict[str, list[Flag]] = defaultdict(list)
    abroad = sorted((r for r in rows if r["status"] in ABROAD and r["date"]), key=lambda r: r["date"])
    for c in cases:
        before = [r for r in abroad if r["date"] <= (c.evidence.get("date") or "9999")]
        for r in before[-1:] or abroad[-1:]:
            out[r["placement"]].append(c)
    return out


def rights_for_worker(engine: Engine, worker_id: str) -> list[dict[str, Any]]:
    """One entry per placement x right: right, rule, applies, status (met / missing / violated /
    not_applicable), evidence and source record ids."""
    rows = engine.read(Q_WORKER_PLACEMENTS, {"id": worker_id})
    if not rows:
        return []
    scope: Scope = worker_scope(engine, worker_id)
    flags = run_rules(engine, ["R3", "R5", "R6", "R9"], scope=scope)
    cases = _attribute_cases(rows, [f for f in flags if f.rule == "R9"])
    cfg, index = config(), _index(flags)
    return [e for row in rows for e in _assess(row, cfg, index, cases.get(row["placement"], []))]


def rights_summary(engine: Engine, by: str = "agency", limit: int = 20) -> list[dict[str, Any]]:
    """Per agency (head office) or employer: how many placements each right applies to, and how many
    are met, missing or violated; the entities with the most violations first."""
    if by not in ("agency", "employer"):
        raise ValueError("by must be 'agency' or 'employer'")
    cfg = config()
    flags = run_rules(engine, ["R3", "R5", "R6", "R9"])
    index = _index(flags)
    key, name = ("head", "head_name") if by == "agency" else ("employer", "employer_name")
    table: dict[str, dict[str, Any]] = {}
    rows = engine.read(Q_ALL_PLACEMENTS, timeout_s=900)
    for row in rows:
        if not row[key]:
            continue
        entry = table.setdefault(
            row[key],
            {
                "id": row[key],
                "name": row[name],
                "placements": 0,
                "violations": 0,
                "rights": {r: dict.fromkeys(("applies", "met", "missing", "violated"), 0) for r in RIGHTS},
            },
        )
        entry["placements"] += 1
        for e in _assess(row, cfg, index, []):
            if e["applies"]:
                counts = entry["rights"][e["right"]]
                counts["applies"] += 1
                counts[e["status"]] += 1
                entry["violations"] += e["status"] == "violated"
    # complaints count against the agency or employer they name
    label = "Agency" if by == "agency" else "Employer"
    heads = {row["agency"]: row["head"] for row in rows if row["agency"]}
    for case in (f for f in flags if f.rule == "R9"):
        for c in case.evidence["concerns"]:
            target = heads.get(c["id"], c["id"]) if label == "Agency" else c["id"]
            if c["label"] != label or target not in table:
                continue
            for right, kinds in _case_kinds(cfg).items():
                if case.evidence["kind"] in kinds:
                    table[target]["rights"][right]["violated"] += 1
                    table[target]["violations"] += 1
    ranked = sorted(table.values(), key=lambda e: (-e["violations"], -e["placements"], e["id"]))
    return ranked[:limit]
