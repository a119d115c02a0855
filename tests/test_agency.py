"""Agency networks and chain tracing, checked against the generated registry and placement files."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.base import Engine
from jejak.errors import NotFound
from loaders.normalize import parse_date
from queries import agency, refs
from reference.countries import lookup_country
from tests.conftest import Dataset


def _files(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    reg = pd.read_csv(dataset.files / "p3mi_registry.csv", dtype=str, keep_default_na=False)
    bp = pd.read_csv(dataset.files / "bp2mi_penempatan.csv", sep=";", dtype=str, keep_default_na=False)
    return reg, bp


def test_network_counts_match_the_bp2mi_file(loaded: Engine, dataset: Dataset) -> None:
    reg, bp = _files(dataset)
    licence = bp.loc[bp["no_sip3mi"] != "", "no_sip3mi"].value_counts().index[0]  # the busiest in the file
    rows = bp[bp["no_sip3mi"] == licence]
    net = agency.agency_network(loaded, licence, include_branches=False, limit=500)
    assert net["agency"]["id"] == f"AG-{licence}"
    loaded_ids = {
        r["id"]
        for r in loaded.read(
            "MATCH (:Agency {id: $id})<-[:PLACED_BY]-(p:Placement) RETURN p.id AS id", {"id": f"AG-{licence}"}
        )
    }
    bp_loaded = rows[rows["id_sisko"].map(lambda i: f"PL-bp2mi:{i}" in loaded_ids)]
    assert len(bp_loaded) >= 0.9 * len(rows)  # rows the loader rejected are not placements
    assert net["placements"]["count"] == len(loaded_ids)
    dates = sorted(d.isoformat() for d in (parse_date(v, ["DD-MM-YYYY"]) for v in bp_loaded["tanggal_berangkat"]) if d)
    assert net["placements"]["first"] <= dates[0] and net["placements"]["last"] >= dates[-1]
    countries = {c["id"]: c["placements"] for c in net["countries"]["items"]}
    for iso, n in bp_loaded["negara_tujuan"].map(lookup_country).value_counts().items():
        assert countries[iso] >= n  # Kemnaker and embassy records of the same agency add to BP2MI's
    assert sum(countries.values()) <= net["placements"]["count"]
    assert net["employers"]["total"] >= bp_loaded["pemberi_kerja"].nunique() * 0.5
    assert f"p3mi_registry:{licence}" in [s["id"] for s in net["sources"]]
    registry = reg[reg["no_sip3mi"] == licence].iloc[0]
    assert net["licence"]["issued"] == parse_date(registry["tanggal_terbit"], ["YYYY-MM-DD", "DD-MM-YYYY"]).isoformat()


def test_head_office_branches_and_scope(loaded: Engine, dataset: Dataset) -> None:
    reg, _ = _files(dataset)
    branch = reg[reg["kantor_pusat_sip3mi"] != ""].iloc[0]
    head = agency.agency_network(loaded, branch["kantor_pusat_sip3mi"])
    assert f"AG-{branch['no_sip3mi']}" in [b["id"] for b in head["branches"]]
    assert head["scope"][0] == f"AG-{branch['kantor_pusat_sip3mi']}" and len(head["scope"]) == len(head["branches"]) + 1
    own = agency.agency_network(loaded, f"AG-{branch['no_sip3mi']}")
    assert [h["id"] for h in own["head_office"]] == [f"AG-{branch['kantor_pusat_sip3mi']}"]
    up = agency.trace_up(loaded, branch["no_sip3mi"])
    assert [h["id"] for h in up["heads"]] == [f"AG-{branch['kantor_pusat_sip3mi']}"]
    down = agency.trace_down(loaded, branch["kantor_pusat_sip3mi"])
    assert f"AG-{branch['no_sip3mi']}" in [c["id"] for c in down["tree"]["children"]]


def test_shared_directors_and_masking(loaded: Engine) -> None:
    row = loaded.read(
        "MATCH (a:Agency)<-[:DIRECTS]-(p:Person)-[:DIRECTS]->(b:Agency) WHERE a <> b "
        "RETURN a.id AS a, b.id AS b, p.name AS director LIMIT 1"
    )[0]
    net = agency.agency_network(loaded, row["a"])
    directors = [s for s in net["shared_identifiers"] if s["kind"] == "director"]
    assert any(s["id"] == row["b"] and s["value"] == row["director"] for s in directors)
    public = agency.agency_network(loaded, row["a"], role="public")
    assert all(s["value"] == refs.HIDDEN for s in public["shared_identifiers"] if s["kind"] in ("director", "address"))


def test_licence_history_and_validity() -> None:
    revoked = {
        "licence_no": "X/1",
        "licence_issued": "2015-01-01",
        "licence_expires": "2030-01-01",
        "status": "DICABUT",
        "status_date": "2020-05-05",
    }
    lic = agency.licence(revoked)
    assert [e["event"] for e in lic["history"]] == ["issued", "revoked", "expires"] and not lic["valid_today"]
    expired = agency.licence({**revoked, "status": "AKTIF", "status_date": None, "licence_expires": "2019-01-01"})
    assert expired["history"][-1]["event"] == "expired" and not expired["valid_today"]


def test_sponsor_traces_up_through_placements_and_sub_agent_links(loaded: Engine) -> None:
    sp = loaded.read(
        "MATCH (s:Sponsor)<-[:RECRUITED_BY]-(:Placement)-[:PLACED_BY]->(a:Agency) "
        "RETURN s.id AS s, a.id AS a ORDER BY s LIMIT 1"
    )[0]
    up = agency.trace_up(loaded, sp["s"])
    assert sp["a"] in [r["id"] for r in up["recruited_for"]]
    # a sponsor registered as sub-agent of a branch: the path climbs to the head office
    br = loaded.read("MATCH (b:Agency)-[:BRANCH_OF]->(h:Agency) RETURN b.id AS b, h.id AS h LIMIT 1")[0]
    loaded.write(
        "MATCH (s:Sponsor {id: $s}), (b:Agency {id: $b}) CREATE (s)-[:SUB_AGENT_OF]->(b)", {"s": sp["s"], "b": br["b"]}
    )
    up = agency.trace_up(loaded, sp["s"])
    assert any([n["id"] for n in p["nodes"]] == [sp["s"], br["b"], br["h"]] for p in up["paths"])
    assert br["h"] in [h["id"] for h in up["heads"]]
    down = agency.trace_down(loaded, br["h"])
    branch = next(c for c in down["tree"]["children"] if c["id"] == br["b"])
    assert [c["id"] for c in branch["children"]] == [sp["s"]] and branch["children"][0]["relation"] == "SUB_AGENT_OF"
    net = agency.agency_network(loaded, br["b"])
    assert {"label": "Sponsor", "id": sp["s"], "name": net["sub_agents"][0]["name"]} in net["sub_agents"]


def test_cases_about_an_agency(loaded: Engine) -> None:
    row = loaded.read("MATCH (c:Case)-[:CONCERNS]->(a:Agency) RETURN a.id AS a, c.id AS c LIMIT 1")
    if not row:
        pytest.skip("no complaint names an agency in this dataset")
    assert row[0]["c"] in [c["id"] for c in agency.agency_network(loaded, row[0]["a"])["cases"]]


def test_unknown_agency(loaded: Engine) -> None:
    with pytest.raises(NotFound):
        agency.agency_network(loaded, "KEP.0/MEN/1900")
    with pytest.raises(NotFound):
        agency.trace_up(loaded, "SP-0000000000000000")
