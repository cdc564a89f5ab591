"""docker-compose.yml stays in step with the code (no Docker engine runs here).

What can be checked without Docker: the API service waits for a healthy Neo4j,
its environment names real settings, its command is a real ``gongjian serve``
invocation, and its health check asks a path the app serves.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gongjian.cli.main import app as cli_app
from gongjian.core.settings import Settings
from gongjian.service.app import create_app

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
DOCKERFILE = COMPOSE.parent / "Dockerfile"
VENDOR = "service/console/static/vendor"
DOCS_VENDOR = "service/apidocs/static/vendor"


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
    argv = _services()["api"]["command"]
    assert argv[:2] == ["gongjian", "serve"]
    assert argv == _dockerfile_cmd()
    # the options parse (``--help`` after them stops before uvicorn starts)
    result = CliRunner().invoke(cli_app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert "--host" in result.output and "--port" in result.output
    port = argv[argv.index("--port") + 1]
    assert any(p.endswith(f":{port}") for p in _services()["api"]["ports"])


def _dockerfile_cmd() -> list[str]:
    line = next(x for x in DOCKERFILE.read_text().splitlines() if x.startswith("CMD "))
    return list(json.loads(line.removeprefix("CMD ")))


def test_dockerfile_puts_the_same_vendor_files_in_the_package_as_build_web() -> None:
    """The image gets the console's npm libraries exactly where scripts/build_web.sh puts them."""
    build = (COMPOSE.parent / "scripts" / "build_web.sh").read_text()
    copied = {
        (
            shlex.split(x)[1].removeprefix("web/"),
            shlex.split(x)[2].replace("$vendor", VENDOR).replace("$docs", DOCS_VENDOR),
        )
        for x in build.splitlines()
        if x.startswith("cp ")
    }
    docker = {
        (
            shlex.split(x)[2].removeprefix("/src/web/"),
            shlex.split(x)[3],
        )
        for x in DOCKERFILE.read_text().splitlines()
        if x.startswith("COPY --from=web")
    }
    assert copied and copied == docker
    assert _services()["api"]["build"] == "."
    ignore = (COMPOSE.parent / ".dockerignore").read_text().split()
    assert {".venv", ".neo4j", "web/node_modules"} <= set(ignore)


def test_api_health_check_asks_a_served_path() -> None:
    test = " ".join(_services()["api"]["healthcheck"]["test"])
    assert "/health" in test
    paths = create_app(Settings(_env_file=None)).openapi()["paths"]  # type: ignore[call-arg]
    assert "/health" in paths


def test_city_profile_runs_a_ray_head_and_workers_joining_it() -> None:
    services = _services()
    head, worker, api = services["ray-head"], services["ray-worker"], services["api-city"]
    for svc in (head, worker, api):
        assert svc["profiles"] == ["city"]
    assert head["build"]["args"]["EXTRAS"] == "city"
    assert head["command"][:4] == ["ray", "start", "--head", "--block"]
    port = head["command"][head["command"].index("--port") + 1]
    assert worker["command"][:4] == ["ray", "start", "--address", f"ray-head:{port}"]
    client = head["command"][head["command"].index("--ray-client-server-port") + 1]
    assert api["environment"]["GONGJIAN_RAY_ADDRESS"] == f"ray://ray-head:{client}"
    assert "GONGJIAN_RAY_ADDRESS" not in services["api"].get("environment", {})
    assert "ARG EXTRAS" in DOCKERFILE.read_text(encoding="utf-8")
