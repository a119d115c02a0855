"""The ``engine`` fixture: each contract test runs on every engine Jejak supports.

The embedded FalkorDB always runs. Neo4j runs when ``JEJAK_TEST_NEO4J_URL`` names a Neo4j 5 that
tests may wipe (e.g. ``neo4j://neo4j:password@127.0.0.1:7687``, or put the password in
``JEJAK_NEO4J_PASSWORD``): every test starts by clearing the whole graph.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine as engines
from engine.base import Engine
from jejak.settings import Settings

NEO4J_URL = os.environ.get("JEJAK_TEST_NEO4J_URL", "")


def _neo4j_param() -> object:
    marks = [pytest.mark.neo4j]
    if not NEO4J_URL:
        marks.append(pytest.mark.skip(reason="JEJAK_TEST_NEO4J_URL not set"))
    return pytest.param("neo4j", marks=marks, id="neo4j")


@pytest.fixture(scope="session")
def contract_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh data directory, so the embedded server starts empty for this session."""
    return tmp_path_factory.mktemp("contract-data")


@pytest.fixture(scope="session", params=["falkordb-embedded", _neo4j_param()])
def session_engine(request: pytest.FixtureRequest, contract_data_dir: Path) -> Iterator[Engine]:
    if request.param == "neo4j":
        settings = Settings(graph_url=NEO4J_URL, data_dir=contract_data_dir)
    else:
        settings = Settings(graph_url="", data_dir=contract_data_dir, graph_name=f"contract_{uuid.uuid4().hex[:8]}")
    eng = engines.connect(settings)
    try:
        yield eng
    finally:
        eng.clear()
        eng.close()


@pytest.fixture
def engine(session_engine: Engine) -> Engine:
    """The engine on an empty graph."""
    session_engine.clear()
    return session_engine
