"""Red flags: every rule of shared/domain/RULES.md (R1-R11, H1-H4) as named Cypher plus a little Python.

``run_rules(engine)`` checks the whole graph; ``flags_for_worker(engine, worker_id)`` checks only what
touches one worker's chain; ``write_back(engine, flags)`` stores the rule ids on the flagged nodes
(``flags``, ``flag_count``) for other queries and analytics.

Thresholds, dates and lists come from ``reference/rules.yaml`` only. Each query is anchored on one
label: the whole-graph text starts with ``MATCH (x:Label)``, the scoped text (``*.scoped``) with
``UNWIND $ids ... MATCH (x:Label {id: ...})``, and both share the same body.

Where a rule is checked (Placement nodes come from three sources, see ``placement_sources``):
- R1 underage: departures (BP2MI) and embassy arrivals (Kemlu: arrival = departure); the age is
  checked with the NIK-encoded birth date and with the declared one, and either under the minimum
  age flags (the NIK shows the classic falsified declared date; a forged NIK shows the reverse).
- R2 moratorium, R4 job order, R5 cost: BP2MI departure records (they carry departure date, job
  order, cost, employer kind). Embassy-only workers in moratorium countries are H3.
- R3 unlicensed agency: BP2MI departures (exact date) and Kemnaker DEPARTED registrations (the
  agreement or registration date is a lower bound of the departure: only an agency suspended,
  revoked or expired before it is certain). A branch follows its head office's licence.
- R6 documents: BP2MI departures (work contract date, BPJS number, competency certificate) and
  Kemnaker DEPARTED registrations (placement agreement number).
- R7 individual placer: a sponsor name within one origin province (Sponsor nodes are name-keyed)
  who recruited >= min_workers workers for >= min_agencies different P3MIs.
- R8 deception: an embassy arrival of the same worker (or passport) in the same country shortly
  after a BP2MI departure, with another employer or another kind of work than the contract.
- R9 exploitation: complaints of the listed kinds. R10 SPSK limits: syarikah = a Saudi partner that
  is the employer of record of, or carries, SPSK placements.
- R11 identity: NIK birth date/sex vs declared (a day/month swap is a typo, not flagged); one
  passport held by two workers whose names and birth dates both differ.
- H1 shared identifiers: head P3MIs sharing a phone or address (a shared director is evidence);
  sponsors feeding several P3MIs; workers of several P3MIs sharing a phone or address.
- H2 tainted partners: partner agencies tied (registry or placements) to suspended/revoked P3MIs;
  employers that received workers from such a P3MI after its status date.
- H3 non-procedural: embassy arrivals of workers with no departure/agreement record (themselves or
  by passport), or on a non-work visa; clusters by employer.
- H4 training mill: certificates per LPK and month above its capacity; certificates dated after
  the departure.
"""

from __future__ import annotations

import difflib
import functools
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.base import Engine, Row
from engine.cypher import Cypher, cypher
from jejak.errors import InputError, JejakError
from loaders.upgrade import is_current
from queries.refs import mask_deep, mask_id, mask_value
from reference.jobs import rules as load_rules

RULE_IDS = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "H1", "H2", "H3", "H4")
HARD_RULES = RULE_IDS[:11]
# Every rule, by its run time at 1 M workers (bench/bench_flags.py): the parallel run starts the slow
# ones first.
SLOW_FIRST = ("H3", "R8", "H1", "H4", "R6", "R3", "R2", "R1", "R11", "R5", "R9", "H2", "R4", "R10", "R7")
RULE_TITLES = {
    "R1": "underage",
    "R2": "moratorium",
    "R3": "unlicensed agency",
    "R4": "no job order",
    "R5": "overcharging",
    "R6": "missing documents",
    "R7": "individual placer",
    "R8": "deception",
    "R9": "exploitation reported",
    "R10": "SPSK limits",
    "R11": "identity inconsistency",
    "H1": "shared identifiers",
    "H2": "tainted partners",
    "H3": "non-procedural",
    "H4": "training mill",
}
# Labels that can carry written-back flags (graph_model/schema.yaml documents the two properties).
FLAGGED_LABELS = (
    "Worker",
    "Placement",
    "Agency",
    "Sponsor",
    "TrainingInstitute",
    "PartnerAgency",
    "Employer",
    "Case",
    "Passport",
)
Scope = dict[str, list[str]]  # label -> node ids a scoped run is limited to


@dataclass
class Flag:
    rule: str
    entity_label: str
    entity_id: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    record_ids: list[str] = field(default_factory=list)
    # other nodes whose source records are evidence too (label, id); not part of the output
    related: list[tuple[str, str]] = field(default_factory=list, repr=False)
    # personal values the summary or evidence quote, as text -> the field they are (a birth date, a
    # director's name): masked wherever they appear for a role that may not see them
    personal: dict[str, str] = field(default_factory=dict, repr=False)

    def as_dict(self, role: str = "investigator") -> dict[str, Any]:
        """The flag as ``role`` may see it: personal values masked in the evidence (by key), in the
        entity id (a passport number) and wherever the summary or evidence quote them."""
        out = asdict(self)
        del out["related"], out["personal"]
        if role == "investigator":
            return out
        out = mask_deep(out, role)
        out["entity_id"] = mask_id(self.entity_label, self.entity_id, role)
        quoted = {raw: str(mask_value(kind, raw, role)) for raw, kind in self.personal.items() if raw}
        return _unquote(out, quoted) if quoted else out


def _unquote(value: Any, masked: dict[str, str]) -> Any:
    """``value`` with every quoted personal text replaced by its masked form, longest first (a name
    may contain a shorter one)."""
    if isinstance(value, str):
        for raw in sorted(masked, key=len, reverse=True):
            value = value.replace(raw, masked[raw])
        return value
    if isinstance(value, dict):
        return {k: _unquote(v, masked) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unquote(v, masked) for v in value]
    return value


# -- query declarations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Anchored:
    """One rule query in two texts: over every node of ``label``, or over the nodes in ``$ids``."""

    label: str
    whole: Cypher
    scoped: Cypher

    def run(self, engine: Engine, params: dict[str, Any], scope: Scope | None) -> list[Row]:
        if scope is None:
            return engine.read(self.whole, params, timeout_s=900)
        ids = scope.get(self.label) or []
        return engine.read(self.scoped, {**params, "ids": ids}) if ids else []


def _anchored(
    name: str,
    label: str,
    var: str,
    body: str,
    doc: str,
    from_anchor: bool = False,
    whole: str | None = None,
    falkordb_whole: str | None = None,
) -> Anchored:
    """``from_anchor``: make the whole-graph text start from the label scan too (the planner may prefer
    another start, which is better for some rules and worse for others). ``whole``: a whole-graph text
    of its own, for a rule that is faster from another side (same columns as ``body``);
    ``falkordb_whole``: the same for FalkorDB only (a function Neo4j lacks)."""
    head = "MATCH (" + var + ":" + label + ")\n" + ("WITH " + var + "\n" if from_anchor else "")
    # WITH keeps the planner on the anchor: without it FalkorDB may start from a label or index scan
    # of another node of the pattern and filter on the id afterwards (seconds instead of milliseconds)
    scoped_head = "UNWIND $ids AS anchor_id\nMATCH (" + var + ":" + label + " {id: anchor_id})\nWITH " + var + "\n"
    parts = [part.strip() for part in body.strip().split("\nUNION ALL\n")]  # each part gets the head
    scoped = "\nUNION ALL\n".join(scoped_head + part for part in parts)
    whole = whole.strip() if whole else "\nUNION ALL\n".join(head + part for part in parts)
    return Anchored(
        label,
        cypher("flags." + name, whole, falkordb=falkordb_whole, doc=doc),
        cypher("flags." + name + ".scoped", scoped, doc=doc + " (scoped)"),
    )


# R1 starts from the workers and steps to the placements only of those who came of age after the
# graph's earliest departure or arrival (a tenth of them at 1 M workers: 17 s -> 5 s).
Q_R1 = _anchored(
    "r1_underage",
    "Worker",
    "w",
    """
WITH w,
     CASE WHEN w.nik_birth_date IS NULL THEN null
          ELSE toString(toInteger(substring(w.nik_birth_date, 0, 4)) + $min_age) + substring(w.nik_birth_date, 4)
     END AS adult_by_nik,
     CASE WHEN w.birth_date IS NULL THEN null
          ELSE toString(toInteger(substring(w.birth_date, 0, 4)) + $min_age) + substring(w.birth_date, 4)
     END AS adult_by_declared
WHERE adult_by_nik > $earliest OR adult_by_declared > $earliest
MATCH (w)-[:HAS_PLACEMENT]->(p:Placement)
WITH p, w, adult_by_nik, adult_by_declared,
     CASE WHEN p.departure_date IS NOT NULL THEN p.departure_date WHEN $use_arrival THEN p.arrival_date END AS dep
WHERE adult_by_nik > dep OR adult_by_declared > dep
RETURN p.id AS id, w.id AS worker, dep AS departure, w.birth_date AS birth_date,
       w.nik_birth_date AS nik_birth_date, adult_by_nik > dep AS by_nik, adult_by_declared > dep AS by_declared
""",
    "R1: departures or arrivals before the worker's 18th birthday (NIK-encoded or declared birth date).",
)

Q_EARLIEST = cypher(
    "flags.earliest_placement",
    """
MATCH (p:Placement)
RETURN min(p.departure_date) AS departure, min(p.arrival_date) AS arrival
""",
    doc="The earliest departure and arrival dates of the graph (R1 skips workers of age before both).",
)

Q_R11_NIK = _anchored(
    "r11_nik",
    "Worker",
    "w",
    """
WHERE w.nik_birth_date IS NOT NULL
  AND ((w.birth_date IS NOT NULL AND w.birth_date <> w.nik_birth_date)
       OR (w.sex IS NOT NULL AND w.nik_sex IS NOT NULL AND w.sex <> w.nik_sex))
RETURN w.id AS id, w.birth_date AS birth_date, w.nik_birth_date AS nik_birth_date, w.sex AS sex,
       w.nik_sex AS nik_sex
""",
    "R11: workers whose NIK-encoded birth date or sex disagrees with the declared one.",
)

_R11_HOLDERS = """
MATCH (pp)<-[:HOLDS_PASSPORT]-(w:Worker)
WITH pp, count(w) AS holders, count(w.birth_date) AS dated, count(DISTINCT w.birth_date) AS dates,
     min(w.birth_date) AS first
WHERE holders > 1 AND (dates > 1 OR dated < holders OR size(first) = 0)
MATCH (pp)<-[:HOLDS_PASSPORT]-(w:Worker)
RETURN pp.id AS id, w.id AS worker, w.name_norm AS name, w.birth_date AS birth_date, w.nik AS nik
"""
# Passports with one holder are skipped first: by a count, or on FalkorDB by their degree.
Q_R11_PASSPORT = _anchored(
    "r11_passport",
    "Passport",
    "pp",
    """
MATCH (pp)<-[:HOLDS_PASSPORT]-(w:Worker)
WITH pp, count(w) AS n
WHERE n > 1"""
    + _R11_HOLDERS,
    "R11: passports held by more than one Worker node, with the holders' names and birth dates (only where"
    " the birth dates differ or one is missing: holders sharing one birth date are never flagged).",
    falkordb_whole="""
MATCH (pp:Passport)
WHERE indegree(pp, 'HOLDS_PASSPORT') > 1"""
    + _R11_HOLDERS,
)

_R2_CHECK = """
OPTIONAL MATCH (p)-[:EMPLOYED_BY]->(e:Employer)
OPTIONAL MATCH (p)-[:THROUGH_PARTNER]->(m:PartnerAgency)
WITH p, c, e, m
WHERE p.job_code IN $household OR e.kind = 'perseorangan'
WITH p, c, e, m,
     c.id = $spsk_country AND p.departure_date >= $spsk_since AND p.job_code IN $spsk_jobs
     AND e IS NOT NULL AND coalesce(e.kind, '') <> 'perseorangan'
     AND (p.scheme = 'SPSK' OR (m IS NOT NULL AND m.name_norm = e.name_norm)) AS valid_spsk
WHERE NOT valid_spsk
RETURN p.id AS id, c.id AS country, p.job_code AS job_code, p.departure_date AS departure, p.scheme AS scheme,
       e.id AS employer, e.name AS employer_name, e.kind AS employer_kind
"""
# Over the whole graph R2 starts from the moratorium countries (a step from a few countries to their
# placements is cheap; from every placement to its country is not), as R3 does from the agencies.
Q_R2 = _anchored(
    "r2_moratorium",
    "Placement",
    "p",
    """
WHERE p.source IN $sources AND p.departure_date >= $since
MATCH (p)-[:DESTINATION]->(c:Country)
WHERE c.id IN $countries"""
    + _R2_CHECK,
    "R2: household jobs or individual employers in moratorium countries outside a valid SPSK placement.",
    whole="""
MATCH (c:Country)
WHERE c.id IN $countries
MATCH (c)<-[:DESTINATION]-(p:Placement)
WHERE p.source IN $sources AND p.departure_date >= $since"""
    + _R2_CHECK,
)

# R3's source filter, and its check once p, its agency a and a's head office h (if any) are bound.
_R3_SOURCES = """
WHERE (p.source IN $departure_sources AND p.departure_date IS NOT NULL)
   OR (p.source IN $agreement_sources AND p.status = 'DEPARTED')
"""
_R3_CHECK = """
WITH p, a, h, p.source IN $departure_sources AS exact,
     CASE WHEN p.source IN $departure_sources THEN p.departure_date
          WHEN p.agreement_date IS NOT NULL AND (p.registration_date IS NULL OR p.agreement_date > p.registration_date)
          THEN p.agreement_date ELSE p.registration_date END AS d
WHERE d IS NOT NULL
WITH p, a, h, exact, d
WHERE (a.status IN $bad AND a.status_date <= d) OR a.licence_expires < d
   OR (exact AND a.licence_issued > d)
   OR ($check_registry AND a.licence_no IS NOT NULL AND a.registered IS NULL)
   OR (h IS NOT NULL AND ((h.status IN $bad AND h.status_date <= d) OR h.licence_expires < d))
RETURN p.id AS id, d AS date, exact, a.id AS agency, a.name AS agency_name, a.status AS status,
       a.status_date AS status_date, a.licence_expires AS licence_expires, a.licence_issued AS licence_issued,
       a.registered AS registered, h.id AS head, h.status AS head_status, h.status_date AS head_status_date,
       h.licence_expires AS head_licence_expires
"""
# Over the whole graph R3 starts from the agencies: stepping from a few hundred agencies to their
# placements costs a sixth of stepping from every placement to its agency (20 s -> 7 s at 1 M). A
# scoped run starts from its placements.
Q_R3 = _anchored(
    "r3_unlicensed",
    "Placement",
    "p",
    _R3_SOURCES
    + """
MATCH (p)-[:PLACED_BY]->(a:Agency)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
"""
    + _R3_CHECK,
    "R3: placements by an agency (or a branch of a head office) without a valid SIP3MI on the date.",
    whole="""
MATCH (a:Agency)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
WITH a, h
MATCH (a)<-[:PLACED_BY]-(p:Placement)"""
    + _R3_SOURCES
    + _R3_CHECK,
)

Q_REGISTRY = cypher(
    "flags.registry_loaded",
    """
MATCH (a:Agency) WHERE a.registered = true
RETURN a.id AS id LIMIT 1
""",
    doc="Is the P3MI registry loaded (so that a licence missing from it means something)?",
)

Q_R4 = _anchored(
    "r4_no_job_order",
    "Placement",
    "p",
    """
WHERE p.source IN $sources AND p.sip2mi_no IS NULL AND NOT coalesce(p.scheme, '') IN $exempt
RETURN p.id AS id, p.scheme AS scheme, p.departure_date AS departure
""",
    "R4: departure records without an SIP2MI job-order number.",
)

Q_R5 = _anchored(
    "r5_overcharging",
    "Placement",
    "p",
    """
WHERE p.source IN $sources AND p.job_code IN $jobs AND p.departure_date >= $since AND p.cost_to_worker > 0
RETURN p.id AS id, p.job_code AS job_code, p.departure_date AS departure, p.cost_to_worker AS cost
""",
    "R5: zero-cost jobs departing after the transition with a cost charged to the worker.",
)

# R6 reads each departure's certificate without collect(): a placement with several TRAINED_AT links
# gives several rows, and Python counts a certificate as missing only if every row lacks one (the
# aggregation cost 11 s of 28 s at 1 M workers).
Q_R6 = _anchored(
    "r6_documents",
    "Placement",
    "p",
    """
WHERE p.status = 'DEPARTED' AND p.source IN $departure_sources
OPTIONAL MATCH (p)-[t:TRAINED_AT]->(:TrainingInstitute)
WITH p, t.certificate_no IS NULL AS no_certificate
WHERE no_certificate OR p.contract_date IS NULL OR p.bpjs_no IS NULL
   OR (p.source IN $agreement_sources AND p.agreement_no IS NULL)
RETURN p.id AS id, p.contract_date IS NULL AS no_work_contract, p.bpjs_no IS NULL AS no_bpjs,
       no_certificate AS no_competency_certificate,
       p.source IN $agreement_sources AND p.agreement_no IS NULL AS no_placement_agreement,
       p.departure_date AS departure, p.registration_date AS registration
UNION ALL
WHERE p.status = 'DEPARTED' AND p.source IN $agreement_sources AND NOT p.source IN $departure_sources
  AND p.agreement_no IS NULL
RETURN p.id AS id, false AS no_work_contract, false AS no_bpjs, false AS no_competency_certificate,
       true AS no_placement_agreement, p.departure_date AS departure, p.registration_date AS registration
""",
    "R6: departed placements missing a work contract, placement agreement, BPJS or certificate (the"
    " certificates are only looked up for departure records).",
)

_SPONSOR_GROUPS = """
MATCH (s)<-[:RECRUITED_BY]-(p:Placement)<-[:HAS_PLACEMENT]-(w:Worker)
OPTIONAL MATCH (w)-[:FROM_REGION]->(:Region)-[:PART_OF]->(prov:Region)
OPTIONAL MATCH (p)-[:PLACED_BY]->(a:Agency)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
WITH s, coalesce(prov.id, '') AS province, count(DISTINCT w) AS workers,
     collect(DISTINCT coalesce(h.id, a.id)) AS agencies, collect(DISTINCT p.id) AS placements
WHERE workers >= $min_workers OR size(agencies) >= $min_agencies
RETURN s.id AS id, s.name AS name, province, workers, agencies, placements
"""
# A group needs at least $least placements (one per worker or agency counted): on FalkorDB the
# sponsors with fewer are skipped by their degree, before the steps and the aggregation.
Q_SPONSORS = _anchored(
    "r7_sponsors",
    "Sponsor",
    "s",
    _SPONSOR_GROUPS,
    "R7/H1: sponsors (per origin province) with their workers and the P3MIs they fed.",
    from_anchor=True,  # from the sponsors, not from every worker (3.8 s -> 1.5 s at 100 k)
    falkordb_whole="""
MATCH (s:Sponsor)
WHERE indegree(s, 'RECRUITED_BY') >= $least
WITH s"""
    + _SPONSOR_GROUPS,
)

# R8 takes the arrival's country before the passport fan-out and compares the contract's by id: the
# closed pattern (k)-[:DESTINATION]->(c)<-[:DESTINATION]-(b) made FalkorDB check every row with an
# Expand Into (24 s of 27 s at 100 k workers). The departure window is computed once per arrival and
# compared as ISO date strings, not with date() on every departure. FalkorDB lets both ends of a
# two-hop pattern be the same node through one relationship (Neo4j does not): every worker is its own
# passport sharer there, hence ``o = wk`` in the CASE (a WHERE on the OPTIONAL MATCH would run it row
# by row: 50 s at 1 M). No collect() of the sharers either: a worker with two of them is checked
# twice, and the rule keeps one flag per departure.
Q_R8 = _anchored(
    "r8_deception",
    "Placement",
    "k",
    """
WHERE k.source IN $embassy_sources AND k.arrival_date IS NOT NULL
MATCH (k)-[:DESTINATION]->(ck:Country)
MATCH (k)<-[:HAS_PLACEMENT]-(wk:Worker)
OPTIONAL MATCH (wk)-[:HOLDS_PASSPORT]->(:Passport)<-[:HOLDS_PASSPORT]-(o:Worker)
WITH k, ck, CASE WHEN o IS NULL OR o = wk THEN [wk] ELSE [wk, o] END AS same, date(k.arrival_date) AS arrived
WITH k, ck, same, toString(arrived - duration({days: $days})) AS earliest,
     toString(arrived + duration({days: 2})) AS latest
UNWIND same AS w
MATCH (w)-[:HAS_PLACEMENT]->(b:Placement)
WHERE b.source IN $departure_sources AND b.departure_date >= earliest AND b.departure_date <= latest
MATCH (b)-[:DESTINATION]->(c:Country)
WHERE c.id = ck.id
OPTIONAL MATCH (k)-[:EMPLOYED_BY]->(ek:Employer)
OPTIONAL MATCH (b)-[:EMPLOYED_BY]->(eb:Employer)
WITH k, b, c, ek, eb
WHERE k.job_code <> b.job_code OR ek.id <> eb.id
RETURN k.id AS arrival, b.id AS id, c.id AS country, k.arrival_date AS arrival_date,
       b.departure_date AS departure, k.job_code AS arrival_job, b.job_code AS contract_job, k.job AS arrival_job_title,
       b.job AS contract_job_title, ek.id AS arrival_employer, ek.name AS arrival_employer_name,
       ek.name_norm AS arrival_employer_norm, eb.id AS contract_employer, eb.name AS contract_employer_name,
       eb.name_norm AS contract_employer_norm
""",
    "R8: embassy arrivals matched to the contract's departure (same worker or passport, same country), where"
    " the job codes or the employers differ.",
)

Q_R9 = _anchored(
    "r9_cases",
    "Case",
    "c",
    """
WHERE c.kind IN $kinds
OPTIONAL MATCH (c)-[:CONCERNS]->(x)
RETURN c.id AS id, c.kind AS kind, c.date AS date, c.status AS status,
       collect(DISTINCT {label: labels(x)[0], id: x.id, name: x.name}) AS concerns
""",
    "R9: complaints reporting wage withholding, document retention, violence or trafficking.",
)

Q_R10 = _anchored(
    "r10_syarikah",
    "PartnerAgency",
    "m",
    """
WHERE m.country = $country
MATCH (m)<-[:THROUGH_PARTNER]-(p:Placement)
OPTIONAL MATCH (p)-[:EMPLOYED_BY]->(e:Employer)
WITH m, count(CASE WHEN p.scheme = 'SPSK' OR e.name_norm = m.name_norm THEN 1 END) AS spsk
WHERE spsk > 0
OPTIONAL MATCH (m)-[:PARTNER_OF]->(a1:Agency)
OPTIONAL MATCH (m)<-[:THROUGH_PARTNER]-(:Placement)-[:PLACED_BY]->(a2:Agency)
WITH m, spsk, collect(DISTINCT a1) + collect(DISTINCT a2) AS agencies
UNWIND agencies AS a
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
RETURN m.id AS id, m.name AS name, spsk, collect(DISTINCT coalesce(h.id, a.id)) AS p3mi
""",
    "R10: syarikah (Saudi partners carrying SPSK placements) with their P3MI partners.",
)

Q_H1_AGENCIES = _anchored(
    "h1_agencies",
    "Agency",
    "a",
    """
MATCH (a)-[:HAS_PHONE|HAS_ADDRESS]->(x)<-[:HAS_PHONE|HAS_ADDRESS]-(b:Agency)
WHERE a.id <> b.id AND (x:Phone OR x:Address)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(ha:Agency)
OPTIONAL MATCH (b)-[:BRANCH_OF]->(hb:Agency)
WITH a, b, x, coalesce(ha.id, a.id) AS pa, coalesce(hb.id, b.id) AS pb
WHERE pa <> pb
OPTIONAL MATCH (a)<-[:DIRECTS]-(d:Person)-[:DIRECTS]->(b)
RETURN pa AS id, pb AS other, labels(x)[0] AS kind, x.id AS identifier, collect(DISTINCT d.name) AS directors
""",
    "H1: agencies of different P3MIs sharing a phone, an address or a director.",
)


# The holders are counted first, the distinct names only where there are enough holders (a count
# without DISTINCT on a property is the cheaper aggregation over 770,000 addresses at 1 M workers).
# On FalkorDB the whole-graph text skips the count for a degree check (indegree: 9 s -> 2 s at 1 M).
def _h1_workers(label: str, rel: str) -> Anchored:
    shared = """
MATCH (x)<-[:REL]-(w:Worker)-[:HAS_PLACEMENT]->(:Placement)-[:PLACED_BY]->(a:Agency)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
WITH x, collect(DISTINCT w.id) AS workers, collect(DISTINCT w.name_norm) AS names,
     collect(DISTINCT coalesce(h.id, a.id)) AS agencies
WHERE size(agencies) > 1 AND size(names) >= $min_people
RETURN x.id AS id, workers, names, agencies
"""
    counted = """
MATCH (x)<-[:REL]-(w:Worker)
WITH x, count(w) AS holders
WHERE holders >= $min_people"""
    degree = "\nMATCH (x:" + label + ")\nWHERE indegree(x, 'REL') >= $min_people"
    return _anchored(
        "h1_workers_" + label.lower(),
        label,
        "x",
        (counted + shared).replace("REL", rel),
        f"H1: a {label.lower()} shared by several people placed by several P3MIs.",
        falkordb_whole=(degree + shared).replace("REL", rel),
    )


Q_H1_WORKERS = (_h1_workers("Phone", "HAS_PHONE"), _h1_workers("Address", "HAS_ADDRESS"))

Q_H2_PARTNERS = _anchored(
    "h2_partners",
    "PartnerAgency",
    "m",
    """
OPTIONAL MATCH (m)-[:PARTNER_OF]->(a1:Agency)
OPTIONAL MATCH (m)<-[:THROUGH_PARTNER]-(:Placement)-[:PLACED_BY]->(a2:Agency)
WITH m, collect(DISTINCT a1) + collect(DISTINCT a2) AS agencies
UNWIND agencies AS a
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
WITH m, a, h
WHERE a.status IN $statuses OR h.status IN $statuses
WITH m, CASE WHEN h.status IN $statuses THEN h ELSE a END AS bad
RETURN m.id AS id, m.name AS name, m.country AS country,
       collect(DISTINCT {id: bad.id, name: bad.name, status: bad.status, status_date: bad.status_date}) AS agencies
""",
    "H2: partner agencies tied by the registry or by placements to suspended or revoked P3MIs.",
)

_H2_EMPLOYERS_TAIL = """
WITH e, collect(DISTINCT bad.id) AS agencies, collect(DISTINCT p.id) AS placements
WHERE size(placements) >= $min_placements
RETURN e.id AS id, e.name AS name, agencies, placements
"""
# Over the whole graph from the few suspended or revoked agencies (and their branches) to their
# placements' employers, not from every employer's placements (14 s at 1 M workers).
Q_H2_EMPLOYERS = _anchored(
    "h2_employers",
    "Employer",
    "e",
    """
MATCH (e)<-[:EMPLOYED_BY]-(p:Placement)-[:PLACED_BY]->(a:Agency)
WHERE p.departure_date IS NOT NULL
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
WITH e, p, CASE WHEN h.status IN $statuses THEN h ELSE a END AS bad
WHERE bad.status IN $statuses AND bad.status_date <= p.departure_date"""
    + _H2_EMPLOYERS_TAIL,
    "H2: employers that received workers from a P3MI after its suspension or revocation.",
    whole="""
MATCH (a:Agency)
OPTIONAL MATCH (a)-[:BRANCH_OF]->(h:Agency)
WITH a, CASE WHEN h.status IN $statuses THEN h ELSE a END AS bad
WHERE bad.status IN $statuses
MATCH (a)<-[:PLACED_BY]-(p:Placement)-[:EMPLOYED_BY]->(e:Employer)
WHERE p.departure_date IS NOT NULL AND bad.status_date <= p.departure_date"""
    + _H2_EMPLOYERS_TAIL,
)

# H3 meets the passport sharers as R8 does (see there: ``o = w`` and no collect of the sharers).
Q_H3 = _anchored(
    "h3_non_procedural",
    "Worker",
    "w",
    """
MATCH (w)-[:HAS_PLACEMENT]->(k:Placement)
WHERE k.source IN $embassy_sources
OPTIONAL MATCH (w)-[:HOLDS_PASSPORT]->(:Passport)<-[:HOLDS_PASSPORT]-(o:Worker)
WITH w, k, CASE WHEN o IS NULL OR o = w THEN [w] ELSE [w, o] END AS same
UNWIND same AS x
OPTIONAL MATCH (x)-[:HAS_PLACEMENT]->(q:Placement)
WITH w, k, count(DISTINCT CASE WHEN q.status = 'DEPARTED' AND q.source IN $procedure_sources THEN q END) AS procedural
WHERE procedural = 0 OR k.visa_type IN $visas
OPTIONAL MATCH (k)-[:EMPLOYED_BY]->(e:Employer)
OPTIONAL MATCH (k)-[:DESTINATION]->(c:Country)
RETURN w.id AS id, k.id AS placement, k.visa_type AS visa, procedural, k.arrival_date AS arrival,
       c.id AS country, e.id AS employer, e.name AS employer_name
""",
    "H3: embassy arrivals with no departure record for the worker, or on a non-work visa (the passport"
    " sharers as in R8).",
)

# H4 counts links per LPK and month first and certificates (distinct numbers) only in the months with
# more links than the capacity: the distinct count and the list over every month cost 9 s at 1 M.
Q_H4_CAPACITY = _anchored(
    "h4_capacity",
    "TrainingInstitute",
    "l",
    """
MATCH (l)<-[t:TRAINED_AT]-(:Placement)
WHERE l.capacity_per_month IS NOT NULL AND t.certificate_date IS NOT NULL
WITH l, substring(t.certificate_date, 0, 7) AS month, count(t) AS links
WHERE links > l.capacity_per_month
MATCH (l)<-[t:TRAINED_AT]-(p:Placement)
WHERE t.certificate_date STARTS WITH month
WITH l, month, count(DISTINCT coalesce(t.certificate_no, p.id)) AS certificates, collect(p.id) AS placements
WHERE certificates > l.capacity_per_month
RETURN l.id AS id, l.name AS name, l.capacity_per_month AS capacity, month, certificates, placements
""",
    "H4: months in which an LPK issued more certificates than its capacity.",
)

Q_H4_LATE = _anchored(
    "h4_late_certificate",
    "Placement",
    "p",
    """
MATCH (p)-[t:TRAINED_AT]->(l:TrainingInstitute)
WHERE t.certificate_date IS NOT NULL AND p.departure_date IS NOT NULL AND t.certificate_date > p.departure_date
RETURN p.id AS id, l.id AS lpk, l.name AS lpk_name, t.certificate_no AS certificate,
       t.certificate_date AS certificate_date, p.departure_date AS departure
""",
    "H4: competency certificates dated after the departure.",
)

# source records per flagged node, one query per label; one row per record (grouped in Python: a
# collect() per node doubled the cost)
Q_RECORDS = {
    label: cypher(
        "flags.records." + label,
        "UNWIND $ids AS nid\nMATCH (n:" + label + " {id: nid})-[:REPORTED_IN]->"
        "(r:SourceRecord)\nRETURN nid AS id, r.id AS record",
        doc=f"Source records of {label} nodes.",
    )
    for label in ("Worker", "Placement", "Agency", "Sponsor", "TrainingInstitute", "PartnerAgency", "Employer", "Case")
}
Q_CLEAR_FLAGS = {
    label: cypher(
        "flags.clear." + label,
        "MATCH (n:" + label + ") WHERE n.flags IS NOT NULL\nSET n.flags = null, n.flag_count = null",
        doc=f"Forget the flags written on {label} nodes.",
    )
    for label in FLAGGED_LABELS
}
Q_WRITE_FLAGS = {
    label: cypher(
        "flags.write." + label,
        "UNWIND $rows AS row\nMATCH (n:" + label + " {id: row.id})\n"
        "SET n.flags = row.flags, n.flag_count = size(row.flags)",
        doc=f"Write flags on {label} nodes.",
    )
    for label in FLAGGED_LABELS
}
Q_WORKER_CHAIN = cypher(
    "flags.worker_chain",
    """
MATCH (w:Worker {id: $id})
OPTIONAL MATCH (w)-[:HAS_PLACEMENT]->(p:Placement)
OPTIONAL MATCH (p)-[:PLACED_BY|RECRUITED_BY|TRAINED_AT|THROUGH_PARTNER|EMPLOYED_BY]->(x)
OPTIONAL MATCH (x)-[:BRANCH_OF]->(h:Agency)
OPTIONAL MATCH (w)-[:HOLDS_PASSPORT]->(pp:Passport)
OPTIONAL MATCH (c:Case)-[:CONCERNS]->(w)
RETURN collect(DISTINCT p.id) AS placements, collect(DISTINCT {label: labels(x)[0], id: x.id}) AS linked,
       collect(DISTINCT h.id) AS heads, collect(DISTINCT pp.id) AS passports, collect(DISTINCT c.id) AS cases
""",
    doc="The nodes of one worker's chain that rules are anchored on.",
)


# -- configuration ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    raw: dict[str, Any]
    # rows that several rules share within one run (R7 and H1 read the same sponsor rows)
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    memo_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def jobs(self, codes: Iterable[str]) -> list[str]:
        """A rule's job list plus the codes that name the same job (``job_aliases``)."""
        codes = set(codes)
        return sorted(codes | {alias for alias, target in self.raw.get("job_aliases", {}).items() if target in codes})

    def sources(self, kind: str) -> list[str]:
        return list(self.raw["placement_sources"][kind])


def config() -> Config:
    return Config(load_rules())


# -- helpers -----------------------------------------------------------------------------------------
def _tokens(name: str | None) -> list[str]:
    return (name or "").upper().replace("-", " ").replace(".", " ").split()


def name_similarity(a: str | None, b: str | None) -> float:
    """0-1: how well the shorter name's words are found in the other (spelling variants and an added
    father's name or legal suffix still score high)."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    if len(ta) > len(tb):
        ta, tb = tb, ta
    # a word found as such scores 1.0, the most any ratio can: skip difflib for it
    best = [1.0 if x in tb else max(_ratio(x, y) for y in tb) for x in ta]
    return sum(best) / len(best)


@functools.lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def same_birth_date(a: str | None, b: str | None) -> bool:
    """Equal, or equal but for a day/month swap (a data-entry typo)."""
    if not a or not b:
        return False
    return a == b or (a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7])


def _records(engine: Engine, label: str, ids: Iterable[str]) -> dict[str, list[str]]:
    ids = sorted(set(ids))
    out: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        for row in engine.read(Q_RECORDS[label], {"ids": ids[start : start + 5000]}, timeout_s=600):
            out[row["id"]].append(row["record"])
    return {node: sorted(records) for node, records in out.items()}


def _attach_records(engine: Engine, flags: list[Flag]) -> None:
    """Fill ``record_ids`` from each flag's entity and its ``related`` nodes."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for f in flags:
        for label, node in [(f.entity_label, f.entity_id), *f.related]:
            if label in Q_RECORDS:
                wanted[label].add(node)
    found = {label: _records(engine, label, ids) for label, ids in wanted.items()}
    for f in flags:
        recs = set(f.record_ids)
        for label, node in [(f.entity_label, f.entity_id), *f.related]:
            recs.update(found.get(label, {}).get(node, []))
        f.record_ids = sorted(recs)


# -- the rules ---------------------------------------------------------------------------------------
def rule_r1(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    params = {
        "min_age": int(cfg["underage"]["min_age"]),
        "use_arrival": bool(cfg["underage_checks"]["use_arrival_date"]),
        "earliest": "",  # every date is later than "": no worker skipped (a scoped run has few)
    }
    if scope is None:
        first = engine.read(Q_EARLIEST)[0]
        dates = [d for d in (first["departure"], first["arrival"] if params["use_arrival"] else None) if d]
        if not dates:
            return []
        params["earliest"] = min(dates)
    out = []
    for r in Q_R1.run(engine, params, scope):
        basis = [
            b for b, on in (("NIK-encoded birth date", r["by_nik"]), ("declared birth date", r["by_declared"])) if on
        ]
        out.append(
            Flag(
                "R1",
                "Placement",
                r["id"],
                f"under {params['min_age']} on departure {r['departure']} by the {' and the '.join(basis)}",
                {
                    "worker": r["worker"],
                    "departure": r["departure"],
                    "birth_date": r["birth_date"],
                    "nik_birth_date": r["nik_birth_date"],
                    "basis": basis,
                },
            )
        )
    return out


def rule_r2(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    m, s = cfg["moratorium"], cfg["spsk"]
    params = {
        "since": m["since"],
        "countries": m["countries"],
        "household": cfg.jobs(m["household_jobs"]),
        "spsk_country": s["country"],
        "spsk_since": s["since"],
        "spsk_jobs": cfg.jobs(s["jobs"]),
        "sources": cfg.sources("departure"),
    }
    return [
        Flag(
            "R2",
            "Placement",
            r["id"],
            f"{r['job_code']} for {r['employer_kind'] or 'an employer'} in moratorium country {r['country']} "
            f"on {r['departure']}, not a valid SPSK placement",
            dict(r),
        )
        for r in Q_R2.run(engine, params, scope)
    ]


def rule_r3(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    params = {
        "departure_sources": cfg.sources("departure"),
        "agreement_sources": cfg.sources("agreement"),
        "bad": cfg["unlicensed_agency"]["revoked_statuses"],
        "check_registry": bool(engine.read(Q_REGISTRY)),
    }
    out = []
    for r in Q_R3.run(engine, params, scope):
        d, why = r["date"], []
        for who, status, sdate, expires in (
            ("agency", r["status"], r["status_date"], r["licence_expires"]),
            ("head office", r["head_status"], r["head_status_date"], r["head_licence_expires"]),
        ):
            if status in params["bad"] and sdate and sdate <= d:
                why.append(f"{who} {status} since {sdate}")
            if expires and expires < d:
                why.append(f"{who} licence expired {expires}")
        if r["exact"] and r["licence_issued"] and r["licence_issued"] > d:
            why.append(f"licence issued only {r['licence_issued']}")
        if params["check_registry"] and r["registered"] is None and not why:
            why.append("licence number not in the P3MI registry")
        when = "departure" if r["exact"] else "registration/agreement (before departure)"
        out.append(
            Flag(
                "R3",
                "Placement",
                r["id"],
                f"{r['agency_name'] or r['agency']}: {'; '.join(why)} at {when} {d}",
                {**r, "reasons": why},
                [],
            )
        )
    return out


def rule_r4(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    params = {"sources": cfg.sources("departure"), "exempt": cfg["job_order"]["exempt_schemes"]}
    return [
        Flag(
            "R4",
            "Placement",
            r["id"],
            f"no SIP2MI job order ({r['scheme'] or 'scheme unknown'}, departed {r['departure']})",
            dict(r),
        )
        for r in Q_R4.run(engine, params, scope)
    ]


def rule_r5(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    z = cfg["zero_cost"]
    params = {"sources": cfg.sources("departure"), "jobs": cfg.jobs(z["jobs"]), "since": z["since"]}
    return [
        Flag(
            "R5",
            "Placement",
            r["id"],
            f"Rp{r['cost']:,} charged for zero-cost job {r['job_code']} (departed {r['departure']})",
            dict(r),
        )
        for r in Q_R5.run(engine, params, scope)
    ]


def rule_r6(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    params = {
        "departure_sources": cfg.sources("departure"),
        "agreement_sources": cfg.sources("agreement"),
        "required": cfg["documents"]["required"],
    }
    documents = ("work_contract", "placement_agreement", "bpjs", "competency_certificate")
    rows: dict[str, Row] = {}
    for r in Q_R6.run(engine, params, scope):
        if r["id"] in rows:  # another TRAINED_AT link: the certificate is missing only if no link has one
            rows[r["id"]]["no_competency_certificate"] &= r["no_competency_certificate"]
        else:
            rows[r["id"]] = r
    flags = []
    for r in rows.values():
        missing = [d for d in documents if r["no_" + d] and d in params["required"]]
        if missing:
            ev = {"id": r["id"], "missing": missing, "departure": r["departure"], "registration": r["registration"]}
            flags.append(Flag("R6", "Placement", r["id"], "missing " + ", ".join(missing), ev))
    return flags


def _sponsor_rows(engine: Engine, cfg: Config, scope: Scope | None) -> list[Row]:
    k = cfg["individual_placer"]
    params = {
        "min_workers": int(k["min_workers"]),
        "min_agencies": min(
            int(cfg["individual_placer_scope"]["min_agencies"]), int(cfg["shared_identifiers"]["sponsor_min_agencies"])
        ),
    }
    params["least"] = min(params["min_workers"], params["min_agencies"])
    key = ("sponsors", id(engine), None if scope is None else tuple(sorted((k, tuple(v)) for k, v in scope.items())))
    with cfg.memo_lock:  # rules run in parallel: the second one waits for the first one's rows
        if key not in cfg.memo:
            cfg.memo[key] = Q_SPONSORS.run(engine, params, scope)
        return cfg.memo[key]


def _sponsor_flag(rule: str, r: Row, summary: str) -> Flag:
    ev = {
        "name": r["name"],
        "province": r["province"] or None,
        "workers": r["workers"],
        "agencies": sorted(r["agencies"]),
        "placements": sorted(r["placements"]),
    }
    return Flag(rule, "Sponsor", r["id"], summary, ev, related=[("Placement", p) for p in ev["placements"]])


def _is_placer(r: Row, cfg: Config) -> bool:
    """R7's count, with namesakes allowed for: a name recruiting for two (but fewer than min_agencies)
    P3MIs needs namesake_factor times the workers."""
    k = int(cfg["individual_placer"]["min_workers"])
    sc = cfg["individual_placer_scope"]
    agencies = len(r["agencies"])
    return bool(r["workers"] >= (k * int(sc["namesake_factor"]) if 1 < agencies < int(sc["min_agencies"]) else k))


def rule_r7(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    return [
        _sponsor_flag(
            "R7",
            r,
            f"{r['name']} recruited {r['workers']} workers for {len(r['agencies'])} P3MI(s) "
            f"(province {r['province'] or '?'})",
        )
        for r in _sponsor_rows(engine, cfg, scope)
        if _is_placer(r, cfg)
    ]


def rule_r8(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    d = cfg["deception"]
    params = {
        "embassy_sources": cfg.sources("embassy"),
        "departure_sources": cfg.sources("departure"),
        "days": int(d["max_days_between"]),
    }
    same: dict[str, set[str]] = defaultdict(set)
    for group in d["same_work"]:
        for code in group:
            same[code].update(group)
    for alias, target in cfg.raw.get("job_aliases", {}).items():
        same[alias].add(target)
        same[target].add(alias)
    household = set(cfg.jobs(cfg["moratorium"]["household_jobs"]))
    out: dict[str, Flag] = {}
    for r in Q_R8.run(engine, params, scope):
        diffs = []
        a, c = r["arrival_job"], r["contract_job"]
        # an unlisted contract job (OTHER) differs from a listed household job: a formal job turned
        # into domestic work; an unlisted job at the embassy ("Crew") is not compared
        if a and c and a != "OTHER" and a != c and a not in same[c] and (c != "OTHER" or a in household):
            diffs.append(f"job {r['contract_job_title']} in the contract, {r['arrival_job_title']} at the embassy")
        ea, ec = r["arrival_employer"], r["contract_employer"]
        if (
            ea
            and ec
            and ea != ec
            and name_similarity(r["arrival_employer_norm"], r["contract_employer_norm"])
            < float(d["min_employer_similarity"])
        ):
            diffs.append(
                f"employer {r['contract_employer_name']} in the contract, {r['arrival_employer_name']} at the embassy"
            )
        if diffs and r["id"] not in out:
            out[r["id"]] = Flag(
                "R8",
                "Placement",
                r["id"],
                "; ".join(diffs),
                {**r, "differences": diffs},
                related=[("Placement", r["arrival"])],
            )
    return list(out.values())


def rule_r9(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    params = {"kinds": cfg["exploitation"]["case_kinds"]}
    flags = []
    for r in Q_R9.run(engine, params, scope):
        concerns = [c for c in r["concerns"] if c.get("id")]
        flags.append(
            Flag(
                "R9",
                "Case",
                r["id"],
                f"complaint {r['kind']} of {r['date']}",
                {"kind": r["kind"], "date": r["date"], "status": r["status"], "concerns": concerns},
                related=[("Placement", c["id"]) for c in concerns if c["label"] == "Placement"],
            )
        )
    return flags


def rule_r10(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    s = cfg["spsk"]
    limit = int(s["max_partners"])
    rows = Q_R10.run(engine, {"country": s["country"]}, scope)
    flags = [
        Flag(
            "R10",
            "PartnerAgency",
            r["id"],
            f"syarikah {r['name']} has {len(r['p3mi'])} P3MI partners (limit {limit})",
            {"name": r["name"], "p3mi": sorted(r["p3mi"])},
        )
        for r in rows
        if len(r["p3mi"]) > limit
    ]
    by_agency: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        for a in r["p3mi"]:
            by_agency[a].append(r["id"])
    flags += [
        Flag("R10", "Agency", a, f"P3MI with {len(sy)} syarikah partners (limit {limit})", {"syarikah": sorted(sy)})
        for a, sy in sorted(by_agency.items())
        if len(sy) > limit
    ]
    return flags


def rule_r11(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    flags = []
    for r in Q_R11_NIK.run(engine, {}, scope):
        why = []
        if r["birth_date"] and not same_birth_date(r["birth_date"], r["nik_birth_date"]):
            why.append(f"declared birth date {r['birth_date']}, NIK says {r['nik_birth_date']}")
        if r["sex"] and r["nik_sex"] and r["sex"] != r["nik_sex"]:
            why.append(f"declared sex {r['sex']}, NIK says {r['nik_sex']}")
        if why:
            dates = {r[k]: "birth_date" for k in ("birth_date", "nik_birth_date") if r[k]}
            flags.append(Flag("R11", "Worker", r["id"], "; ".join(why), dict(r), personal=dates))
    holders: dict[str, list[Row]] = defaultdict(list)
    for r in Q_R11_PASSPORT.run(engine, {}, scope):
        holders[r["id"]].append(r)
    limit = float(cfg["identity"]["max_name_similarity"])
    pp_flags = []
    for passport, ws in sorted(holders.items()):
        pairs = [
            (a, b)
            for i, a in enumerate(ws)
            for b in ws[i + 1 :]
            if not same_birth_date(a["birth_date"], b["birth_date"]) and name_similarity(a["name"], b["name"]) < limit
        ]
        if pairs:
            people = sorted({w["worker"] for pair in pairs for w in pair})
            pp_flags.append(
                Flag(
                    "R11",
                    "Passport",
                    passport,
                    f"passport held by {len(people)} different people: "
                    + ", ".join(sorted({w["name"] or "?" for pair in pairs for w in pair})),
                    {
                        "holders": [
                            {k: w[k] for k in ("worker", "name", "birth_date")} for w in ws if w["worker"] in people
                        ]
                    },
                    related=[("Worker", w) for w in people],
                )
            )
    return flags + pp_flags


# A shared identifier's kind (an identifier node's label, or a director) -> the personal field it is
SHARED_FIELD = {"phone": "phone", "passport": "passport_no", "address": "address", "director": "name"}


def rule_h1(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    h = cfg["shared_identifiers"]
    strong = set(h["agency_strong_identifiers"])
    pairs: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in Q_H1_AGENCIES.run(engine, {}, scope):
        shared = pairs[(r["id"], r["other"])]
        shared[r["kind"].lower()].add(r["identifier"])
        if r["directors"]:
            shared["director"].update(r["directors"])
    links: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"with": set(), "shares": set()})
    quoted: dict[str, dict[str, str]] = defaultdict(dict)  # per agency: shared value -> personal field
    for (a, b), shared in pairs.items():
        if strong & set(shared) or len(shared) >= int(h["agency_min_kinds"]):
            links[a]["with"].add(b)
            links[a]["shares"].update(f"{kind} {v}" for kind, vs in shared.items() for v in vs)
            quoted[a].update({v: SHARED_FIELD.get(kind, kind) for kind, vs in shared.items() for v in vs})
    flags = [
        Flag(
            "H1",
            "Agency",
            a,
            f"shares {', '.join(sorted(v['shares']))} with {len(v['with'])} other P3MI(s)",
            {"shared_with": sorted(v["with"]), "identifiers": sorted(v["shares"])},
            personal=quoted[a],
        )
        for a, v in sorted(links.items())
    ]
    min_ag = int(h["sponsor_min_agencies"])
    flags += [
        _sponsor_flag("H1", r, f"{r['name']} brought workers to {len(r['agencies'])} different P3MIs")
        for r in _sponsor_rows(engine, cfg, scope)
        if len(r["agencies"]) >= min_ag or (len(r["agencies"]) > 1 and _is_placer(r, cfg))
    ]
    for q in Q_H1_WORKERS:
        for r in q.run(engine, {"min_people": int(h["worker_min_people"])}, scope):
            flags += [
                Flag(
                    "H1",
                    "Worker",
                    w,
                    f"{q.label.lower()} shared by {len(r['names'])} people placed by {len(r['agencies'])} P3MIs",
                    {q.label.lower(): r["id"], "workers": sorted(r["workers"]), "agencies": sorted(r["agencies"])},
                    personal={r["id"]: SHARED_FIELD[q.label.lower()]},
                )
                for w in r["workers"]
            ]
    return flags


def rule_h2(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    params = {"statuses": cfg["tainted_partners"]["statuses"]}
    flags = [
        Flag(
            "H2",
            "PartnerAgency",
            r["id"],
            f"partner of {len(r['agencies'])} suspended/revoked P3MI(s): "
            + ", ".join(f"{a['name'] or a['id']} ({a['status']})" for a in r["agencies"]),
            {"name": r["name"], "country": r["country"], "agencies": r["agencies"]},
        )
        for r in Q_H2_PARTNERS.run(engine, params, scope)
    ]
    flags += [
        Flag(
            "H2",
            "Employer",
            r["id"],
            f"received workers from {len(r['agencies'])} P3MI(s) after their suspension or revocation",
            {"name": r["name"], "agencies": sorted(r["agencies"]), "placements": sorted(r["placements"])},
            related=[("Placement", p) for p in r["placements"]],
        )
        for r in Q_H2_EMPLOYERS.run(
            engine, {**params, "min_placements": int(cfg["tainted_partners"]["employer_min_placements"])}, scope
        )
    ]
    return flags


def rule_h3(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    n = cfg["non_procedural"]
    params = {
        "embassy_sources": cfg.sources("embassy"),
        "procedure_sources": cfg.sources("departure") + cfg.sources("agreement"),
        "visas": n["suspicious_visas"],
    }
    rows = Q_H3.run(engine, params, scope)
    flags = []
    for r in rows:
        why = [
            w
            for w, on in (
                ("no departure or agreement record", r["procedural"] == 0),
                (f"{r['visa']} visa", r["visa"] in n["suspicious_visas"]),
            )
            if on
        ]
        flags.append(
            Flag(
                "H3",
                "Worker",
                r["id"],
                f"arrived {r['arrival']} in {r['country']}: " + ", ".join(why),
                {**r, "reasons": why},
                related=[("Placement", r["placement"])],
            )
        )
    clusters: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r["employer"]:
            clusters[r["employer"]].append(r)
    for emp, members in sorted(clusters.items()):
        workers = sorted({m["id"] for m in members})
        if len(workers) >= int(n["min_cluster"]):
            flags.append(
                Flag(
                    "H3",
                    "Employer",
                    emp,
                    f"{members[0]['employer_name']} employs {len(workers)} non-procedural workers",
                    {"workers": workers, "placements": sorted({m["placement"] for m in members})},
                    related=[("Placement", m["placement"]) for m in members],
                )
            )
    return flags


def rule_h4(engine: Engine, cfg: Config, scope: Scope | None) -> list[Flag]:
    months: dict[str, list[Row]] = defaultdict(list)
    for r in Q_H4_CAPACITY.run(engine, {}, scope):
        months[r["id"]].append(r)
    flags = []
    for lpk, rows in sorted(months.items()):
        rows.sort(key=lambda r: r["month"])
        flags.append(
            Flag(
                "H4",
                "TrainingInstitute",
                lpk,
                f"{rows[0]['name']}: certificates above the capacity of "
                f"{rows[0]['capacity']}/month in " + ", ".join(f"{r['month']} ({r['certificates']})" for r in rows),
                {"capacity_per_month": rows[0]["capacity"], "months": {r["month"]: r["certificates"] for r in rows}},
                related=[("Placement", p) for r in rows for p in r["placements"]],
            )
        )
    flags += [
        Flag(
            "H4",
            "Placement",
            r["id"],
            f"certificate {r['certificate'] or ''} dated {r['certificate_date']}, after the departure {r['departure']}",
            dict(r),
        )
        for r in Q_H4_LATE.run(engine, {}, scope)
    ]
    return flags


RULES: dict[str, Callable[[Engine, Config, Scope | None], list[Flag]]] = {
    "R1": rule_r1,
    "R2": rule_r2,
    "R3": rule_r3,
    "R4": rule_r4,
    "R5": rule_r5,
    "R6": rule_r6,
    "R7": rule_r7,
    "R8": rule_r8,
    "R9": rule_r9,
    "R10": rule_r10,
    "R11": rule_r11,
    "H1": rule_h1,
    "H2": rule_h2,
    "H3": rule_h3,
    "H4": rule_h4,
}


# -- API ------------------------------------------------------------------------------------------------
def run_rules(
    engine: Engine, rules: list[str] | None = None, scope: Scope | None = None, timings: dict[str, float] | None = None
) -> list[Flag]:
    """Check ``rules`` (default: all) over the whole graph, or only over the nodes in ``scope``."""
    wanted = [r.upper() for r in rules] if rules else list(RULE_IDS)
    unknown = [r for r in wanted if r not in RULES]
    if unknown:
        raise InputError(f"unknown rule id(s) {', '.join(unknown)}: use {', '.join(RULE_IDS)}")
    if scope is None and not is_current(engine):
        raise JejakError(
            "this graph was loaded by an earlier Jejak (placements without their source): run `jejak init`"
        )
    cfg = config()

    def check(rule: str) -> list[Flag]:
        start = time.perf_counter()
        found = RULES[rule](engine, cfg, scope)
        _attach_records(engine, found)
        if timings is not None:
            timings[rule] = round(time.perf_counter() - start, 3)
        return found

    # Over the whole graph the rules are independent long reads: the server runs them side by side
    # (one query thread each); slowest first, so that the last one to start is a short one.
    # A scoped run is a few milliseconds per rule and stays sequential.
    workers = engine.read_parallelism() if scope is None else 1
    if workers <= 1 or len(wanted) == 1:
        found = {rule: check(rule) for rule in wanted}
    else:
        order = sorted(wanted, key=SLOW_FIRST.index)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rule") as pool:
            futures = {rule: pool.submit(check, rule) for rule in order}
            found = {rule: futures[rule].result() for rule in wanted}
    return [f for rule in wanted for f in found[rule]]


def count_by_rule(flags: Iterable[Flag]) -> dict[str, int]:
    counts = dict.fromkeys(RULE_IDS, 0)
    for f in flags:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    return counts


def worker_scope(engine: Engine, worker_id: str) -> Scope:
    """The nodes of a worker's chain that rules are anchored on."""
    rows = engine.read(Q_WORKER_CHAIN, {"id": worker_id})
    if not rows:
        return {}
    row = rows[0]
    scope: Scope = defaultdict(list)
    scope["Worker"].append(worker_id)
    scope["Placement"] += row["placements"]
    for x in row["linked"]:
        if x.get("id"):
            scope[x["label"]].append(x["id"])
    scope["Agency"] += row["heads"]
    scope["Passport"] += row["passports"]
    scope["Case"] += row["cases"]
    return dict(scope)


def flags_for_worker(
    engine: Engine, worker_id: str, rules: list[str] | None = None, role: str = "investigator"
) -> list[dict[str, Any]]:
    """Flags on the worker or on any step of their chain (placements, agencies, sponsor, LPK, partner,
    employer, passport, complaints), each as a dict with its evidence, masked for ``role``.
    Entity-level flags (an agency, a sponsor) are the whole entity's, not only this worker's part."""
    scope = worker_scope(engine, worker_id)
    if not scope:
        return []
    return [f.as_dict(role) for f in run_rules(engine, rules, scope=scope)]


def write_back(engine: Engine, flags: Iterable[Flag]) -> dict[str, int]:
    """Store the rule ids on the flagged nodes: ``flags`` (sorted, distinct) and ``flag_count``.

    Earlier flags are cleared first, so the graph holds exactly the flags given. Returns nodes per label."""
    per_node: dict[tuple[str, str], set[str]] = defaultdict(set)
    for f in flags:
        if f.entity_label in Q_WRITE_FLAGS:
            per_node[(f.entity_label, f.entity_id)].add(f.rule)
    for q in Q_CLEAR_FLAGS.values():
        engine.write(q)
    written: dict[str, int] = {}
    for label, q in Q_WRITE_FLAGS.items():
        rows = [
            {"id": node, "flags": sorted(rs, key=RULE_IDS.index)}
            for (lab, node), rs in per_node.items()
            if lab == label
        ]
        if rows:
            engine.write_batches(q, rows, batch_size=5000)
            written[label] = len(rows)
    return written
