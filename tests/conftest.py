"""Shared fixtures: every test talks to the real embedded FalkorDB, each with its own graph."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import engine
from engine.base import Engine
from jejak.settings import Settings


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedded server for the whole test session (starting one takes ~0.2 s)."""
    return tmp_path_factory.mktemp("jejak-data")


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings for a graph of this test's own, so tests never see each other's data."""
    return Settings(graph_url="", data_dir=data_dir, graph_name=f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def graph(settings: Settings) -> Iterator[Engine]:
    """An engine on an empty graph with the schema applied; the graph is deleted afterwards."""
    eng = engine.connect(settings)
    eng.apply_schema()
    try:
        yield eng
    finally:
        eng.drop()
        eng.close()


# -- a generated, loaded dataset shared by the query, flag, reconciliation and analytics tests ---
DATASET_WORKERS = 3000
DATASET_SEED = 11


@dataclass(frozen=True)
class Dataset:
    files: Path  # the agencies' files
    truth: Path  # ground_truth/ (tests and benchmarks only; never read by the product)
    work_dir: Path  # rejects and raw-row store
    graph_name: str


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Dataset:
    """3,000 generated workers, loaded once per test session (a few seconds)."""
    from generator import generate
    from loaders.pipeline import load_directory

    root = tmp_path_factory.mktemp("dataset")
    files = root / "files"
    generate(workers=DATASET_WORKERS, seed=DATASET_SEED, out=files)
    name = "dataset"
    with engine.connect(Settings(data_dir=data_dir, graph_name=name)) as eng:
        eng.clear()
        load_directory(files, eng, work_dir=root / "work")
    return Dataset(files, files / "ground_truth", root / "work", name)


@pytest.fixture
def loaded(dataset: Dataset, data_dir: Path) -> Iterator[Engine]:
    """A private copy of the loaded dataset's graph (GRAPH.COPY), free to modify; read-only tests
    may use it too. Deleted afterwards."""
    name = f"copy_{uuid.uuid4().hex[:12]}"
    eng = engine.connect(Settings(data_dir=data_dir, graph_name=dataset.graph_name))
    for attempt in range(5):  # GRAPH.COPY forks the server, which can fail on a busy machine
        try:
            eng._connection.execute_command("GRAPH.COPY", dataset.graph_name, name)  # type: ignore[attr-defined]
            break
        except Exception:
            if attempt == 4:
                raise
            time.sleep(1 + attempt)
    eng.close()
    copy = engine.connect(Settings(data_dir=data_dir, graph_name=name))
    try:
        yield copy
    finally:
        copy.drop()
        copy.close()
