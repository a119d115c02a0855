"""The reconciliation report: files exist, self-contained, and carry the graph's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine.base import Engine
from jejak.errors import JejakError
from loaders.resolve import resolve
from queries import reconcile as q
from reports.reconciliation import write_report
from tests.conftest import Dataset


def test_report_files_and_numbers(loaded: Engine, dataset: Dataset, tmp_path: Path) -> None:
    with pytest.raises(JejakError, match="jejak resolve"):
        write_report(loaded, dataset.work_dir, tmp_path / "before")
    resolve(loaded, dataset.work_dir, folder=dataset.work_dir / "resolution")
    out = tmp_path / "report"
    paths = write_report(loaded, dataset.work_dir, out)
    names = {p.name for p in paths}
    assert {
        "reconciliation.html",
        "reconciliation.json",
        "reconciliation_sources.csv",
        "reconciliation_overlap.csv",
        "reconciliation_only_kemlu.csv",
        "reconciliation_review.csv",
        "reconciliation_conflicts.csv",
    } <= names
    data = json.loads((out / "reconciliation.json").read_text(encoding="utf-8"))
    workers = loaded.read("MATCH (w:Worker) WHERE w.sources IS NOT NULL RETURN count(w) AS n")[0]["n"]
    assert data["people"] == workers == sum(r["people"] for r in data["overlap"])
    records = loaded.read(
        "MATCH (s:SourceRecord) WHERE s.source IN ['bp2mi', 'kemnaker', 'kemlu'] RETURN count(s) AS n"
    )[0]["n"]
    assert data["records"] == records
    kemlu_only = loaded.read("MATCH (w:Worker) WHERE w.sources = ['kemlu'] RETURN count(w) AS n")[0]["n"]
    assert data["only_counts"]["kemlu"] == kemlu_only > 0
    html = (out / "reconciliation.html").read_text(encoding="utf-8")
    assert f"{workers:,}" in html and "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html  # no CDN, works offline
    csv_lines = (out / "reconciliation_only_kemlu.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == kemlu_only + 1
    review = pd.read_csv(out / "reconciliation_review.csv", dtype=str, keep_default_na=False)
    assert len(review) == len(data["review"]) and "disagree" in review.columns


def test_a_review_pair_says_which_identifiers_differ(graph: Engine) -> None:
    """A high score refused by two NIKs lands in review: the reviewer is told what differs."""
    graph.write(
        "CREATE (:Worker {id: 'W-a', name: 'SITI', nik: '3502014101990001', birth_date: '1999-01-01'})"
        "-[:POSSIBLY_SAME {score: 0.99, reason: 'name+birth_date'}]->"
        "(:Worker {id: 'W-b', name: 'SITI', nik: '3502014101990002', birth_date: '1999-01-01', passport_no: 'C1'})"
    )
    (pair,) = q.proposals(graph)
    assert pair["disagree"] == ["nik"]  # a passport on one side only, the same birth date: not a difference
