"""A worker's chain, checked against what the generated agency files say."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.base import Engine
from jejak.errors import Forbidden, InputError, NotFound
from loaders.normalize import normalize_org_name, parse_date, parse_nik
from queries import refs
from queries.chain import conflicts, format_chain, worker_chain
from reference.countries import lookup_country
from tests.conftest import Dataset


def _bp2mi(dataset: Dataset) -> pd.DataFrame:
    return pd.read_csv(dataset.files / "bp2mi_penempatan.csv", sep=";", dtype=str, keep_default_na=False)


def _clean_rows(dataset: Dataset, n: int = 25) -> pd.DataFrame:
    """BP2MI rows whose keys the loader accepts: a valid NIK, a country, a departure date."""
    df = _bp2mi(dataset)
    ok = (
        df["nik"].map(lambda v: parse_nik(v).valid)
        & df["negara_tujuan"].map(lambda v: lookup_country(v) is not None)
        & df["tanggal_berangkat"].map(lambda v: parse_date(v, ["DD-MM-YYYY"]) is not None)
        & (df["pemberi_kerja"] != "")
        & (df["no_sip3mi"] != "")
    )
    return df[ok].sample(n=n, random_state=3)


def test_chain_shows_what_the_bp2mi_rows_say(loaded: Engine, dataset: Dataset) -> None:
    for _, row in _clean_rows(dataset).iterrows():
        chain = worker_chain(loaded, f"bp2mi:{row['id_sisko']}")
        assert chain["resolved_by"] == "record"
        assert chain["worker"]["nik"] == row["nik"]
        placement = next(p for p in chain["placements"] if p["id"] == f"PL-bp2mi:{row['id_sisko']}")
        assert placement["departure_date"] == parse_date(row["tanggal_berangkat"], ["DD-MM-YYYY"]).isoformat()
        assert placement["date"] == placement["departure_date"]
        assert placement["status"] == "DEPARTED"
        assert [c["id"] for c in placement["countries"]] == [lookup_country(row["negara_tujuan"])]
        assert [a["licence_no"] for a in placement["agencies"]] == [row["no_sip3mi"]]
        assert [e["name_norm"] for e in placement["employers"]] == [normalize_org_name(row["pemberi_kerja"])]
        if row["mitra_usaha"]:
            assert [p["name"] for p in placement["partners"]] == [row["mitra_usaha"]] or placement["partners"]
        if row["no_sertifikat"]:
            assert row["no_sertifikat"] in [t["certificate_no"] for t in placement["training"]]
        if row["sponsor"]:
            assert len(placement["sponsors"]) == 1
        assert placement["sources"] == [
            {
                "id": f"bp2mi:{row['id_sisko']}",
                "source": "bp2mi",
                "file": "bp2mi_penempatan.csv",
                "row": placement["sources"][0]["row"],
            }
        ]
        assert f"bp2mi:{row['id_sisko']}" in [s["id"] for s in chain["sources"]]
        # origin: the regency code of the row, inside its province
        if chain["origin"]["regency"]:
            assert chain["origin"]["regency"]["id"] == row["kode_kabkota"]
            assert chain["origin"]["province"]["id"] == row["kode_kabkota"][:2]


def test_the_same_worker_by_nik_passport_id_and_record(loaded: Engine, dataset: Dataset) -> None:
    row = _clean_rows(dataset, 1).iloc[0]
    by_record = worker_chain(loaded, f"bp2mi:{row['id_sisko']}")
    wid = by_record["worker"]["id"]
    assert worker_chain(loaded, row["nik"])["worker"]["id"] == wid
    assert worker_chain(loaded, wid)["resolved_by"] == "id"
    assert worker_chain(loaded, row["id_sisko"])["worker"]["id"] == wid  # a bare record id: every source tried
    spaced = f"{row['nik'][:6]} {row['nik'][6:12]} {row['nik'][12:]}"
    assert worker_chain(loaded, spaced)["worker"]["id"] == wid
    passport = by_record["worker"]["passport_no"]
    holders = loaded.read(refs.WORKERS_BY_PASSPORT, {"passport": passport, "limit": 10})
    if len(holders) == 1:
        assert worker_chain(loaded, passport)["worker"]["id"] == wid


def test_placements_are_sorted_by_date(loaded: Engine) -> None:
    wid = loaded.read(
        "MATCH (w:Worker)-[:HAS_PLACEMENT]->(p) WITH w, count(p) AS n WHERE n >= 4 "
        "RETURN w.id AS id ORDER BY id LIMIT 1"
    )[0]["id"]
    chain = worker_chain(loaded, wid)
    dates = [p["date"] for p in chain["placements"]]
    assert len(dates) >= 4 and dates == sorted(dates)
    for p in chain["placements"]:
        assert p["date"] == (p["departure_date"] or p["registration_date"] or p["arrival_date"])


def test_unknown_refs_are_not_found(loaded: Engine) -> None:
    for ref in ("W-0000000000000000", "3174014101900001", "bp2mi:SK-1999-0000000", "Z9999999"):
        with pytest.raises(NotFound):
            worker_chain(loaded, ref)


def test_malformed_refs_say_what_a_valid_one_looks_like(loaded: Engine) -> None:
    with pytest.raises(InputError, match="16 digits") as bad_nik:
        worker_chain(loaded, "32751O0101900001")
    assert not isinstance(bad_nik.value, NotFound)
    assert "'O' at position 6" in str(bad_nik.value)
    with pytest.raises(InputError, match="16 digits"):
        worker_chain(loaded, "327501010190001")  # 15 digits
    with pytest.raises(InputError, match="impossible birth date"):
        worker_chain(loaded, "3275014513900001")  # month 13
    with pytest.raises(InputError, match="W- and 16 hex"):
        worker_chain(loaded, "W-xyz")
    with pytest.raises(InputError, match="source among"):
        worker_chain(loaded, "nosuchsource:123")
    with pytest.raises(InputError, match="empty"):
        worker_chain(loaded, "  ")
    with pytest.raises(InputError, match="unknown role"):
        worker_chain(loaded, "W-0000000000000000", role="boss")


def test_a_passport_shared_by_two_worker_nodes_is_ambiguous(loaded: Engine) -> None:
    row = loaded.read(
        "MATCH (p:Passport)<-[:HOLDS_PASSPORT]-(w:Worker) WITH p, collect(w.id) AS ids "
        "WHERE size(ids) > 1 RETURN p.id AS passport, ids LIMIT 1"
    )[0]
    with pytest.raises(InputError, match="ambiguous") as err:
        worker_chain(loaded, row["passport"])
    assert not isinstance(err.value, NotFound)
    for wid in row["ids"]:
        assert wid in str(err.value)


def test_a_nik_shared_by_two_worker_nodes_is_ambiguous(loaded: Engine) -> None:
    nik = loaded.read("MATCH (w:Worker) WHERE w.nik IS NOT NULL RETURN w.nik AS nik, w.id AS id LIMIT 1")[0]
    loaded.write("CREATE (:Worker {id: 'W-ffffffffffffffff', name: 'KEMBAR', nik: $nik})", {"nik": nik["nik"]})
    with pytest.raises(InputError, match="ambiguous") as err:
        worker_chain(loaded, nik["nik"])
    assert nik["id"] in str(err.value) and "W-ffffffffffffffff (KEMBAR)" in str(err.value)


def test_masking_hides_personal_fields_for_other_roles(loaded: Engine, dataset: Dataset) -> None:
    row = _clean_rows(dataset, 1).iloc[0]
    full = worker_chain(loaded, row["nik"])
    for role in ("analyst", "public"):
        with pytest.raises(Forbidden, match="needs the investigator role"):  # the NIK would name them
            worker_chain(loaded, row["nik"], role=role)
        masked = worker_chain(loaded, full["worker"]["id"], role=role)
        assert masked["role"] == role
        text = json.dumps(masked)
        for field in ("nik", "passport_no", "phone", "address", "birth_date", "nik_birth_date", "birth_place"):
            value = full["worker"][field]
            if value:
                assert masked["worker"][field] != value, (role, field)
                assert f'"{value}"' not in text, (role, field)
        assert masked["worker"]["name"] == full["worker"]["name"]
        assert masked["placements"] == full["placements"]
    analyst = worker_chain(loaded, full["worker"]["id"], role="analyst")["worker"]
    assert analyst["birth_date"] == full["worker"]["birth_date"][:4] + "-**-**"
    assert analyst["nik"] == row["nik"][:6] + "*" * 10
    assert worker_chain(loaded, full["worker"]["id"], role="public")["worker"]["nik"] == refs.HIDDEN


def test_a_worker_without_placements_has_an_empty_chain(loaded: Engine) -> None:
    loaded.write("CREATE (:Worker {id: 'W-eeeeeeeeeeeeeeee', name: 'TANPA PENEMPATAN'})")
    chain = worker_chain(loaded, "W-eeeeeeeeeeeeeeee")
    assert chain["placements"] == [] and chain["origin"] == {"regency": None, "province": None}
    assert chain["conflicts"] == [] and chain["sources"] == []


def test_an_id_merged_away_by_entity_resolution_finds_the_survivor(loaded: Engine) -> None:
    wid = loaded.read("MATCH (w:Worker)-[:HAS_PLACEMENT]->() RETURN w.id AS id LIMIT 1")[0]["id"]
    loaded.write("MATCH (w:Worker {id: $id}) SET w.aliases = ['W-dddddddddddddddd']", {"id": wid})
    chain = worker_chain(loaded, "W-dddddddddddddddd")
    assert chain["worker"]["id"] == wid and chain["resolved_by"] == "alias"


def test_cases_and_identity_conflicts_appear(loaded: Engine) -> None:
    row = loaded.read(
        "MATCH (c:Case)-[:CONCERNS]->(w:Worker)-[:HAS_PLACEMENT]->() RETURN w.id AS id, c.id AS case LIMIT 1"
    )[0]
    assert row["case"] in [c["id"] for c in worker_chain(loaded, row["id"])["cases"]]
    odd = loaded.read("MATCH (w:Worker) WHERE w.birth_date <> w.nik_birth_date RETURN w.id AS id LIMIT 1")[0]["id"]
    found = worker_chain(loaded, odd)["conflicts"]
    assert any(c["field"] == "birth_date" and c["kind"] == "identity" for c in found)
    masked = worker_chain(loaded, odd, role="public")["conflicts"]
    assert all(v["value"] == refs.HIDDEN for c in masked if c["field"] == "birth_date" for v in c["values"])


def test_a_complaint_about_a_placement_and_a_possible_duplicate_appear(loaded: Engine) -> None:
    """The chain query only counts these (they are rare) and reads them with a second query."""
    row = loaded.read(
        "MATCH (w:Worker)-[:HAS_PLACEMENT]->(p:Placement) WHERE NOT (w)-[:POSSIBLY_SAME]-() "
        "RETURN w.id AS w, p.id AS p LIMIT 1"
    )[0]
    before = worker_chain(loaded, row["w"])
    loaded.write(
        "MATCH (w:Worker {id: $w}), (p:Placement {id: $p}), (o:Worker) WHERE o.id <> $w "
        "WITH w, p, o LIMIT 1 "
        "CREATE (:Case {id: 'CASE-test-chain', kind: 'wage_withheld', date: '2024-01-02'})-[:CONCERNS]->(p) "
        "CREATE (w)-[:POSSIBLY_SAME {score: 0.7, reason: 'name'}]->(o)",
        row,
    )
    after = worker_chain(loaded, row["w"])
    placement = next(p for p in after["placements"] if p["id"] == row["p"])
    assert [c["id"] for c in placement["cases"]] == ["CASE-test-chain"]
    assert [(s["score"], s["reason"]) for s in after["possibly_same"]] == [(0.7, "name")]
    assert before["possibly_same"] == [] and not any(
        c["id"] == "CASE-test-chain" for p in before["placements"] for c in p["cases"]
    )
    # the rest of the chain is unchanged
    assert [p["id"] for p in after["placements"]] == [p["id"] for p in before["placements"]]


def test_sources_that_disagree_on_one_departure_are_conflicts(loaded: Engine, dataset: Dataset) -> None:
    """R8 plants: the embassy record of a departure names another employer or job than BP2MI's.
    Until entity resolution merges the two Worker nodes, join them here as it would."""
    truth = pd.read_csv(dataset.truth / "patterns.csv", dtype=str)
    r8 = truth[truth["rule_id"] == "R8"]
    bp = r8[r8["entity_type"] == "bp2mi_record"].set_index("pattern_id")["entity_key"]
    km = r8[r8["entity_type"] == "kemlu_record"].set_index("pattern_id")["entity_key"]
    checked = 0
    for pattern in bp.index.intersection(km.index):
        worker = loaded.read(
            "MATCH (w:Worker)-[:HAS_PLACEMENT]->(:Placement {id: $id}) RETURN w.id AS id",
            {"id": f"PL-bp2mi:{bp[pattern]}"},
        )
        kemlu = f"PL-kemlu:{km[pattern]}"
        if not worker or not loaded.read("MATCH (p:Placement {id: $id}) RETURN p.id AS id", {"id": kemlu}):
            continue
        loaded.write(
            "MATCH (w:Worker {id: $w}), (p:Placement {id: $p}) MERGE (w)-[:HAS_PLACEMENT]->(p)",
            {"w": worker[0]["id"], "p": kemlu},
        )
        chain = worker_chain(loaded, worker[0]["id"])
        role = truth[(truth["pattern_id"] == pattern) & (truth["entity_type"] == "bp2mi_record")]["role"].iloc[0]
        field = {"employer_differs": "employer", "job_differs": "job"}[role]
        pairs = [{v["placement"] for v in c["values"]} for c in chain["conflicts"] if c["field"] == field]
        assert {f"PL-bp2mi:{bp[pattern]}", kemlu} in pairs, (pattern, chain["conflicts"])
        checked += 1
    assert checked >= 3


def test_few_false_conflicts_on_the_loaded_data(loaded: Engine) -> None:
    """Spelling and the months between a Kemnaker registration and the departure are not conflicts."""
    ids = [
        r["id"]
        for r in loaded.read(
            "MATCH (w:Worker)-[:HAS_PLACEMENT]->() WITH w, count(*) AS n "
            "WHERE n >= 2 RETURN w.id AS id ORDER BY id LIMIT 300"
        )
    ]
    placement_conflicts = sum(
        1
        for wid in ids
        for c in worker_chain(loaded, wid, include_flags=False)["conflicts"]
        if c["kind"] == "placement"
    )
    assert placement_conflicts <= len(ids) * 0.03


def test_conflicts_need_two_sources_and_one_period() -> None:
    def pl(pid: str, source: str, date: str, job: str) -> dict:
        return {
            "id": pid,
            "date": date,
            "status": "DEPARTED",
            "job_code": job,
            "job": job,
            "sources": [{"id": f"{source}:{pid}", "source": source}],
            "employers": [],
            "agencies": [],
            "countries": [],
        }

    same_source = [pl("a", "bp2mi", "2020-01-01", "COOK"), pl("b", "bp2mi", "2020-02-01", "DRIVER")]
    far_apart = [pl("a", "bp2mi", "2020-01-01", "COOK"), pl("b", "kemlu", "2022-01-01", "DRIVER")]
    clash = [pl("a", "bp2mi", "2020-01-01", "COOK"), pl("b", "kemlu", "2020-01-03", "DRIVER")]
    assert conflicts({}, same_source) == [] and conflicts({}, far_apart) == []
    assert [c["field"] for c in conflicts({}, clash)] == ["job"]


def test_flags_and_rights_keys_are_always_there(loaded: Engine) -> None:
    wid = loaded.read("MATCH (w:Worker)-[:HAS_PLACEMENT]->() RETURN w.id AS id LIMIT 1")[0]["id"]
    chain = worker_chain(loaded, wid)
    assert isinstance(chain["flags"], list) and isinstance(chain["rights"], list) and chain["flags_checked"]
    bare = worker_chain(loaded, wid, include_flags=False)
    assert bare["flags"] == [] and bare["rights"] == [] and not bare["flags_checked"]  # not "none found"


def test_cli_chain_prints_text_and_json(loaded: Engine, dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    from jejak import cli

    monkeypatch.setattr(cli, "_open_engine", lambda: _Borrowed(loaded))
    row = _clean_rows(dataset, 1).iloc[0]
    runner = CliRunner()
    out = runner.invoke(cli.app, ["chain", row["nik"], "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["worker"]["nik"] == row["nik"]
    out = runner.invoke(cli.app, ["chain", f"bp2mi:{row['id_sisko']}"])
    assert out.exit_code == 0, out.output
    assert row["no_sip3mi"] in out.output and f"bp2mi:{row['id_sisko']}" in out.output
    text = format_chain(worker_chain(loaded, row["nik"]))
    assert text.splitlines()[0].startswith("worker ")


class _Borrowed:
    """The test's engine as a context manager that does not close it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Engine:
        return self.engine

    def __exit__(self, *exc: object) -> None:
        return None
