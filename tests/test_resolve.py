"""Entity resolution on the real engine: quality against ground truth, stable ids, aliases, human
decisions that survive re-runs, refused contradictory decisions, unusable records left alone, and an
incremental run for a new file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.base import Engine
from generator.sources import PENGADUAN_COLUMNS
from jejak.errors import InputError, NotFound
from loaders.pipeline import load_directory
from loaders.resolve import decide, resolve, withdraw
from loaders.resolve.graph import record_workers
from loaders.resolve.model import FIELDS, reasons
from loaders.resolve.records import WORKER_SOURCES, name_key
from queries.reconcile import conflicts, resolve_alias
from tests.conftest import Dataset


def _truth(dataset: Dataset) -> pd.DataFrame:
    tr = pd.read_csv(dataset.truth / "persons.csv", dtype=str, keep_default_na=False)
    tr = tr[tr["source"].isin(WORKER_SOURCES)].copy()
    tr["rid"] = tr["source"] + ":" + tr["record_id"]
    return tr


def _pairwise(pred: pd.Series, true: pd.Series) -> tuple[float, float]:
    def pairs(counts: pd.Series) -> int:
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(pd.DataFrame({"p": pred, "t": true}).groupby(["p", "t"]).size())
    return both / pairs(pred.value_counts()), both / pairs(true.value_counts())


@pytest.fixture
def resolved(loaded: Engine, dataset: Dataset, tmp_path: Path) -> tuple[Engine, Path]:
    resolve(loaded, dataset.work_dir, folder=tmp_path / "state")
    return loaded, tmp_path / "state"


def test_name_key_spellings() -> None:
    for a, b in (
        ("MUHAMMAD", "MOCHAMMAD"),
        ("SITI", "SITTI"),
        ("NUR", "NOOR"),
        ("JOKO", "DJOKO"),
        ("KHOTIMAH", "CHOTIMAH"),
        ("ROHMAH", "ROCHMAH"),
        ("YULI", "YULLY"),
        ("SURYANI", "SOERYANI"),
    ):
        assert name_key(a) == name_key(b), (a, b)
    assert name_key("SITI") != name_key("SRI")


def test_a_match_reason_names_the_fields_that_counted_strongest_first() -> None:
    # equal weights are frequent here (few distinct values), so the tie rule is exercised too
    rng = np.random.default_rng(5)
    weights = rng.choice([-2.0, 0.0, 0.7, 1.5, 3.0], size=(2000, len(FIELDS)))
    pairs = pd.DataFrame(weights, columns=[f"mw_{f}" for f in FIELDS])
    expected = [
        "+".join(FIELDS[k] for k in sorted(range(len(FIELDS)), key=lambda k: (-row[k], k)) if row[k] > 0)
        for row in weights
    ]
    assert reasons(pairs).tolist() == expected
    one = pd.DataFrame([[0.5, 4.0, -1.0, 0.0, 9.0, 0.5, -3.0, 0.0]], columns=[f"mw_{f}" for f in FIELDS])
    assert reasons(one).tolist() == ["passport+birth_date+name+region"]


def test_precision_recall_and_count(resolved: tuple[Engine, Path], dataset: Dataset) -> None:
    eng, _ = resolved
    tr = _truth(dataset)
    tr["worker"] = tr["rid"].map(record_workers(eng, None, WORKER_SOURCES))
    tr = tr[tr["worker"].notna()]
    precision, recall = _pairwise(tr["worker"], tr["person_id"])
    assert precision >= 0.98 and recall >= 0.98, (precision, recall)
    people = tr["worker"].nunique()
    assert abs(people / tr["person_id"].nunique() - 1) <= 0.01
    # one Worker per person in the graph: no Worker node is left without a source record or a complaint
    assert (
        eng.read("MATCH (w:Worker) WHERE NOT (w)-[:REPORTED_IN]->() AND NOT ()-[:CONCERNS]->(w) RETURN count(w) AS n")[
            0
        ]["n"]
        == 0
    )
    # every worker link carries the fields that agreed
    rows = eng.read("MATCH (:Worker)-[e:REPORTED_IN]->(s:SourceRecord) WHERE e.reason IS NULL RETURN count(e) AS n")
    assert rows[0]["n"] == 0


def test_ids_stable_on_rerun(resolved: tuple[Engine, Path], dataset: Dataset) -> None:
    eng, state = resolved
    before = record_workers(eng, None, WORKER_SOURCES)
    rewrites = eng._connection.info("persistence")["aof_rewrites"]  # type: ignore[attr-defined]
    again = resolve(eng, dataset.work_dir, folder=state)
    assert again.mode == "incremental" and again.new_records == 0 and again.merged_nodes == 0
    assert eng._connection.info("persistence")["aof_rewrites"] == rewrites  # type: ignore[attr-defined]
    retrained = resolve(eng, dataset.work_dir, folder=state, full=True)
    assert retrained.merged_nodes == 0 and retrained.detached_records == 0
    # a full run rewrites much of the graph: its log is compacted into a snapshot (engine.compact)
    assert eng._connection.info("persistence")["aof_rewrites"] == rewrites + 1  # type: ignore[attr-defined]
    assert record_workers(eng, None, WORKER_SOURCES) == before


def test_alias_resolves_to_survivor(resolved: tuple[Engine, Path]) -> None:
    eng, _ = resolved
    row = eng.read("MATCH (w:Worker) WHERE size(w.aliases) > 0 RETURN w.id AS id, w.aliases AS aliases LIMIT 1")[0]
    assert resolve_alias(eng, row["aliases"][0]) == row["id"]
    assert resolve_alias(eng, row["id"]) == row["id"]
    assert resolve_alias(eng, "W-does-not-exist") is None


def test_resolved_values_and_conflicts(resolved: tuple[Engine, Path], dataset: Dataset) -> None:
    eng, state = resolved
    row = eng.read(
        "MATCH (w:Worker) WHERE 'birth_date' IN w.conflicts RETURN w.id AS id, w.sources AS sources, "
        "w.birth_date AS birth LIMIT 1"
    )[0]
    frame = pd.read_parquet(state / "conflicts.parquet")
    mine = frame[(frame["worker"] == row["id"]) & (frame["field"] == "birth_date")]
    assert mine["value"].nunique() > 1
    # the resolved value is the most trusted source's
    top = min(mine["source"], key=lambda s: WORKER_SOURCES.index(s))
    assert row["birth"] in set(mine.loc[mine["source"] == top, "value"])
    assert conflicts(eng, dataset.work_dir / "nowhere").empty


def _two_record_worker(eng: Engine) -> tuple[str, str]:
    row = eng.read(
        "MATCH (w:Worker)-[:REPORTED_IN]->(s:SourceRecord {source: 'kemlu'}) WHERE w.record_count >= 2 "
        "RETURN w.id AS w, s.id AS s ORDER BY w LIMIT 1"
    )[0]
    return row["w"], row["s"]


def _singletons(eng: Engine) -> list[str]:
    rows = eng.read("MATCH (w:Worker) WHERE w.record_count = 1 RETURN w.id AS id ORDER BY id LIMIT 3")
    return [r["id"] for r in rows]


def test_human_decisions_survive_reruns(resolved: tuple[Engine, Path], dataset: Dataset) -> None:
    eng, state = resolved
    worker, record = _two_record_worker(eng)
    decide(eng, dataset.work_dir, worker, record, "reject", note="different mothers' names")
    a, b, c = _singletons(eng)
    confirmed = decide(eng, dataset.work_dir, a, b, "confirm")
    for full in (False, True):
        resolve(eng, dataset.work_dir, folder=state, full=full)
        where = record_workers(eng, None, WORKER_SOURCES)
        assert where[record] != resolve_alias(eng, worker)
        assert resolve_alias(eng, a) == resolve_alias(eng, b) == min(a, b)
    # contradictions are refused with a clear message
    with pytest.raises(InputError, match="rejected"):
        decide(eng, dataset.work_dir, worker, record, "confirm")
    with pytest.raises(InputError, match="confirmed"):
        decide(eng, dataset.work_dir, a, b, "reject")
    # a confirm that would join two people kept apart, through a third
    decide(eng, dataset.work_dir, c, worker, "confirm")
    resolve(eng, dataset.work_dir, folder=state)
    with pytest.raises(InputError, match="rejected as different people"):
        decide(eng, dataset.work_dir, c, record, "confirm")
    with pytest.raises(InputError, match="no such worker"):
        decide(eng, dataset.work_dir, "W-nobody", a, "confirm")
    # a wrong decision is withdrawn (kept, marked): its records are decided again, and the opposite
    # decision, refused while it stood, can be made
    merged = resolve_alias(eng, a)
    together = sorted(r for r, w in record_workers(eng, None, WORKER_SOURCES).items() if w == merged)
    assert len(together) == 2
    with pytest.raises(InputError, match=f"withdraw it with jejak resolve --withdraw {confirmed['id']}"):
        decide(eng, dataset.work_dir, together[0], together[1], "reject")
    withdraw(eng, confirmed["id"], note="two namesakes")
    with pytest.raises(NotFound):
        withdraw(eng, confirmed["id"])
    decide(eng, dataset.work_dir, together[0], together[1], "reject")
    report = resolve(eng, dataset.work_dir, folder=state)
    where = record_workers(eng, None, WORKER_SOURCES)
    assert where[together[0]] != where[together[1]]
    proposals = eng.read("MATCH (:Worker)-[e:POSSIBLY_SAME]->(:Worker) RETURN count(e) AS n")[0]["n"]
    assert report.review_pairs == proposals  # the whole graph's, not only the touched people's


def test_new_file_is_incremental_and_unusable_records_stay_alone(
    loaded: Engine, dataset: Dataset, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    shutil.copytree(dataset.work_dir / "records", work / "records")
    state = tmp_path / "state"
    resolve(loaded, work, folder=state)
    before = record_workers(loaded, None, WORKER_SOURCES)
    # a new embassy file: two records with nothing but the same name, and one known person again
    known = loaded.read(
        "MATCH (w:Worker) WHERE w.passport_no IS NOT NULL AND w.birth_date IS NOT NULL "
        "AND 'kemlu' IN w.sources RETURN w.id AS id, w.name AS name, w.passport_no AS passport, "
        "w.birth_date AS birth, w.sex AS sex ORDER BY id LIMIT 1"
    )[0]
    new = tmp_path / "new"
    new.mkdir()
    lines = [
        {"registration_id": "NEW-1", "full_name": "SITI AMINAH", "country": "MY"},
        {"registration_id": "NEW-2", "full_name": "SITI AMINAH", "country": "MY"},
        {
            "registration_id": "NEW-3",
            "full_name": known["name"],
            "passport_no": known["passport"],
            "date_of_birth": known["birth"].replace("-", "/"),
            "gender": "F" if known["sex"] == "P" else "M",
            "country": "SG",
        },
    ]
    (new / "kemlu_lapor_diri_new.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    load_directory(new, loaded, work_dir=work)
    report = resolve(loaded, work, folder=state)
    assert report.mode == "incremental" and report.new_records == 3
    after = record_workers(loaded, None, WORKER_SOURCES)
    assert after["kemlu:NEW-1"] != after["kemlu:NEW-2"]
    assert after["kemlu:NEW-3"] == known["id"]
    assert report.unresolved >= 2
    # nobody already resolved was renamed
    assert all(after[r] == w for r, w in before.items())


def test_a_run_whose_graph_writes_fail_leaves_the_previous_state(
    resolved: tuple[Engine, Path], dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state is saved while the graph is written; it replaces the previous one only once the
    graph holds it, so that the next run still finds a state that describes the graph."""
    import loaders.resolve as resolution

    eng, state = resolved
    before = {name: (state / name).read_bytes() for name in resolution.STATE_FILES}

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the server went away")

    monkeypatch.setattr(resolution, "_write_graph", broken)
    with pytest.raises(RuntimeError, match="went away"):
        resolve(eng, dataset.work_dir, folder=state, full=True)
    assert {name: (state / name).read_bytes() for name in resolution.STATE_FILES} == before
    monkeypatch.undo()
    assert resolve(eng, dataset.work_dir, folder=state).mode == "incremental"


def test_a_complaint_with_a_mistyped_nik_reaches_the_person_by_passport(
    graph: Engine, dataset: Dataset, tmp_path: Path
) -> None:
    """A complaint whose NIK no record holds, but whose passport number one person's records hold,
    concerns that person after reconciliation, not a Worker of its own with nothing in it: whether
    the passport comes with a NIK (a placement record) or alone (an embassy record, keyed by it)."""
    files = tmp_path / "files"
    shutil.copytree(dataset.files, files, ignore=shutil.ignore_patterns("ground_truth"))
    bp = pd.read_csv(files / "bp2mi_penempatan.csv", sep=";", dtype=str, keep_default_na=False)
    kemlu = pd.read_json(files / "kemlu_lapor_diri.jsonl", lines=True, dtype=str).fillna("")
    with_nik = bp[(bp["nik"].str.fullmatch(r"\d{16}")) & (bp["no_paspor"] != "")].iloc[0]
    held = set(bp["nik"]) | set(bp["no_paspor"])
    alone = kemlu[(kemlu["passport_no"] != "") & ~kemlu["passport_no"].isin(held)].iloc[0]
    cases = {
        "ADU-TEST-1": (with_nik["no_paspor"], f"bp2mi:{with_nik['id_sisko']}"),
        "ADU-TEST-2": (alone["passport_no"], f"kemlu:{alone['registration_id']}"),
    }
    # valid NIKs no record holds: a real one's region and birth date, another sequence number
    stem = with_nik["nik"][:12]
    typos = iter(f"{stem}{n:04d}" for n in range(9999, 9000, -1) if f"{stem}{n:04d}" not in held)
    rows = [
        [case, "2024-02-01", next(typos), passport, "NAMA", "Malaysia", "KEKERASAN", "", "", "PROSES"]
        for case, (passport, _) in cases.items()
    ]
    pd.DataFrame(rows, columns=PENGADUAN_COLUMNS).to_csv(files / "pengaduan_tambahan.csv", index=False)
    load_directory(files, graph, work_dir=tmp_path / "work", resolve=True)
    for case, (_, record) in cases.items():
        concerned = graph.read(
            "MATCH (:Case {id: $case})-[:CONCERNS]->(w:Worker) "
            "OPTIONAL MATCH (w)-[:REPORTED_IN]->(s:SourceRecord {id: $record}) RETURN w.id AS w, s.id AS s",
            {"case": f"CASE-{case}", "record": record},
        )
        assert [r["s"] for r in concerned] == [record], case  # the Worker holding the passport's record
