"""docker-compose.yml is valid for Docker Compose v2 and wires the API to a healthy Neo4j.

`docker compose config` checks the file against the Compose specification and prints the resolved
model, without a Docker daemon. .ci/install-system-deps installs the compose CLI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        ok = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if ok.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE = compose_command()
pytestmark = pytest.mark.skipif(
    COMPOSE is None, reason="no Docker Compose CLI installed (bash .ci/install-system-deps installs it)"
)


def compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    # Only the temporary .env may supply settings: not the caller's environment, nor a real .env.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "JEJAK_", "COMPOSE_"))}
    return subprocess.run(
        [
            *COMPOSE,
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict:
    env_file = tmp_path_factory.mktemp("compose") / ".env"
    env_file.write_text("NEO4J_PASSWORD=test-password-123\n")
    done = compose_config(env_file)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_neo4j_keeps_its_data_in_a_named_volume_and_takes_the_password_from_env(config: dict) -> None:
    neo4j = config["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5")
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/test-password-123"
    data = [v for v in neo4j["volumes"] if v["target"] == "/data"]
    assert data and data[0]["type"] == "volume" and data[0]["source"] in config["volumes"]


def test_neo4j_has_a_healthcheck_that_runs_a_query(config: dict) -> None:
    check = config["services"]["neo4j"]["healthcheck"]
    command = " ".join(check["test"])
    assert "cypher-shell" in command and "RETURN 1" in command
    assert "test-password-123" not in command  # read from the container's NEO4J_AUTH at run time
    assert check["retries"] >= 3


def test_api_is_built_here_and_waits_for_a_healthy_neo4j(config: dict) -> None:
    api = config["services"]["api"]
    assert Path(api["build"]["context"]) == ROOT
    assert (ROOT / api["build"].get("dockerfile", "Dockerfile")).is_file()
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["JEJAK_GRAPH_URL"] == "neo4j://neo4j:7687"
    assert api["environment"]["JEJAK_NEO4J_PASSWORD"] == "test-password-123"
    assert api["command"] == ["jejak", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert any(int(p["target"]) == 8000 for p in api["ports"])


def test_the_example_env_file_is_enough_to_start(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", env_file)
    done = compose_config(env_file)
    assert done.returncode == 0, done.stderr


def test_a_missing_password_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# no password\n")
    done = compose_config(env_file)
    assert done.returncode != 0
    assert "set NEO4J_PASSWORD in .env" in done.stderr


def test_the_image_is_python_312_slim_and_serves_the_api() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.12-slim" in dockerfile
    assert "pip install ." in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored  # secrets and local venvs stay out of the image
