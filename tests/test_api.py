"""The HTTP API on the generated dataset: routes, roles and masking, errors, OpenAPI (schemathesis)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.deps import key_id, parse_keys
from engine.base import Engine
from jejak.errors import ConfigError, EngineUnavailable
from jejak.settings import DEV_API_KEYS, Settings
from tests.conftest import Dataset

KEYS = {
    "investigator": "test-investigator-key-0001",
    "analyst": "test-analyst-key-00000002",
    "public": "test-public-key-000000003",
}
API_KEYS = ",".join(f"{k}:{role}" for role, k in KEYS.items())
PERSONAL = ("nik", "passport_no", "phone", "address", "birth_date")


def api_settings(data_dir: Path, graph_name: str, **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, graph_name=graph_name, api_keys=API_KEYS, audit_fsync=False, **extra)


def as_role(role: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[role]}


def open_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        assert app.state.engine.wait(60), app.state.engine.error
        yield client


@pytest.fixture(scope="module")
def client(dataset: Dataset, data_dir: Path) -> Iterator[TestClient]:
    """One app on the session's loaded dataset (read-only: no route writes to the graph)."""
    yield from open_client(create_app(api_settings(data_dir, dataset.graph_name)))


@pytest.fixture(scope="module")
def person(client: TestClient) -> dict[str, Any]:
    """A worker with every personal field and a placement through an agency."""
    eng: Engine = client.app.state.engine.engine  # type: ignore[attr-defined]
    rows = eng.read(
        """
        MATCH (w:Worker)-[:HAS_PLACEMENT]->(:Placement)-[:PLACED_BY]->(a:Agency)
        MATCH (w)-[:HOLDS_PASSPORT]->(:Passport)
        WHERE w.nik IS NOT NULL AND w.phone IS NOT NULL AND w.address IS NOT NULL
          AND w.birth_date IS NOT NULL AND w.passport_no IS NOT NULL
        RETURN w.id AS id, w.name AS name, w.nik AS nik, w.passport_no AS passport_no, w.phone AS phone,
               w.address AS address, w.birth_date AS birth_date, a.id AS agency, a.name AS agency_name
        ORDER BY w.id LIMIT 1
        """
    )
    assert rows
    return rows[0]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


# -- service ---------------------------------------------------------------------------------------
def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_readyz_is_503_until_the_engine_answers(tmp_path: Path) -> None:
    def down(_: Settings) -> Engine:
        raise EngineUnavailable("nothing listens")

    app = create_app(api_settings(tmp_path, "none"), connect=down)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        error(client.get("/readyz"), 503, "engine_unavailable")
        response = client.get("/search", params={"q": "x"}, headers=as_role("analyst"))
        error(response, 503, "engine_unavailable")
        assert response.headers["Retry-After"]


# -- keys and roles --------------------------------------------------------------------------------
def test_no_key_or_an_unknown_key_is_401(client: TestClient, person: dict[str, Any]) -> None:
    for headers in ({}, {"X-API-Key": "not-a-key"}):
        response = client.get(f"/workers/{person['id']}/chain", headers=headers)
        error(response, 401, "unauthorized")
        assert person["name"] not in response.text


def test_me_names_the_role_and_never_the_key(client: TestClient) -> None:
    body = client.get("/me", headers=as_role("analyst")).json()
    assert body == {"key_id": key_id(KEYS["analyst"]), "role": "analyst"}
    assert KEYS["analyst"] not in json.dumps(body)


def test_development_keys_are_refused_outside_development(tmp_path: Path) -> None:
    parse_keys(Settings(data_dir=tmp_path))  # the default: development, placeholder keys
    assert Settings(data_dir=tmp_path).api_keys == DEV_API_KEYS
    with pytest.raises(ConfigError, match="development placeholder"):
        create_app(Settings(data_dir=tmp_path, environment="production"))
    with pytest.raises(ConfigError, match="at least 16"):
        parse_keys(Settings(data_dir=tmp_path, environment="production", api_keys="short:analyst"))
    with pytest.raises(ConfigError, match="unknown role"):
        parse_keys(Settings(data_dir=tmp_path, api_keys="some-long-key-123456:admin"))
    keys = parse_keys(Settings(data_dir=tmp_path, environment="production", api_keys=API_KEYS))
    assert {c.role for c in keys.values()} == {"investigator", "analyst", "public"}


# -- the worker's chain ----------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["id", "nik", "passport_no"])
def test_chain_by_any_ref(client: TestClient, person: dict[str, Any], by: str) -> None:
    body = client.get(f"/workers/{person[by]}/chain", headers=as_role("investigator")).json()
    assert body["worker"]["id"] == person["id"]
    assert body["worker"]["nik"] == person["nik"]
    agencies = {a["id"] for p in body["placements"] for a in p["agencies"]}
    assert person["agency"] in agencies


@pytest.mark.parametrize("role", ["analyst", "public"])
def test_masked_roles_never_see_personal_data(client: TestClient, person: dict[str, Any], role: str) -> None:
    urls = [
        f"/workers/{person['id']}/chain",
        f"/workers/{person['id']}/rights",
        f"/nodes/{person['id']}/neighbours",
        f"/path?from={person['id']}&to={person['agency']}",
        f"/search?q={person['name']}",
        "/flags?limit=500",
    ]
    for url in urls:
        response = client.get(url, headers=as_role(role))
        assert response.status_code == 200, (url, response.text)
        for field in PERSONAL:
            assert str(person[field]) not in response.text, (url, field)
    # a number it sees masked cannot be turned into a name by asking who carries it
    lookups = [
        f"/workers/{person['nik']}/chain",
        f"/workers/{person['passport_no']}/rights",
        f"/identifiers/{person['nik']}",
        f"/identifiers/{person['phone']}",
        f"/identifiers/{person['passport_no']}?kind=passport",
        f"/nodes/{person['nik']}/neighbours",
        f"/nodes/{person['phone']}/neighbours",
        f"/nodes/{person['passport_no']}/neighbours",
        f"/path?from={person['nik']}&to={person['agency']}",
    ]
    for url in lookups:
        response = client.get(url, headers=as_role(role))
        error(response, 403, "forbidden")
        assert person["name"] not in response.text and person["id"] not in response.text, url
    chain = client.get(f"/workers/{person['id']}/chain", headers=as_role(role)).json()
    assert chain["worker"]["name"] == person["name"]  # a name is not masked
    assert chain["worker"]["nik"] != person["nik"]
    # the investigator sees it all, through the same routes
    shown = client.get(f"/nodes/{person['id']}/neighbours", headers=as_role("investigator")).text
    assert person["passport_no"] in shown and person["phone"] in shown


def test_unknown_malformed_and_ambiguous_refs(data_dir: Path, loaded: Engine, person: dict[str, Any]) -> None:
    twin = f"W-{uuid.uuid4().hex[:16]}"
    loaded.write("CREATE (:Worker {id: $id, nik: $nik, name: 'TWIN'})", {"id": twin, "nik": person["nik"]})
    for c in open_client(create_app(api_settings(data_dir, loaded.graph_name))):
        headers = as_role("analyst")
        error(c.get("/workers/W-0000000000000000/chain", headers=headers), 404, "not_found")
        error(c.get("/workers/W-123/chain", headers=headers), 400, "bad_request")
        error(c.get("/workers/3201%2A%2A%2A/rights", headers=headers), 400, "bad_request")
        investigator = as_role("investigator")
        ambiguous = error(c.get(f"/workers/{person['nik']}/chain", headers=investigator), 409, "ambiguous")
        assert {x["id"] for x in ambiguous["candidates"]} == {person["id"], twin}
        error(c.get("/nodes/AG-NOPE/neighbours", headers=headers), 404, "not_found")
        error(c.get("/agencies/EM-0000000000000000/network", headers=headers), 404, "not_found")
        error(c.get("/search", params={"q": "x", "limit": 0}, headers=headers), 400, "bad_request")
        error(c.get("/search", params={"q": "!!!"}, headers=headers), 400, "bad_request")
        error(c.get("/stats/colour", headers=headers), 400, "bad_request")
        error(c.get("/flags", params={"label": "Nope"}, headers=headers), 400, "bad_request")
        error(c.get("/stats/summary", params={"year": 2022}, headers=headers), 400, "bad_request")
        error(c.get("/no/such/route", headers=headers), 404, "not_found")
        error(c.post("/search", headers=headers), 405, "method_not_allowed")


def test_rights_list_gaps(client: TestClient, person: dict[str, Any]) -> None:
    body = client.get(f"/workers/{person['id']}/rights", headers=as_role("investigator")).json()
    assert body["worker"]["id"] == person["id"] and body["rights"]
    assert {e["status"] for e in body["rights"]} <= {"met", "missing", "violated", "not_applicable"}
    assert all(e["status"] in ("missing", "violated") for e in body["gaps"])


# -- exploration -----------------------------------------------------------------------------------
def test_search_then_identifier(client: TestClient, person: dict[str, Any]) -> None:
    hits = client.get("/search", params={"q": person["name"], "label": "Worker"}, headers=as_role("analyst")).json()
    assert person["id"] in [h["id"] for h in hits["items"]]
    found = client.get(f"/identifiers/{person['passport_no']}", headers=as_role("investigator")).json()
    assert found["kind"] == "passport" and [m["id"] for m in found["matches"]] == [person["id"]]
    agencies = client.get(
        "/search", params={"q": person["agency_name"], "label": "Agency", "limit": 5}, headers=as_role("public")
    )
    assert person["agency"] in [h["id"] for h in agencies.json()["items"]]


def test_neighbours_are_grouped_capped_and_paged(client: TestClient, person: dict[str, Any]) -> None:
    headers = as_role("analyst")
    first = client.get(f"/nodes/{person['agency']}/neighbours", params={"limit": 2}, headers=headers).json()
    assert first["node"]["id"] == person["agency"] and first["total"] == sum(g["total"] for g in first["groups"])
    big = next(g for g in first["groups"] if g["total"] > 2)
    assert len(big["items"]) == 2 and big["more"] == big["total"] - 2
    second = client.get(
        f"/nodes/{person['agency']}/neighbours",
        params={"limit": 2, "offset": 2, "type": big["type"]},
        headers=headers,
    ).json()
    page2 = next(g for g in second["groups"] if (g["direction"], g["label"]) == (big["direction"], big["label"]))
    assert not {i["id"] for i in page2["items"]} & {i["id"] for i in big["items"]}
    assert {g["type"] for g in second["groups"]} == {big["type"]}
    error(
        client.get(f"/nodes/{person['id']}/neighbours", params={"type": "LIKES"}, headers=headers), 400, "bad_request"
    )


def test_path_agency_network_flags_and_stats(client: TestClient, person: dict[str, Any]) -> None:
    headers = as_role("analyst")
    path = client.get("/path", params={"from": person["id"], "to": person["agency"]}, headers=headers).json()
    assert path["found"] and path["length"] == 2
    assert [n["id"] for n in path["nodes"]][::2] == [person["id"], person["agency"]]
    network = client.get(f"/agencies/{person['agency']}/network", params={"limit": 3}, headers=headers).json()
    assert network["agency"]["id"] == person["agency"] and network["placements"]["count"] >= 1
    trace = client.get(f"/agencies/{person['agency']}/trace", params={"direction": "down"}, headers=headers)
    assert trace.json()["agency"]["id"] == person["agency"]
    flags = client.get("/flags", params={"limit": 5}, headers=headers).json()
    assert flags["total"] == sum(flags["counts"].values()) and len(flags["items"]) == min(5, flags["total"])
    r9 = client.get("/flags", params={"rule": "R9", "limit": 2, "offset": 1}, headers=headers).json()
    assert {f["rule"] for f in r9["items"]} <= {"R9"} and r9["offset"] == 1
    by_country = client.get("/stats/country", params={"limit": 3}, headers=headers).json()
    assert (
        len(by_country["items"]) == 3 and by_country["items"][0]["placements"] >= by_country["items"][1]["placements"]
    )
    assert client.get("/stats/summary", headers=headers).json()["workers"] > 0


# -- the contract ----------------------------------------------------------------------------------
def test_openapi_documents_400_and_the_error_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            if path not in ("/healthz", "/readyz"):
                assert "400" in operation["responses"] and "401" in operation["responses"], path
            assert "422" not in operation["responses"], path
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    # an API consumer gets the chain's shape, down to a placement's agencies and the rights
    chain = spec["paths"]["/workers/{ref}/chain"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert chain["$ref"].endswith("/WorkerChain")
    schemas = spec["components"]["schemas"]
    assert {"placements", "flags", "rights", "conflicts"} <= set(schemas["WorkerChain"]["properties"])
    assert "agencies" in schemas["Placement"]["properties"] and "status" in schemas["Right"]["properties"]


def test_openapi_conformance_schemathesis(client: TestClient) -> None:
    """Every documented route, fed generated input, answers with a documented status and body.

    (schemathesis's pytest fixture loader does not run under pytest 9, so the operations are
    walked here, each with its hypothesis strategy.)"""
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            # A schema-valid string is not always a valid reference (a NIK has a checksum-like
            # structure, a record id needs a known source): those are 400, documented.
            case.call_and_validate(headers=as_role("analyst"), excluded_checks=[positive_data_acceptance])

        check()
        checked.append(operation.label)
    assert len(checked) >= 12, checked


# -- jejak viz -------------------------------------------------------------------------------------
def test_jejak_viz_writes_an_offline_page(
    client: TestClient, person: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from typer.testing import CliRunner

    from jejak.cli import app as cli

    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    monkeypatch.setenv("JEJAK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("JEJAK_GRAPH_NAME", settings.graph_name)
    out = tmp_path / "agency.html"
    result = CliRunner().invoke(cli, ["viz", person["agency"], "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing loads from the network
    assert "cytoscape" in page and person["agency"] in page
    data = json.loads(re.search(r"var data = (\{.*?\});\n", page, re.S).group(1))  # type: ignore[union-attr]
    assert data["centre"]["id"] == person["agency"] and len(data["nodes"]) > 10
    assert any(n["label"] == "Worker" for n in data["nodes"])  # two hops: agency <- placement <- worker
