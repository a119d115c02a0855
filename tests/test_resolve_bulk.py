"""Resolving while a bulk load builds the graph (``jejak load --resolve`` into an empty graph) gives
the graph a load followed by ``jejak resolve`` gives: the same people with the same ids, properties,
records, link scores, identifiers, placements, complaints, aliases and proposals, and the same
organisations. And the state it leaves lets the next resolution run incrementally."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
import loaders.resolve
from engine.base import Engine
from graph_model import SCHEMA
from jejak.settings import Settings
from loaders.pipeline import load_directory
from loaders.resolve import ACCEPT, resolve
from tests.conftest import Dataset

# At the default threshold this dataset leaves no pair for review; a stricter one leaves hundreds,
# so that proposals are compared too.
STRICT = 0.99999


def _snapshot(eng: Engine) -> dict[str, Any]:
    workers = {  # typed: a count must come back an integer, not 3.0
        r["id"]: {
            k: (type(v).__name__, sorted(v) if k in ("aliases", "conflicts") else v) for k, v in r["props"].items()
        }
        for r in eng.read("MATCH (w:Worker) RETURN w.id AS id, properties(w) AS props")
    }
    around = sorted(
        (r["w"], r["t"], r["x"], r["score"], r["reason"])
        for r in eng.read(
            "MATCH (w:Worker)-[e]-(x) RETURN w.id AS w, type(e) AS t, x.id AS x, e.score AS score, e.reason AS reason"
        )
    )
    orgs = {
        label: sorted(
            (r["id"], tuple(sorted(r["aliases"] or [])))
            for r in eng.read(f"MATCH (n:{label}) RETURN n.id AS id, n.aliases AS aliases")
        )
        for label in ("Agency", "TrainingInstitute", "PartnerAgency", "Employer")
    }
    org_edges = sorted(
        (r["a"], r["t"], r["b"])
        for r in eng.read(
            "MATCH (a)-[e]->(b) WHERE a:TrainingInstitute OR a:PartnerAgency OR b:TrainingInstitute "
            "OR b:PartnerAgency RETURN a.id AS a, type(e) AS t, b.id AS b"
        )
    )
    counts = {label: eng.read(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"] for label in SCHEMA.labels}
    counts |= {rel: eng.read(f"MATCH ()-[e:{rel}]->() RETURN count(e) AS n")[0]["n"] for rel in SCHEMA.relationships}
    trust = sorted((r["id"], r["trust"]) for r in eng.read("MATCH (s:Source) RETURN s.id AS id, s.trust AS trust"))
    return {
        "workers": workers,
        "around": around,
        "orgs": orgs,
        "org_edges": org_edges,
        "counts": counts,
        "trust": trust,
    }


def _build_resolved(graph: Engine, dataset: Dataset, work: Path) -> Engine:
    report = load_directory(dataset.files, graph, work_dir=work, resolve=True)
    assert report.mode == "bulk" and report.resolution.mode == "full"
    return graph


@pytest.mark.parametrize("accept", [ACCEPT, STRICT])
def test_built_resolved_equals_loaded_then_resolved(
    graph: Engine, loaded: Engine, dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accept: float
) -> None:
    monkeypatch.setattr(
        loaders.resolve, "resolve_tables", functools.partial(loaders.resolve.resolve_tables, accept=accept)
    )
    built = _build_resolved(graph, dataset, tmp_path / "work")
    resolve(loaded, dataset.work_dir, folder=tmp_path / "state", accept=accept)
    want, got = _snapshot(loaded), _snapshot(built)
    assert got["counts"] == want["counts"]
    assert got["workers"].keys() == want["workers"].keys()
    differ = [w for w in want["workers"] if got["workers"][w] != want["workers"][w]]
    assert not differ, (differ[:3], [(want["workers"][w], got["workers"][w]) for w in differ[:1]])
    assert got["around"] == want["around"]
    assert got["orgs"] == want["orgs"]
    assert got["org_edges"] == want["org_edges"]
    assert got["trust"] == want["trust"]
    # the run merged and split people, so the comparison covered merges, aliases and moved records
    assert any(p.get("aliases") for p in want["workers"].values())
    assert any(len(v[1]) > 1 for v in (p.get("sources", ("", [])) for p in want["workers"].values()))
    if accept == STRICT:
        assert want["counts"]["POSSIBLY_SAME"] > 0


def test_the_next_resolution_after_a_resolved_build_is_incremental(
    graph: Engine, dataset: Dataset, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    built = _build_resolved(graph, dataset, work)
    before = _snapshot(built)
    again = resolve(built, work)
    assert again.mode == "incremental"
    assert again.new_records == 0 and again.touched_records == 0
    assert _snapshot(built) == before


def test_a_record_leaving_its_loader_worker_takes_its_identifiers(
    graph: Engine, dataset: Dataset, tmp_path: Path, settings: Any
) -> None:
    """Two people behind one passport number: the loader puts both records in one Worker (keyed by
    the passport), resolution splits one off, and its phone goes with it on both paths."""
    files = tmp_path / "files"
    shutil.copytree(dataset.files, files, ignore=shutil.ignore_patterns("ground_truth"))
    kemlu = files / "kemlu_lapor_diri.jsonl"
    rows = [json.loads(line) for line in kemlu.read_text(encoding="utf-8").splitlines()]
    first = next(r for r in rows if r["passport_no"])
    stranger = {
        **first,
        "registration_id": "LD2025-9999999",
        "full_name": "BONIFASIUS KURNIAWAN WIBISONO",
        "date_of_birth": "1971/08/30",
        "gender": "M" if first["gender"] == "F" else "F",
        "phone_id": "+62 812 0000 1111",
        "phone_local": "+852 00001111",
    }
    with kemlu.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(stranger) + "\n")
    built = load_directory(files, graph, work_dir=tmp_path / "built", resolve=True)
    other = Settings(data_dir=settings.data_dir, graph_name=f"{settings.graph_name}_edit")
    with engine.connect(other) as edited:
        try:
            load_directory(files, edited, work_dir=tmp_path / "edited")
            after = resolve(edited, tmp_path / "edited")
            assert built.resolution.detached_records == after.detached_records > 0
            want, got = _snapshot(edited), _snapshot(graph)
            phone = "+6281200001111"
            [stranger_id] = [w for w, t, x, *_ in want["around"] if x == "kemlu:LD2025-9999999"]
            assert (stranger_id, "HAS_PHONE", phone) in {a[:3] for a in want["around"]}
            assert got == want
        finally:
            edited.drop()
