"""`jejak report communities`: files, ranked clusters, reproducibility, nothing fetched from the web."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from engine.base import Engine
from jejak.cli import app
from reports.communities import write_communities_report


def test_report_files_hold_the_ranked_clusters(loaded: Engine, tmp_path: Path) -> None:
    html_path = write_communities_report(loaded, tmp_path / "a", seed=4)
    out = html_path.parent
    for name in (
        "communities.html",
        "clusters.csv",
        "cluster_members.csv",
        "explanations.csv",
        "entities.csv",
        "flows.csv",
        "communities.json",
    ):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader((out / "clusters.csv").open(encoding="utf-8")))
    data = json.loads((out / "communities.json").read_text(encoding="utf-8"))
    assert len(rows) == len(data["clusters"]) == data["summary"]["clusters"] > 5
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    html = html_path.read_text(encoding="utf-8")
    first = data["clusters"][0]
    assert "Ranked clusters" in html and first["top_reason"].split(" ")[0] in html
    # explanations trace to source records
    assert first["explanation"] and any(e["records"] for e in first["explanation"])
    assert any(":" in r for e in first["explanation"] for r in e["records"])
    # the CSV files hold the same data (lists joined with |)
    reasons = [r for r in csv.DictReader((out / "explanations.csv").open(encoding="utf-8")) if r["rank"] == "1"]
    assert [r["records"] for r in reasons] == ["|".join(e["records"]) for e in first["explanation"]]
    assert [r["text"] for r in reasons] == [e["text"] for e in first["explanation"]]
    members = [r for r in csv.DictReader((out / "cluster_members.csv").open(encoding="utf-8")) if r["rank"] == "1"]
    assert sorted(r["entity"] for r in members) == first["member_ids"]
    # self-contained: no remote resources, pictures inline
    assert not re.search(r"https?://", html)
    assert "<script src" not in html and "<link" not in html
    assert html.count("data:image/png;base64,") >= 3


def test_report_is_reproducible_with_a_seed(loaded: Engine, tmp_path: Path) -> None:
    a = write_communities_report(loaded, tmp_path / "a", seed=9).parent
    b = write_communities_report(loaded, tmp_path / "b", seed=9).parent
    for name in ("clusters.csv", "cluster_members.csv", "explanations.csv", "communities.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cli_writes_the_report(loaded: Engine, tmp_path: Path, monkeypatch, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JEJAK_DATA_DIR", str(data_dir))
    monkeypatch.setenv("JEJAK_GRAPH_NAME", loaded.graph_name)  # type: ignore[attr-defined]
    result = CliRunner().invoke(app, ["report", "communities", "--out", str(tmp_path / "cli"), "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli" / "communities.html").exists()


def test_a_cluster_of_thousands_is_drawn_with_its_organisations_first(loaded: Engine) -> None:
    """A national graph has clusters of thousands of placements: the picture shows at most
    PICTURE_NODES members, organisations first (a layout of them all was unreadable and needed scipy)."""
    from analytics.pipeline import analyse
    from reports.communities import _drawing
    from reports.pictures import PICTURE_NODES, network_png

    analysis = analyse(loaded, seed=1)
    members = sorted(analysis.data.placements.index[: 3 * PICTURE_NODES + 500]) + analysis.members(0)
    assert len(members) > 500
    assert network_png(_drawing(analysis, members), seed=1).startswith("data:image/png;base64,")
