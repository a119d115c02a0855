"""The synthetic data generator: formats of shared/formats/README.md, calibration, determinism, ground truth."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from generator import generate
from generator.sources import (
    BP2MI_COLUMNS,
    KEMLU_KEYS,
    KEMNAKER_COLUMNS,
    LPK_COLUMNS,
    MITRA_COLUMNS,
    P3MI_COLUMNS,
    PENGADUAN_COLUMNS,
)

N = 2000
RULES = {"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "H1", "H2", "H3", "H4"}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen")
    steps: list[str] = []
    summary = generate(N, seed=11, out=out, mess=0.3, progress=lambda s, d, t: steps.append(s))
    summary["_steps"] = steps
    return out, summary


def _header(path: Path, sep: str) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh, delimiter=sep))


def _bp2mi(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "bp2mi_penempatan.csv", sep=";", dtype=str, keep_default_na=False)


def test_files_and_headers(data):
    out, summary = data
    assert _header(out / "bp2mi_penempatan.csv", ";") == BP2MI_COLUMNS
    for name, cols in (
        ("p3mi_registry.csv", P3MI_COLUMNS),
        ("lpk_registry.csv", LPK_COLUMNS),
        ("mitra_registry.csv", MITRA_COLUMNS),
        ("pengaduan.csv", PENGADUAN_COLUMNS),
    ):
        assert _header(out / name, ",") == cols
    xl = pd.ExcelFile(out / "kemnaker_siapkerja.xlsx", engine="calamine")
    assert xl.sheet_names == ["Data PMI"]
    assert list(pd.read_excel(xl, "Data PMI", nrows=1, engine="calamine").columns) == KEMNAKER_COLUMNS
    with open(out / "kemlu_lapor_diri.jsonl", encoding="utf-8") as fh:
        first = json.loads(fh.readline())
    assert list(first) == KEMLU_KEYS
    for name in ("persons.csv", "patterns.csv", "organisations.csv", "summary.json"):
        assert (out / "ground_truth" / name).exists()
    assert summary["_steps"][-1] == "ground_truth"


def test_dates_parse_in_spec_formats(data):
    out, _ = data
    bp = _bp2mi(out)
    for col in ("tanggal_berangkat", "tanggal_pk", "tanggal_sertifikat"):
        vals = bp[col][bp[col] != ""]
        pd.to_datetime(vals, format="%d-%m-%Y")  # raises if any is malformed
    births = pd.to_datetime(bp["tanggal_lahir"], format="%d-%m-%Y", errors="coerce")
    assert births.notna().mean() > 0.99  # a few impossible dates are planted on purpose
    kl = pd.read_json(out / "kemlu_lapor_diri.jsonl", lines=True, dtype=False)
    pd.to_datetime(kl["arrival_date"], format="%Y/%m/%d")
    pd.to_datetime(kl["registered_at"], format="ISO8601")
    kn = pd.read_excel(out / "kemnaker_siapkerja.xlsx", sheet_name="Data PMI", engine="calamine")
    kinds = kn["TGL DAFTAR"].map(type)
    is_text = kinds.map(lambda k: k is str)
    assert kinds.map(lambda k: k is dt.datetime).any() and is_text.any()  # Excel dates and YYYY-MM-DD text
    pd.to_datetime(kn.loc[is_text, "TGL DAFTAR"], format="%Y-%m-%d")
    dep = pd.to_datetime(bp["tanggal_berangkat"], format="%d-%m-%Y")
    assert dep.min() >= pd.Timestamp("2018-01-01") and dep.max() <= pd.Timestamp("2024-10-31")


def test_deterministic(tmp_path):
    def digest(d: Path) -> dict[str, str]:
        return {
            str(p.relative_to(d)): hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
        }

    generate(300, seed=5, out=tmp_path / "a")
    generate(300, seed=5, out=tmp_path / "b")
    generate(300, seed=6, out=tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a")["bp2mi_penempatan.csv"] != digest(tmp_path / "c")["bp2mi_penempatan.csv"]


def test_shares_follow_calibration(data):
    out, _ = data
    bp = _bp2mi(out)
    female = (bp["jenis_kelamin"] == "P").mean()
    assert 0.55 < female < 0.67
    top = bp["negara_tujuan"].value_counts().index[:3]
    assert set(top) == {"Taiwan", "Malaysia", "Hong Kong"}
    assert 0.35 < (bp["sektor"] == "informal").mean() < 0.55
    assert (bp["jabatan"] == "Penata Laksana Rumah Tangga").mean() > 0.15
    years = pd.to_datetime(bp["tanggal_berangkat"], format="%d-%m-%Y").dt.year.value_counts()
    assert years[2018] > years[2021] and years[2023] > years[2020]
    p3mi = pd.read_csv(out / "p3mi_registry.csv", dtype=str)
    heads = p3mi[p3mi["kantor_pusat_sip3mi"].isna()]
    assert len(heads) == 424
    assert (heads["kode_kabkota"].str[:2] == "31").sum() == 129
    assert (heads["kode_kabkota"].str[:2] == "32").sum() == 113
    assert p3mi["kantor_pusat_sip3mi"].notna().any()  # branch offices


def test_nik_matches_birth_and_sex_on_clean_rows(data):
    out, _ = data
    bp = _bp2mi(out)
    persons = pd.read_csv(out / "ground_truth" / "persons.csv", dtype=str, keep_default_na=False)
    patterns = pd.read_csv(out / "ground_truth" / "patterns.csv", dtype=str)
    clean_ids = set(persons.loc[(persons["source"] == "bp2mi") & (persons["mess"] == ""), "record_id"])
    clean_ids -= set(patterns.loc[patterns["rule_id"] == "R11", "entity_key"])
    clean = bp[bp["id_sisko"].isin(clean_ids)]
    assert len(clean) > 0.7 * len(bp)
    assert clean["nik"].str.fullmatch(r"\d{16}").all()
    day = clean["nik"].str[6:8].astype(int)
    female = clean["jenis_kelamin"] == "P"
    born = pd.to_datetime(clean["tanggal_lahir"], format="%d-%m-%Y")
    assert ((day > 40) == female).all()
    assert (day - 40 * female == born.dt.day).all()
    assert (clean["nik"].str[8:10].astype(int) == born.dt.month).all()
    assert (clean["nik"].str[10:12].astype(int) == born.dt.year % 100).all()
    # the NIK starts with the district of the origin regency
    has_code = clean["kode_kabkota"].str.contains(".", regex=False)
    assert (clean.loc[has_code, "nik"].str[:4] == clean.loc[has_code, "kode_kabkota"].str.replace(".", "")).all()


def test_every_rule_is_planted(data):
    out, summary = data
    patterns = pd.read_csv(out / "ground_truth" / "patterns.csv", dtype=str)
    assert list(patterns.columns) == ["pattern_id", "rule_id", "entity_type", "entity_key", "role"]
    assert set(patterns["rule_id"]) == RULES
    assert set(summary["patterns_by_rule"]) == RULES
    bp = _bp2mi(out)
    # planted record keys exist in the files they name
    r4 = patterns.loc[(patterns["rule_id"] == "R4") & (patterns["entity_type"] == "bp2mi_record"), "entity_key"]
    assert (bp.set_index("id_sisko").loc[r4, "no_sip2mi"] == "").all()
    r5 = patterns.loc[(patterns["rule_id"] == "R5") & (patterns["entity_type"] == "bp2mi_record"), "entity_key"]
    assert (bp.set_index("id_sisko").loc[r5, "biaya_ditanggung_pmi"].astype(int) > 0).all()
    sponsors = patterns.loc[patterns["entity_type"] == "sponsor", "entity_key"]
    for s in sponsors:
        rows = bp[bp["sponsor"] == s]
        assert len(rows) >= 5 and rows["no_sip3mi"].nunique() >= 2
    # ordinary sponsors recruit fewer than five workers
    counts = bp.loc[(bp["sponsor"] != "") & ~bp["sponsor"].isin(sponsors), "sponsor"].value_counts()
    assert counts.max() < 5


def test_sources_overlap_but_differ(data):
    out, _ = data
    persons = pd.read_csv(out / "ground_truth" / "persons.csv", dtype=str, keep_default_na=False)
    by_person = persons.groupby("person_id")["source"].agg(set)
    kemlu_only = by_person.map(lambda s: s <= {"kemlu", "pengaduan"} and "kemlu" in s)
    assert kemlu_only.sum() > 0  # non-procedural workers known only to the embassy
    assert (by_person.map(lambda s: "bp2mi" in s and "kemlu" not in s)).sum() > 0  # not everyone self-registers
    kn = pd.read_excel(out / "kemnaker_siapkerja.xlsx", sheet_name="Data PMI", dtype=str, engine="calamine")
    assert (kn["STATUS"] == "BATAL").sum() > 0
    assert kn["NAMA LENGKAP"].str.contains(r" Bin(?:ti)? ", case=False).any()
    bp = _bp2mi(out)
    assert bp.loc[bp["nik"] != "", "nik"].duplicated().any()  # repeat migrants
    kl = pd.read_json(out / "kemlu_lapor_diri.jsonl", lines=True, dtype=False)
    assert set(kl["visa_type"]) >= {"work", "visit", "umrah"}
    assert "nik" not in kl.columns


def test_ground_truth_covers_every_record(data):
    out, _ = data
    persons = pd.read_csv(out / "ground_truth" / "persons.csv", dtype=str, keep_default_na=False)
    assert list(persons.columns) == ["person_id", "source", "record_id", "placement_id", "mess", "employer_id"]
    ids = {
        "bp2mi": set(_bp2mi(out)["id_sisko"]),
        "kemnaker": set(
            pd.read_excel(out / "kemnaker_siapkerja.xlsx", sheet_name="Data PMI", engine="calamine", dtype=str)[
                "NO REGISTRASI"
            ]
        ),
        "kemlu": set(pd.read_json(out / "kemlu_lapor_diri.jsonl", lines=True, dtype=False)["registration_id"]),
        "pengaduan": set(pd.read_csv(out / "pengaduan.csv", dtype=str)["no_pengaduan"]),
    }
    for source, expected in ids.items():
        got = persons.loc[persons["source"] == source, "record_id"]
        assert not got.duplicated().any()
        assert set(got) == expected, source
    orgs = pd.read_csv(out / "ground_truth" / "organisations.csv", dtype=str, keep_default_na=False)
    assert list(orgs.columns) == ["org_id", "kind", "licence", "country", "name"]
    bp = _bp2mi(out)
    known = set(orgs["name"])
    for col in ("p3mi", "pemberi_kerja", "lpk", "mitra_usaha"):
        assert set(bp.loc[bp[col] != "", col]) <= known, col
    # agency names vary between the sources but resolve to one organisation
    variants = orgs[orgs["kind"] == "p3mi"].groupby("org_id")["name"].nunique()
    assert variants.max() >= 3
    # every record naming an employer says which one: a name variant of that employer
    named = bp.merge(persons[persons["source"] == "bp2mi"], left_on="id_sisko", right_on="record_id")
    assert ((named["pemberi_kerja"] != "") == (named["employer_id"] != "")).all()
    spelled = set(zip(orgs["org_id"], orgs["name"], strict=True))
    assert all((e, n) in spelled for e, n in zip(named["employer_id"], named["pemberi_kerja"], strict=True) if e)


def test_mess_zero_is_clean(tmp_path):
    generate(400, seed=3, out=tmp_path, mess=0.0)
    persons = pd.read_csv(tmp_path / "ground_truth" / "persons.csv", dtype=str, keep_default_na=False)
    assert (persons["mess"] == "").all()
    bp = _bp2mi(tmp_path)
    assert bp["nik"].str.fullmatch(r"\d{16}").all()


def test_rules_hold_outside_planted_patterns(data):
    """Every violation of R2-R6 in BP2MI is a planted, labelled one (so benchmarks can score recall and precision)."""
    out, _ = data
    bp = _bp2mi(out)
    patterns = pd.read_csv(out / "ground_truth" / "patterns.csv", dtype=str)

    def planted(rule: str) -> set[str]:
        sel = (patterns["rule_id"] == rule) & (patterns["entity_type"] == "bp2mi_record")
        return set(patterns.loc[sel, "entity_key"])

    dep = pd.to_datetime(bp["tanggal_berangkat"], format="%d-%m-%Y")
    moratorium = {"Arab Saudi", "Uni Emirat Arab", "Qatar", "Kuwait", "Oman", "Bahrain", "Yordania"}
    r2 = bp[
        bp["negara_tujuan"].isin(moratorium)
        & (bp["skema"] != "SPSK")
        & ((bp["jenis_pemberi_kerja"] == "perseorangan") | (bp["sektor"] == "informal"))
    ]
    assert set(r2["id_sisko"]) == planted("R2")
    reg = pd.read_csv(out / "p3mi_registry.csv", dtype=str, keep_default_na=False)
    m = bp.merge(reg[["no_sip3mi", "status", "tanggal_status"]], on="no_sip3mi", how="left")
    late = m["status"].isin(["DIBEKUKAN", "DICABUT"]) & (
        pd.to_datetime(m["tanggal_status"]) <= pd.to_datetime(m["tanggal_berangkat"], format="%d-%m-%Y")
    )
    assert set(m.loc[late, "id_sisko"]) == planted("R3")
    assert set(bp.loc[bp["no_sip2mi"] == "", "id_sisko"]) == planted("R4")
    zero_cost = {
        "Penata Laksana Rumah Tangga",
        "Caregiver",
        "Pengasuh Bayi",
        "Juru Masak Keluarga",
        "Sopir Keluarga",
        "Tukang Kebun",
        "Pekerja Perkebunan",
        "ABK Perikanan",
        "Petugas Kebersihan",
        "Pekerja Pertanian",
    }
    r5 = bp["jabatan"].isin(zero_cost) & (dep >= pd.Timestamp("2021-07-15")) & (bp["biaya_ditanggung_pmi"] != "0")
    assert set(bp.loc[r5, "id_sisko"]) == planted("R5")
    r6 = (bp["tanggal_pk"] == "") | (bp["no_bpjs"] == "") | (bp["no_sertifikat"] == "")
    assert set(bp.loc[r6, "id_sisko"]) <= planted("R6")
    born = pd.to_datetime(bp["tanggal_lahir"], format="%d-%m-%Y", errors="coerce")
    minors = set(bp.loc[(dep - born).dt.days < 18 * 365.25, "id_sisko"])
    assert minors <= planted("R1")
