"""The CLI as a user meets it: one-line errors with exit codes, status that shows the graph."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Dataset

ROOT = Path(__file__).parents[1]


def jejak(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", "from jejak.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=120,
        check=False,
    )


def test_init_then_status_shows_engine_and_counts(tmp_path: Path) -> None:
    env = {"JEJAK_DATA_DIR": str(tmp_path / "data"), "JEJAK_GRAPH_URL": ""}
    done = jejak("init", env=env)
    assert done.returncode == 0, done.stderr
    assert "schema applied" in done.stdout
    status = jejak("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    import json

    info = json.loads(status.stdout)
    assert info["engine"] == "falkordb-embedded" and info["ok"] is True
    assert info["labels"] == {}  # an empty graph, but a working one


@pytest.mark.parametrize(
    ("args", "env", "code", "needle"),
    [
        (["no-such-command"], {}, 2, "No such command"),
        (["status"], {"JEJAK_GRAPH_URL": "mysql://x"}, 2, "unknown scheme"),
        (["status"], {"JEJAK_GRAPH_URL": "falkordb://localhost:99999"}, 2, "port"),
        (["status"], {"JEJAK_GRAPH_URL": "falkordb://127.0.0.1:1"}, 3, "cannot reach FalkorDB"),
        (["status"], {"JEJAK_GRAPH_URL": "neo4j://127.0.0.1:1"}, 3, "cannot reach Neo4j"),
    ],
)
def test_bad_settings_and_commands_fail_with_one_line_and_an_exit_code(
    args: list[str], env: dict[str, str], code: int, needle: str
) -> None:
    done = jejak(*args, env=env)
    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jejak: error:") and needle in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_unwritable_data_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = jejak("status", env={"JEJAK_DATA_DIR": str(blocker / "data"), "JEJAK_GRAPH_URL": ""})
    assert done.returncode == 3 and len(done.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback() -> None:
    done = jejak("--debug", "status", env={"JEJAK_GRAPH_URL": "mysql://x"})
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("JEJAK_GRAPH_URL=mysql://from-dotenv\n")
    env = {k: v for k, v in os.environ.items() if k != "JEJAK_GRAPH_URL"}
    done = subprocess.run(
        [sys.executable, "-c", "from jejak.cli import main; main()", "status"],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "from-dotenv" in done.stderr


def test_load_with_resolve_builds_resolved_then_resolves_incrementally(tmp_path: Path, dataset: Dataset) -> None:
    """``jejak load --resolve``: into an empty graph the graph is built resolved (one Worker per
    person); loading the same files again with ``--resolve`` finds nothing new to reconcile."""
    import json

    env = {"JEJAK_DATA_DIR": str(tmp_path / "data"), "JEJAK_GRAPH_URL": ""}
    first = jejak("load", str(dataset.files), "--resolve", "--json", env=env)
    assert first.returncode == 0, first.stderr
    built = json.loads(first.stdout)
    assert built["mode"] == "bulk" and built["resolution"]["mode"] == "full"
    people = built["resolution"]["people"]
    assert 0 < people < built["resolution"]["records"]
    status = json.loads(jejak("status", "--json", env=env).stdout)
    assert status["labels"]["Worker"] == people  # the graph holds the people, not the loader's record-level Workers
    again = jejak("load", str(dataset.files), "--resolve", "--json", env=env)
    assert again.returncode == 0, again.stderr
    rerun = json.loads(again.stdout)
    assert rerun["mode"] == "merge" and rerun["resolution"]["mode"] == "incremental"
    assert rerun["resolution"]["new_records"] == 0 and rerun["resolution"]["people"] == people


def test_each_graph_keeps_its_own_work_files(tmp_path: Path) -> None:
    """Raw rows, rejects and resolution state live per graph: a second graph in the same data dir
    never reads the first one's rows. A data dir from before keeps its default graph's files."""
    from jejak.settings import Settings

    a, b = (Settings(data_dir=tmp_path, graph_name=name).work_dir for name in ("jejak", "other"))
    assert a != b and a.parent == b.parent == tmp_path / "graphs"
    (tmp_path / "records").mkdir()  # the layout earlier versions wrote, for the default graph
    assert Settings(data_dir=tmp_path).work_dir == tmp_path
    assert Settings(data_dir=tmp_path, graph_name="other").work_dir == b


def test_load_and_report_mistakes_are_bad_input(tmp_path: Path, dataset: Dataset) -> None:
    """Exit code 6 (bad input) and one line saying what to do, before any work is done."""
    env = {"JEJAK_DATA_DIR": str(tmp_path / "data"), "JEJAK_GRAPH_URL": ""}
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "export_januari.csv").write_text("a;b\n1;2\n")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "kemlu_lapor_diri.jsonl").write_text('{"registration_id": "X1", "full_name": "A"')  # truncated
    cases = [
        (["load", str(dataset.files), "--source", "bp2m"], "unknown source 'bp2m': use one of bp2mi,"),
        (["load", str(empty)], "no file here is one Jejak reads"),
        (["load", str(dataset.files), "--mode", "fast"], "unknown mode 'fast'"),
        (["load", str(broken)], "kemlu_lapor_diri.jsonl"),
        (["report", "communities", "--out", "/proc/jejak-report"], "cannot write the report to /proc/jejak-report"),
        (["flags", "--rule", "R99"], "unknown rule id(s) R99"),
        (["flags", "--format", "xml"], "unknown format 'xml'"),
        (["schema", "--ddl", "mysql"], "unknown engine 'mysql'"),
    ]
    for args, needle in cases:
        done = jejak(*args, env=env)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 6, (args, done.stderr)
        assert lines and lines[-1].startswith("jejak: error:") and needle in lines[-1], (args, done.stderr)
    helped = jejak("load", "--help").stdout
    from loaders.read import list_sources

    assert all(s in helped for s in list_sources())  # --source names every source it takes
