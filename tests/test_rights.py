"""Rights per worker and placement, and the summaries per agency and employer, on the generated dataset."""

from __future__ import annotations

from engine.base import Engine
from queries.flags import run_rules
from queries.rights import RIGHTS, rights_for_worker, rights_summary

STATUSES = {"met", "missing", "violated", "not_applicable"}


def _worker_of(eng: Engine, placement: str) -> str:
    return eng.read("MATCH (w:Worker)-[:HAS_PLACEMENT]->(p:Placement {id: $id}) RETURN w.id AS w", {"id": placement})[
        0
    ]["w"]


def test_every_placement_gets_every_right(loaded: Engine) -> None:
    flag = run_rules(loaded, ["R5"])[0]
    worker = _worker_of(loaded, flag.entity_id)
    entries = rights_for_worker(loaded, worker)
    placements = {e["placement"] for e in entries}
    assert len(entries) == len(placements) * len(RIGHTS)
    for e in entries:
        assert e["status"] in STATUSES and e["rule"] == RIGHTS[e["right"]]
        assert (e["status"] == "not_applicable") == (not e["applies"])
    cost = next(e for e in entries if e["placement"] == flag.entity_id and e["right"] == "zero_placement_cost")
    assert cost["applies"] and cost["status"] == "violated" and cost["evidence"]["cost_to_worker"] > 0
    assert cost["record_ids"] == flag.record_ids


def test_missing_documents_are_violations_where_the_source_asks_for_them(loaded: Engine) -> None:
    flag = next(f for f in run_rules(loaded, ["R6"]) if "bpjs" in f.evidence["missing"])
    entries = rights_for_worker(loaded, _worker_of(loaded, flag.entity_id))
    here = {e["right"]: e for e in entries if e["placement"] == flag.entity_id}
    assert here["social_security"]["status"] == "violated"
    assert here["work_contract"]["status"] in ("met", "violated")
    # a BP2MI record does not carry the placement agreement: no data, not a violation
    if flag.entity_id.startswith("PL-bp2mi:"):
        assert here["placement_agreement"]["status"] == "missing"


def test_complaints_show_passport_retention(loaded: Engine) -> None:
    case = next(
        f
        for f in run_rules(loaded, ["R9"])
        if f.evidence["kind"] == "PENAHANAN_DOKUMEN" and any(c["label"] == "Worker" for c in f.evidence["concerns"])
    )
    worker = next(c["id"] for c in case.evidence["concerns"] if c["label"] == "Worker")
    entries = rights_for_worker(loaded, worker)
    passport = [e for e in entries if e["right"] == "own_passport" and e["status"] == "violated"]
    assert len(passport) == 1 and case.entity_id in passport[0]["evidence"]["cases"]
    assert all(e["status"] != "met" for e in entries if e["right"] in ("own_passport", "paid_wage"))


def test_unknown_worker_has_no_rights_entries(loaded: Engine) -> None:
    assert rights_for_worker(loaded, "W-nobody") == []


def test_summaries_rank_agencies_and_employers_by_violations(loaded: Engine) -> None:
    for by in ("agency", "employer"):
        rows = rights_summary(loaded, by=by, limit=5)
        assert 0 < len(rows) <= 5
        assert [r["violations"] for r in rows] == sorted((r["violations"] for r in rows), reverse=True)
        for r in rows:
            assert set(r["rights"]) == set(RIGHTS)
            for counts in r["rights"].values():
                assert counts["met"] + counts["missing"] <= counts["applies"]
    top = rights_summary(loaded, by="agency", limit=1)[0]
    assert top["id"].startswith("AG") and top["violations"] > 0
