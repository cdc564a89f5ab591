"""API fixtures: a real uvicorn process per store, shared or per test module.

``api`` is parametrised over both stores (the Neo4j one uses the session's real
Neo4j server, cleared and re-seeded). Tests that change shared data use fresh ids
so that the order of tests within a module does not matter.

Starting a server (seeding the store, booting uvicorn) is the slow part of these
tests, so the modules in :data:`SHARED_MODULES` — whose writes all go to fresh
ids, fresh communities and unused quarters, and whose assertions hold whatever
the others added that way — share one server per store for the whole session.
They run before the other API modules (:func:`pytest_collection_modifyitems`):
every other module clears and re-seeds the one Neo4j database, which would pull
it out from under a shared Neo4j server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server import ApiServer, embedded_server_fixture, neo4j_credentials, start_api

#: test modules (file names) that share one server per store
SHARED_MODULES = frozenset(
    {
        "test_errors.py",
        "test_metrics.py",
        "test_network.py",
        "test_commitments.py",
        "test_need_lists.py",
        "test_need_people.py",
        "test_subdistrict_scope.py",
    }
)


def _start(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store: str, name: str
) -> ApiServer:
    server = start_api(
        tmp_path_factory.mktemp(name), store, neo4j_credentials(request, store), start=False
    )
    if name.startswith("api-shared-"):
        # a shared server lives through the session on the one Neo4j database, but its
        # state file (where channels live) is its own: its outbox worker would take the
        # events later modules' servers wait for. A deployment has one state file per graph.
        server.env["GONGJIAN_NOTIFY_WORKER"] = "false"
    server.start()
    return server


@pytest.fixture(scope="session")
def shared_api() -> Iterator[dict[str, ApiServer]]:
    """The shared servers by store kind (``api`` starts each on first use)."""
    servers: dict[str, ApiServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """A seeded server (星城) with one token per role (see ``tests.api.server.USERS``)."""
    if Path(str(request.path)).name in SHARED_MODULES:
        servers = request.getfixturevalue("shared_api")
        if request.param not in servers:
            name = f"api-shared-{request.param}"
            servers[request.param] = _start(request, tmp_path_factory, request.param, name)
        yield servers[request.param]
        return
    server = _start(request, tmp_path_factory, request.param, f"api-{request.param}")
    yield server
    server.stop()


embedded_api = embedded_server_fixture(
    "embedded_api", "api-embedded", "A seeded server on the embedded store only."
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the shared-server modules first among the API tests (after pytest's own ordering)."""
    here = Path(__file__).parent
    positions = [i for i, item in enumerate(items) if item.path.parent == here]
    if not positions:
        return
    block = [items[i] for i in positions]
    shared = [item for item in block if item.path.name in SHARED_MODULES]
    rest = [item for item in block if item.path.name not in SHARED_MODULES]
    for i, item in zip(positions, shared + rest, strict=True):
        items[i] = item
