"""The audit trail: every access to a person's record leaves one line, written before the answer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit import AuditLog, audit_path, people_in, read_audit
from api.deps import key_id
from engine.base import Engine
from tests.test_api import KEYS, api_settings, as_role, open_client


@pytest.fixture
def client(loaded: Engine, tmp_path: Path, data_dir: Path) -> Iterator[TestClient]:
    yield from open_client(create_app(api_settings(data_dir, loaded.graph_name)))


def _a_worker(client: TestClient) -> dict[str, Any]:
    eng: Engine = client.app.state.engine.engine  # type: ignore[attr-defined]
    rows = eng.read(
        "MATCH (w:Worker)-[:HAS_PLACEMENT]->(:Placement) WHERE w.nik IS NOT NULL "
        "RETURN w.id AS id, w.nik AS nik ORDER BY w.id LIMIT 1"
    )
    return rows[0]


def test_a_chain_access_is_audited(client: TestClient, data_dir: Path) -> None:
    worker = _a_worker(client)
    since = dt.datetime.now(dt.UTC)
    response = client.get(f"/workers/{worker['nik']}/chain", headers=as_role("investigator"))
    assert response.status_code == 200
    lines = read_audit(data_dir, worker_id=worker["id"], since=since)
    assert len(lines) == 1
    line = lines[0]
    assert line["action"] == "worker.chain" and line["role"] == "investigator"
    assert line["key_id"] == key_id(KEYS["investigator"])
    assert line["worker_ids"][0] == worker["id"]
    assert line["path"] == f"/workers/{worker['nik']}/chain" and line["client"]
    assert dt.datetime.fromisoformat(line["ts"]) >= since
    raw = audit_path(data_dir).read_text()
    assert not any(key in raw for key in KEYS.values())  # the key itself is never written


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/workers/{id}/rights", "worker.rights"),
        ("/nodes/{id}/neighbours", "node.neighbours"),
        ("/identifiers/{nik}", "identifier.lookup"),
    ],
)
def test_every_person_route_is_audited(client: TestClient, data_dir: Path, url: str, action: str) -> None:
    worker = _a_worker(client)
    since = dt.datetime.now(dt.UTC)
    assert client.get(url.format(**worker), headers=as_role("investigator")).status_code == 200
    assert [line["action"] for line in read_audit(data_dir, worker_id=worker["id"], since=since)] == [action]


def test_an_ambiguous_reference_that_lists_people_is_audited(client: TestClient, data_dir: Path) -> None:
    eng: Engine = client.app.state.engine.engine  # type: ignore[attr-defined]
    worker = _a_worker(client)
    twin = "W-00000000000a0d17"
    eng.write("CREATE (:Worker {id: $id, nik: $nik, name: 'TWIN'})", {"id": twin, "nik": worker["nik"]})
    try:
        since = dt.datetime.now(dt.UTC)
        response = client.get(f"/workers/{worker['nik']}/chain", headers=as_role("investigator"))
        assert response.status_code == 409 and twin in response.text
        lines = read_audit(data_dir, worker_id=twin, since=since)
        assert [(line["action"], sorted(line["worker_ids"])) for line in lines] == [
            ("ambiguous_reference", sorted([worker["id"], twin]))
        ]
    finally:
        eng.write("MATCH (w:Worker {id: $id}) DELETE w", {"id": twin})


def test_answers_without_a_person_are_not_audited(client: TestClient, data_dir: Path) -> None:
    since = dt.datetime.now(dt.UTC)
    assert client.get("/stats/country", headers=as_role("public")).status_code == 200
    assert client.get("/search", params={"q": "x"}, headers={}).status_code == 401
    assert read_audit(data_dir, key_id=key_id(KEYS["public"]), since=since) == []


def test_no_answer_leaves_without_its_audit_line(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = _a_worker(client)

    def broken(self: AuditLog, entry: dict[str, Any]) -> dict[str, Any]:
        raise OSError("disk full")

    monkeypatch.setattr(AuditLog, "write", broken)
    failing = TestClient(client.app, raise_server_exceptions=False)  # the same app, its engine already open
    response = failing.get(f"/workers/{worker['id']}/chain", headers=as_role("investigator"))
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal"
    assert worker["nik"] not in response.text


def test_the_audit_file_is_append_only_json_lines(tmp_path: Path) -> None:
    log = AuditLog(audit_path(tmp_path))
    for n in range(3):
        log.write({"key_id": "k-1", "role": "analyst", "action": "a", "worker_ids": [f"W-{n:016x}"], "path": "/"})
    lines = [json.loads(x) for x in audit_path(tmp_path).read_text().splitlines()]
    assert [x["worker_ids"] for x in lines] == [[f"W-{n:016x}"] for n in range(3)]
    assert read_audit(tmp_path, worker_id="W-0000000000000001")[0]["worker_ids"] == ["W-0000000000000001"]
    assert audit_path(tmp_path).stat().st_mode & 0o777 == 0o600


def test_people_in_finds_workers_anywhere() -> None:
    body = {"a": [{"label": "Person", "id": "PS-1"}, {"x": "W-266965072dc4a7e2"}], "b": "W-nothex"}
    assert people_in(body) == ["PS-1", "W-266965072dc4a7e2"]
