"""Suspicious facts, and the suspicion network they form.

A *fact* is one observation about one entity, with the rule of shared/domain/RULES.md it points to,
a weight (its points in a score), a sentence for the analyst, and the entities that evidence it
(their SourceRecord ids are looked up for the report). Facts are computed here from the exported
tables (they do not need the red-flag module), and the red flags written back by
``queries/flags.py`` (node property ``flags``) are added as facts of their own.

The *suspicion network* (``risk_network``) links entities only through facts that make the link
suspicious, so that its communities are candidate rings:

- R7: a sponsor (an individual) recruited >= ``min_workers`` workers (the R7 threshold of
  reference/rules.yaml). Edges: sponsor - each of its placements. Weight: 2 + 2 log2(workers / min)
  + 1.5 per P3MI beyond the first (a branch counts as its head office).
- H3: an employer with >= 2 placements on a non-work visa (visit, umrah, ...). Edges: employer -
  each such placement. Weight: 1 + 1.5 log2(placements) + 1.5 log2(1 + those in household
  jobs in a moratorium country, which break R2 as well).
- H4: a training institute certified more workers in a month than its capacity. Edges: institute -
  each certificate of that month. Weight: 3 + 3 log2(certificates / capacity) + 1.5 log2(1 +
  excess / 5). A certificate dated after the departure: institute - placement, weight 1.
- H1: two agencies of different head offices (and different names) share a director, phone or
  address. Edge: agency - agency. Weight: 3 per shared phone or address, 1.5 for a director
  (matched by name only).
- H2: a partner agency registered with a suspended or revoked agency. Edge: partner - agency.
  Weight 3.
- R3: an agency suspended (DIBEKUKAN) or revoked (DICABUT): weight 3, no edge. A placement by such
  an agency on or after the status date: edge agency - placement, weight 2.
- R9: a complaint (Case) about the entity, no edge. Weight by kind: TPPO 4, KEKERASAN 3,
  PENAHANAN_DOKUMEN 2.5, GAJI_TIDAK_DIBAYAR 2, NON_PROSEDURAL 2, OVERCHARGING 1.5, PHK_SEPIHAK 1,
  other 0.5.
- A red flag written back on the entity: its rule, no edge, weight 1.5 (2 for the ring rules H1-H4,
  R7, R10).
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.graphs import EdgeList, within
from analytics.projections import IDENTIFIERS, GraphData, agency_agency
from loaders.normalize import org_name_norm
from reference.jobs import rules

CASE_WEIGHT = {
    "TPPO": 4.0,
    "KEKERASAN": 3.0,
    "PENAHANAN_DOKUMEN": 2.5,
    "GAJI_TIDAK_DIBAYAR": 2.0,
    "NON_PROSEDURAL": 2.0,
    "OVERCHARGING": 1.5,
    "PHK_SEPIHAK": 1.0,
}
RING_RULES = {"H1", "H2", "H3", "H4", "R7", "R10"}
BAD_STATUS = ("DIBEKUKAN", "DICABUT")
WORK_VISAS = {"work", "kerja", ""}
FACT_COLUMNS = ["kind", "rule", "entity", "weight", "text", "evidence"]


def non_procedural(data: GraphData) -> pd.Series:
    """Placements that look non-procedural: a non-work visa, or known only from the embassy register
    (a worker all of whose placements are embassy arrivals, status ARRIVED)."""
    pl = data.placements
    visa = pl["visa_type"].fillna("").str.lower()
    bad_visa = ~visa.isin(WORK_VISAS)
    arrived = pl["status"].eq("ARRIVED").to_numpy()
    codes, uniques = data.worker_codes  # on integer codes: a groupby over millions of ids took seconds
    other_records = np.bincount(codes[codes >= 0], weights=~arrived[codes >= 0], minlength=len(uniques))
    only = np.where(codes >= 0, other_records[codes] == 0, arrived)
    return bad_visa | only


def _positions(keys: pd.Series) -> dict[str, np.ndarray]:
    """Row positions per distinct key (ascending; missing keys left out), as ``groupby().indices``
    gives them, at a fraction of its cost on string keys."""
    codes, uniques = pd.factorize(keys.to_numpy(dtype=object))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(-1, len(uniques)) + 1)
    return {u: order[bounds[i] : bounds[i + 1]] for i, u in enumerate(uniques)}


def _facts(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FACT_COLUMNS) if rows else pd.DataFrame(columns=FACT_COLUMNS)


def _words(label: str) -> str:
    """A label as words: PartnerAgency -> partner agency."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", label).lower()


def _name(data: GraphData, i: str) -> str:
    n = data.names.get(i)
    return n if isinstance(n, str) and n else i


def compute(
    data: GraphData, min_workers: int | None = None, agency_edges: EdgeList | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All facts, and the suspicion-network edges (a, b, kind, weight) they imply. ``agency_edges``:
    ``projections.agency_agency`` (its shared-identifier links are the ones read)."""
    cfg = rules()
    k_sponsor = int(min_workers or cfg["individual_placer"]["min_workers"])
    moratorium = set(cfg["moratorium"]["countries"])
    household = set(cfg["moratorium"]["household_jobs"])
    pl = data.placements
    facts: list[dict] = []
    edges: list[tuple[str, str, str]] = []

    # R7: sponsors recruiting many workers, for several agencies
    sp = pl[pl["sponsor"].notna() & (pl["sponsor"] != "")]
    grp = sp.groupby("sponsor")
    workers = grp["worker_key"].nunique()
    agencies = data.p3mi(sp["agency"]).groupby(sp["sponsor"]).nunique()
    positions = _positions(sp["sponsor"])
    for s in workers.index[workers >= k_sponsor]:
        n, m = int(workers[s]), int(agencies[s])
        members = sp.index[positions[s]]
        w = 2 + 2 * math.log2(n / k_sponsor) + 1.5 * max(0, m - 1)
        facts.append(
            {
                "kind": "sponsor_ring",
                "rule": "R7",
                "entity": s,
                "weight": w,
                "text": f"Sponsor {_name(data, s)} (an individual) recruited {n} workers for {m} "
                + ("P3MIs" if m > 1 else "P3MI"),
                "evidence": list(members),
            }
        )
        edges.extend((s, b, "sponsor_ring") for b in members)

    # H3: non-procedural placements concentrated on one employer
    bad_visa = ~pl["visa_type"].fillna("").str.lower().isin(WORK_VISAS)
    np_pl = pl[bad_visa & pl["employer"].notna()]
    in_moratorium = (np_pl["country"].isin(moratorium) & np_pl["job_code"].isin(household)).to_numpy()
    visa = np_pl["visa_type"].to_numpy(dtype=object)
    for e, rows in sorted(_positions(np_pl["employer"]).items()):
        if len(rows) < 2:
            continue
        morat = int(in_moratorium[rows].sum())
        # most frequent first; ties in order of appearance (as value_counts)
        visas = ", ".join(f"{v} {c}" for v, c in Counter(visa[rows]).most_common())
        w = 1 + 1.5 * math.log2(len(rows)) + 1.5 * math.log2(1 + morat)
        text = f"{len(rows)} workers at employer {_name(data, e)} arrived on non-work visas ({visas})"
        if morat:
            text += f"; {morat} in household jobs in a moratorium country"
        members = np_pl.index[rows]
        facts.append(
            {
                "kind": "non_procedural_cluster",
                "rule": "H3",
                "entity": e,
                "weight": w,
                "text": text,
                "evidence": list(members),
            }
        )
        edges.extend((e, b, "non_procedural_cluster") for b in members)

    # H4: certificates over the institute's monthly capacity, and certificates after departure
    cert = pl[pl["lpk"].notna() & pl["certificate_date"].fillna("").ne("")]
    cap = (
        pd.to_numeric(data.entities["capacity_per_month"], errors="coerce")
        if "capacity_per_month" in data.entities
        else pd.Series(dtype=float)
    )
    month = cert["certificate_date"].str[:7]
    by_month = cert.groupby([cert["lpk"], month])
    counts = by_month.size()
    limit = cap.reindex(counts.index.get_level_values(0)).to_numpy()
    positions = by_month.indices
    for lpk, m in counts.index[(limit > 0) & (counts.to_numpy() > limit)]:
        g = cert.iloc[positions[(lpk, m)]]
        c = cap[lpk]
        w = 3 + 3 * math.log2(len(g) / c) + 1.5 * math.log2(1 + (len(g) - c) / 5)
        facts.append(
            {
                "kind": "training_over_capacity",
                "rule": "H4",
                "entity": lpk,
                "weight": w,
                "text": f"{_name(data, lpk)} certified {len(g)} workers in {m}, capacity {int(c)} a month",
                "evidence": list(g.index),
            }
        )
        edges.extend((lpk, b, "training_over_capacity") for b in g.index)
    dep = cert["departure_date"].fillna("")
    late = cert[(dep != "") & (cert["certificate_date"] > dep)]
    for p, row in zip(late.index, late.to_dict("records"), strict=True):
        facts.append(
            {
                "kind": "certificate_after_departure",
                "rule": "H4",
                "entity": row["lpk"],
                "weight": 1.0,
                "text": f"certificate by {_name(data, row['lpk'])} dated {row['certificate_date']}, after "
                f"the departure on {row['departure_date']}",
                "evidence": [p],
            }
        )
        edges.append((row["lpk"], p, "certificate_after_departure"))

    # H1: agencies of different head offices sharing identifiers
    aa = (agency_edges or agency_agency(data, IDENTIFIERS)).edges
    ident = aa[aa[list(IDENTIFIERS)].sum(axis=1) > 0]
    names = pa.array([n if isinstance(n, str) else None for n in data.agencies["name"]], pa.string())
    norm = dict(zip(data.agencies.index, org_name_norm(names).to_pylist(), strict=True))
    what = {"directors": "director", "phones": "phone", "addresses": "address"}
    for r in ident.to_dict("records"):
        if norm.get(r["a"]) and norm.get(r["a"]) == norm.get(r["b"]):
            continue  # one company under two records (a name-only row and its licence): not a finding
        shared = [k for k in what if r[k] > 0]
        # a director is matched by name only (common names collide): half the weight of a phone or address
        w = sum(1.5 if k == "directors" else 3.0 for k in shared)
        facts.append(
            {
                "kind": "shared_identifier",
                "rule": "H1",
                "entity": r["a"],
                "weight": w,
                "text": f"{_name(data, r['a'])} and {_name(data, r['b'])}, two licence holders, share a "
                f"{', '.join(what[k] for k in shared)}",
                "evidence": [r["a"], r["b"]],
            }
        )
        edges.append((r["a"], r["b"], "shared_identifier"))

    # R3 / H2: licence problems, tainted partners, placements after suspension or revocation
    ag = data.agencies
    bad = ag[ag["status"].isin(BAD_STATUS)]
    links = data.agency_links
    partners = links[(links["kind"] == "partner") & within(links["agency"], bad.index)]
    for a, r in zip(bad.index, bad.to_dict("records"), strict=True):
        since = r["status_date"] or "an unknown date"
        facts.append(
            {
                "kind": "licence_problem",
                "rule": "R3",
                "entity": a,
                "weight": 3.0,
                "text": f"{_name(data, a)}: licence {r['status']} since {since}",
                "evidence": [a],
            }
        )
    for r in partners.to_dict("records"):
        a, m = r["agency"], r["value"]
        facts.append(
            {
                "kind": "tainted_partner",
                "rule": "H2",
                "entity": m,
                "weight": 3.0,
                "text": f"partner agency {_name(data, m)} is registered with {_name(data, a)} ({ag.at[a, 'status']})",
                "evidence": [m, a],
            }
        )
        edges.append((m, a, "tainted_partner"))
    codes, agencies_named = data.codes("agency")  # hashed once for all the projections
    by_bad = pl[np.isin(codes, np.flatnonzero(within(agencies_named, bad.index)))]
    since = by_bad["agency"].map(bad["status_date"]).fillna("")
    when = by_bad["departure_date"].fillna("")
    after = by_bad[(since != "") & (when != "") & (when >= since)]
    for p, r in zip(after.index, after.to_dict("records"), strict=True):
        facts.append(
            {
                "kind": "unlicensed_placement",
                "rule": "R3",
                "entity": p,
                "weight": 2.0,
                "text": f"placed by {_name(data, r['agency'])} on {r['departure_date']}, after its licence was "
                f"{bad.at[r['agency'], 'status']} on {bad.at[r['agency'], 'status_date']}",
                "evidence": [p],
            }
        )
        edges.append((r["agency"], p, "unlicensed_placement"))

    # R9: complaints
    cases = data.cases
    for c in cases.to_dict("records"):
        w = CASE_WEIGHT.get(c["kind"], 0.5)
        facts.append(
            {
                "kind": "case",
                "rule": "R9",
                "entity": c["target"],
                "weight": w,
                "text": f"complaint {c['case']} ({c['kind']}, {c['date']}) about {c['label'].lower()} "
                f"{_name(data, c['target'])}",
                "evidence": [c["case"]],
            }
        )

    # red flags written back by the flag module
    for f in data.flags.to_dict("records"):
        facts.append(
            {
                "kind": "red_flag",
                "rule": f["rule"],
                "entity": f["id"],
                "weight": 2.0 if f["rule"] in RING_RULES else 1.5,
                "text": f"red flag {f['rule']} on {_words(f['label'])} {_name(data, f['id'])}",
                "evidence": [f["id"]],
            }
        )

    fact_frame = _facts(facts)
    weights = {
        "sponsor_ring": 1.0,
        "non_procedural_cluster": 1.0,
        "training_over_capacity": 1.0,
        "certificate_after_departure": 1.0,
        "shared_identifier": 3.0,
        "tainted_partner": 2.0,
        "unlicensed_placement": 1.0,
    }
    e = pd.DataFrame(edges, columns=["a", "b", "kind"], dtype=object)
    e["weight"] = e["kind"].map(weights).fillna(1.0)
    return fact_frame, e


def risk_network(data: GraphData, facts: pd.DataFrame, edges: pd.DataFrame) -> EdgeList:
    """The suspicion network: entities linked by suspicious facts (see the table above); entities
    with facts but no suspicious link are left out (they have no ring to be part of)."""
    ids = (
        pd.Index(pd.unique(np.concatenate([edges["a"].to_numpy(), edges["b"].to_numpy()])))
        if len(edges)
        else pd.Index([])
    )
    kinds = data.entities["kind"].reindex(ids)
    kinds[within(ids, data.placements.index)] = "Placement"
    nodes = pd.DataFrame({"kind": kinds}, index=ids)
    return EdgeList.build(edges[["a", "b", "weight"]], nodes, "risk_network")
