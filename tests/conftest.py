"""Shared fixtures: every test talks to the real embedded FalkorDB, each with its own graph."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
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
        eng.clear()
        eng.close()
