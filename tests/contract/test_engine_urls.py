"""JEJAK_GRAPH_URL parsing, and what a user sees when the configured engine cannot be reached."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import engine as engines
from jejak.errors import ConfigError, EngineUnavailable
from jejak.settings import Settings


@pytest.mark.parametrize(
    ("url", "kind", "uri", "host", "port"),
    [
        ("", "embedded", "", "", 0),
        ("embedded", "embedded", "", "", 0),
        ("falkordb://127.0.0.1", "falkordb", "falkordb://127.0.0.1:6379", "127.0.0.1", 6379),
        ("falkordb://graph.internal:6380", "falkordb", "falkordb://graph.internal:6380", "graph.internal", 6380),
        ("neo4j://db.example.id", "neo4j", "neo4j://db.example.id", "db.example.id", 7687),
        ("neo4j+s://db.example.id:7687", "neo4j", "neo4j+s://db.example.id:7687", "db.example.id", 7687),
        ("bolt://localhost:7688", "neo4j", "bolt://localhost:7688", "localhost", 7688),
        (" NEO4J://Db:7687 ", "neo4j", "neo4j://db:7687", "db", 7687),
    ],
)
def test_good_urls(url: str, kind: str, uri: str, host: str, port: int) -> None:
    target = engines.parse_url(url)
    assert (target.kind, target.uri, target.host, target.port) == (kind, uri, host, port)


def test_credentials_and_database_are_taken_out_of_the_url() -> None:
    target = engines.parse_url("neo4j://jejak:p%40ss%2Fword@db:7687/jejakdb")
    assert (target.user, target.password, target.database) == ("jejak", "p@ss/word", "jejakdb")
    assert "p@ss" not in target.uri and "p@ss" not in target.display
    falkor = engines.parse_url("falkordb://:secret@127.0.0.1:6379/workers")
    assert (falkor.password, falkor.database, falkor.uri) == ("secret", "workers", "falkordb://127.0.0.1:6379")


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("postgres://db:5432", "unknown scheme"),
        ("db.example.id:7687", "unknown scheme"),
        ("neo4j://db:http", "port"),
        ("neo4j://db:99999", "port"),
        ("falkordb://:6379", "no host"),
        ("neo4j://", "no host"),
    ],
)
def test_malformed_urls_give_one_helpful_line(url: str, hint: str) -> None:
    with pytest.raises(ConfigError) as info:
        engines.parse_url(url)
    message = str(info.value)
    assert hint in message
    assert url in message  # the user sees what they wrote
    assert "\n" not in message


def test_unknown_scheme_message_lists_what_works() -> None:
    with pytest.raises(ConfigError, match=r"neo4j://host:7687") as info:
        engines.parse_url("mysql://db")
    assert "falkordb://" in str(info.value) and "embedded" in str(info.value)


@pytest.mark.parametrize("url", ["falkordb://127.0.0.1:1", "neo4j://127.0.0.1:1", "bolt://127.0.0.1:1"])
def test_an_unreachable_engine_fails_fast_with_one_line(url: str, tmp_path: Path) -> None:
    settings = Settings(graph_url=url, data_dir=tmp_path, neo4j_password="irrelevant")
    started = time.monotonic()
    with pytest.raises(EngineUnavailable) as info:
        engines.connect(settings)
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert "127.0.0.1:1" in message
    assert "\n" not in message
    assert "irrelevant" not in message
