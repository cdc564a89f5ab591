"""API fixtures: a real uvicorn process per test module and store.

``api`` is parametrised over both stores (the Neo4j one uses the session's real
Neo4j server, cleared and re-seeded). Tests that change shared data use fresh ids
so that the order of tests within a module does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.server import ApiServer, start_api


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """A seeded server (星城) with one token per role (see ``tests.api.server.USERS``)."""
    neo4j = None
    if request.param == "neo4j":
        endpoint = request.getfixturevalue("neo4j_server")
        neo4j = (endpoint.uri, endpoint.user, endpoint.password)
    server = start_api(tmp_path_factory.mktemp(f"api-{request.param}"), request.param, neo4j)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedded_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A seeded server on the embedded store only."""
    server = start_api(tmp_path_factory.mktemp("api-embedded"), "embedded")
    yield server
    server.stop()
