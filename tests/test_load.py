"""Loading the agencies' files: what a user relies on.

Same files twice -> same graph; bulk and MERGE paths -> the same graph; a load killed half-way
and rerun -> the graph a clean load gives; an unreadable file -> that file fails alone and the
graph is unchanged; rejects are kept with file, row, field, value and reason.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import engine
from engine.base import Engine
from jejak.settings import Settings
from loaders.pipeline import folder_tag, load_directory
from tests.conftest import Dataset

ROOT = Path(__file__).parents[1]


BP2MI_HEADER = (
    "id_sisko;nik;nama;jenis_kelamin;tempat_lahir;tanggal_lahir;kode_kabkota;alamat;no_hp;no_paspor;"
    "jabatan;sektor;negara_tujuan;pemberi_kerja;jenis_pemberi_kerja;mitra_usaha;p3mi;no_sip3mi;no_sip2mi;"
    "lpk;no_sertifikat;tanggal_sertifikat;tanggal_pk;tanggal_berangkat;biaya_ditanggung_pmi;no_bpjs;skema;"
    "sponsor"
)


def snapshot(eng: Engine) -> tuple[list[str], list[str]]:
    """Every node with its labels and properties, every edge with its ends: the whole graph."""
    nodes = sorted(
        json.dumps([r["l"], r["p"]], sort_keys=True, default=str)
        for r in eng.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p", timeout_s=300)
    )
    edges = sorted(
        json.dumps([r["t"], r["a"], r["b"], r["p"]], sort_keys=True, default=str)
        for r in eng.read(
            "MATCH (a)-[r]->(b) RETURN type(r) AS t, a.id AS a, b.id AS b, properties(r) AS p", timeout_s=300
        )
    )
    return nodes, edges


@pytest.fixture
def reference_snapshot(dataset: Dataset, data_dir: Path) -> tuple[list[str], list[str]]:
    """The graph a clean bulk load of the dataset gives."""
    with engine.connect(Settings(data_dir=data_dir, graph_name=dataset.graph_name)) as eng:
        return snapshot(eng)


def test_loading_twice_changes_nothing(
    loaded: Engine, dataset: Dataset, reference_snapshot: tuple[list[str], list[str]]
) -> None:
    report = load_directory(dataset.files, loaded, work_dir=dataset.work_dir)
    assert report.mode == "merge"
    assert report.written.nodes_created == 0 and report.written.relationships_created == 0
    assert all(f.rows_loaded == 0 and f.rows_already_loaded == f.rows_read - f.rows_rejected for f in report.files)
    assert snapshot(loaded) == reference_snapshot


def test_merge_path_builds_the_same_graph_as_the_bulk_path(
    graph: Engine, dataset: Dataset, tmp_path: Path, reference_snapshot: tuple[list[str], list[str]]
) -> None:
    report = load_directory(dataset.files, graph, work_dir=tmp_path, mode="merge")
    assert report.mode == "merge"
    assert snapshot(graph) == reference_snapshot


def test_a_load_killed_half_way_then_rerun_gives_the_clean_graph(
    dataset: Dataset, data_dir: Path, tmp_path: Path, reference_snapshot: tuple[list[str], list[str]]
) -> None:
    settings = Settings(data_dir=data_dir, graph_name="killed_load")
    with engine.connect(settings) as eng:
        eng.clear()
    env = {**os.environ, "JEJAK_DATA_DIR": str(data_dir), "JEJAK_GRAPH_NAME": "killed_load"}
    # Merge mode writes batch after batch: kill it once part of the graph is there.
    proc = subprocess.Popen(
        [sys.executable, "-c", "from jejak.cli import main; main()", "load", str(dataset.files), "--mode", "merge"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with engine.connect(settings) as eng:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = eng.read("MATCH (p:Placement) RETURN count(p) AS n")
            if rows[0]["n"] > 500:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        partial = eng.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
        assert 0 < partial < len(reference_snapshot[0]), "the kill should land mid-load"
        report = load_directory(dataset.files, eng, work_dir=tmp_path)
        assert report.mode == "merge"
        assert snapshot(eng) == reference_snapshot
        eng.clear()


def test_an_unreadable_file_fails_alone_and_leaves_the_graph_unchanged(
    loaded: Engine, dataset: Dataset, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    shutil.copytree(dataset.files, files, ignore=shutil.ignore_patterns("ground_truth"))
    before = snapshot(loaded)
    # A Kemlu export cut off mid-line, plus a new BP2MI file whose last rows are valid but
    # whose bytes turn into garbage (not UTF-8) half-way: neither may leave anything behind.
    jsonl = files / "kemlu_lapor_diri.jsonl"
    jsonl.write_bytes(jsonl.read_bytes() + b'{"registration_id": "NEW-1", "full_name": "SITI')
    bp2mi = (files / "bp2mi_penempatan.csv").read_bytes()
    header, *lines = bp2mi.split(b"\n")
    fresh = [line.replace(b"SK-", b"NEWSK-", 1) for line in lines[:200] if line]
    (files / "bp2mi_penempatan_extra.csv").write_bytes(b"\n".join([header, *fresh, b"\xff\xfe garbage;;"]) + b"\n")
    report = load_directory(files, loaded, work_dir=tmp_path / "work")
    failed = {f.file: f.error for f in report.failed}
    assert set(failed) == {"kemlu_lapor_diri.jsonl", "bp2mi_penempatan_extra.csv"}
    assert "kemlu_lapor_diri.jsonl" in failed["kemlu_lapor_diri.jsonl"]
    assert "bp2mi_penempatan_extra.csv" in failed["bp2mi_penempatan_extra.csv"]
    assert snapshot(loaded) == before


def test_rejected_rows_and_cleared_fields_are_kept_with_their_reason(graph: Engine, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    header = BP2MI_HEADER
    good = (
        "SK-1;3502014101990001;SITI AMINAH;P;PONOROGO;01-01-1999;35.02;;;C1234567;Caregiver;formal;Taiwan;"
        "Wang Li;perseorangan;;PT Maju;SIP-1;;;;;;05-01-2023;0;;P to P;"
    )
    no_country = "SK-2;3502014101990002;DEWI;P;;01-01-1999;35.02;;;;;;;;;;;;;;;;;05-01-2023;0;;;"
    bad_nik = "SK-3;35020141X;RINA;P;;01-01-1999;35.02;;;;;;Taiwan;;;;;;;;;;;05-01-2023;0;;;"
    (files / "bp2mi_penempatan.csv").write_text("\n".join([header, good, no_country, bad_nik]) + "\n")
    report = load_directory(files, graph, work_dir=tmp_path / "work")
    (result,) = report.files
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert report.rejects_dir == str(tmp_path / "work" / "rejects" / folder_tag(files))
    rejects = pd.read_csv(Path(report.rejects_dir) / "bp2mi_penempatan.csv.rejects.csv", dtype=str)
    assert list(rejects.columns) == ["file", "row", "field", "value", "reason", "action"]
    by_field = {r.field: r for r in rejects.itertuples()}
    assert by_field["negara_tujuan"].row == "3" and by_field["negara_tujuan"].action == "row_rejected"
    assert by_field["nik"].row == "4" and by_field["nik"].value == "35020141X"
    assert by_field["nik"].action == "field_cleared"
    # The kept row lost only its bad field; the raw row, bad NIK included, is in the raw store.
    rows = graph.read("MATCH (w:Worker)-[:REPORTED_IN]->(s:SourceRecord {id: 'bp2mi:SK-3'}) RETURN w.nik AS nik")
    assert rows == [{"nik": None}]
    raw = pd.read_parquet(tmp_path / "work" / "records" / "bp2mi" / folder_tag(files) / "bp2mi_penempatan.csv.parquet")
    assert raw.loc[raw["_record_id"] == "bp2mi:SK-3", "nik"].item() == "35020141X"


def test_same_named_files_of_two_folders_keep_their_rows_and_rejects_apart(graph: Engine, tmp_path: Path) -> None:
    """A monthly export lands in its own folder under the same name: January's raw rows (which
    entity resolution reads) and rejects must survive February's load."""
    for month, n in (("jan", 1), ("feb", 2)):
        folder = tmp_path / month
        folder.mkdir()
        rest = ";01-01-1999;35.02;;;;;;{};;;;;;;;;;;05-01-2023;0;;;"
        good = f"SK-{month}-{n};350201410199000{n};SITI {month.upper()};P;" + rest.format("Taiwan")
        bad = f"SK-{month}-9;3502014101990009;RINA;P;" + rest.format("Atlantis")
        (folder / "bp2mi_penempatan.csv").write_text("\n".join([BP2MI_HEADER, good, bad]) + "\n")
        load_directory(folder, graph, work_dir=tmp_path / "work")
    stored = sorted(
        rid for p in (tmp_path / "work" / "records").rglob("*.parquet") for rid in pd.read_parquet(p)["_record_id"]
    )
    assert stored == ["bp2mi:SK-feb-2", "bp2mi:SK-feb-9", "bp2mi:SK-jan-1", "bp2mi:SK-jan-9"]
    rejected = sorted(
        r for p in (tmp_path / "work" / "rejects").rglob("*.rejects.csv") for r in pd.read_csv(p, dtype=str)["value"]
    )
    assert rejected == ["Atlantis", "Atlantis"]


def test_every_fact_is_traceable_to_its_source_record(loaded: Engine, dataset: Dataset) -> None:
    rows = pd.read_csv(dataset.files / "bp2mi_penempatan.csv", sep=";", dtype=str).head(50)
    for row in rows.itertuples():
        found = loaded.read(
            "MATCH (s:SourceRecord {id: $rec})<-[:REPORTED_IN]-(p:Placement)-[:DESTINATION]->(c:Country) "
            "MATCH (p)<-[:HAS_PLACEMENT]-(w:Worker)-[:REPORTED_IN]->(s) "
            "RETURN s.file AS file, s.row AS row, p.departure_date AS departed, c.name_id AS country",
            {"rec": f"bp2mi:{row.id_sisko}"},
        )
        assert len(found) == 1
        day, month, year = row.tanggal_berangkat.split("-")
        assert found[0]["file"] == "bp2mi_penempatan.csv"
        assert found[0]["departed"] == f"{year}-{month}-{day}"
        assert found[0]["row"] == row.Index + 2  # header is line 1


def test_a_corrected_re_export_is_reported_not_silently_skipped(graph: Engine, tmp_path: Path) -> None:
    """Rows loaded before that the file now tells differently are listed field by field; the graph
    and the raw-row store both keep the version that was loaded, and new rows load as usual."""
    folder = tmp_path / "bp"
    folder.mkdir()
    rest = ";01-01-1999;35.02;;;;;;Taiwan;;;;;;;;;;;05-01-2023;{};;;"
    first = [BP2MI_HEADER, "SK-C1;3502014101990001;SITI;P;" + rest.format(0), "SK-C2;;DEWI;P;" + rest.format(0)]
    (folder / "bp2mi_penempatan.csv").write_text("\n".join(first) + "\n")
    load_directory(folder, graph, work_dir=tmp_path / "work")
    corrected = [
        BP2MI_HEADER,
        "SK-C1;3502014101990011;SITI;P;" + rest.format(0),  # the NIK corrected
        "SK-C2;;DEWI;P;" + rest.format(0),  # unchanged
        "SK-C3;;RINA;P;" + rest.format(0),  # new
    ]
    (folder / "bp2mi_penempatan.csv").write_text("\n".join(corrected) + "\n")
    report = load_directory(folder, graph, work_dir=tmp_path / "work")
    (result,) = report.files
    assert (result.rows_loaded, result.rows_already_loaded, result.rows_changed) == (1, 2, 1)
    changes = pd.read_csv(Path(report.rejects_dir) / "bp2mi_penempatan.csv.changed.csv", dtype=str)
    assert changes[["record_id", "field", "loaded", "now"]].values.tolist() == [
        ["bp2mi:SK-C1", "nik", "3502014101990001", "3502014101990011"]
    ]
    held = graph.read("MATCH (w:Worker)-[:REPORTED_IN]->(:SourceRecord {id: 'bp2mi:SK-C1'}) RETURN w.nik AS nik")
    raw = pd.read_parquet(tmp_path / "work" / "records" / "bp2mi" / folder_tag(folder) / "bp2mi_penempatan.csv.parquet")
    assert held == [{"nik": "3502014101990001"}]
    assert raw.set_index("_record_id")["nik"].fillna("").to_dict() == {
        "bp2mi:SK-C1": "3502014101990001",  # what the graph holds: resolution reads the same
        "bp2mi:SK-C2": "",
        "bp2mi:SK-C3": "",
    }
