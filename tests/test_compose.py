"""docker-compose.yml stays in step with the code (no Docker engine runs here).

What can be checked without Docker: the API service waits for a healthy Neo4j,
its environment names real settings, its command is a real ``gongjian serve``
invocation, and its health check asks a path the app serves.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gongjian.service.app import create_app
from gongjian.service.cli import app as cli_app
from gongjian.settings import Settings

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def test_neo4j_is_526_community_with_a_health_check() -> None:
    neo4j = _services()["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])


def test_api_waits_for_healthy_neo4j_and_uses_real_settings() -> None:
    api = _services()["api"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    fields = set(Settings.model_fields)
    for name in api["environment"]:
        assert name.startswith("GONGJIAN_")
        assert name.removeprefix("GONGJIAN_").lower() in fields, name
    assert api["environment"]["GONGJIAN_STORE"] == "neo4j"


def test_api_command_is_gongjian_serve_with_valid_options() -> None:
    script = _services()["api"]["command"][-1]
    serve = script.split("exec ", 1)[1]
    argv = shlex.split(serve)
    assert argv[:2] == ["gongjian", "serve"]
    # the options parse (``--help`` after them stops before uvicorn starts)
    result = CliRunner().invoke(cli_app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert "--host" in result.output and "--port" in result.output
    port = argv[argv.index("--port") + 1]
    assert any(p.endswith(f":{port}") for p in _services()["api"]["ports"])


def test_api_health_check_asks_a_served_path() -> None:
    test = " ".join(_services()["api"]["healthcheck"]["test"])
    assert "/health" in test
    paths = create_app(Settings(_env_file=None)).openapi()["paths"]  # type: ignore[call-arg]
    assert "/health" in paths
