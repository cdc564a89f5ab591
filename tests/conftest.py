"""Shared fixtures: the two stores, and a real Neo4j server for the session.

The Neo4j server is the project's own (``scripts/neo4j_local.py``: Neo4j 5.26
Community jars from Maven Central), unless ``GONGJIAN_NEO4J_URI`` points at a
running one. If it cannot start, the tests that need it ERROR — they never skip.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.store import GraphStore

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


@dataclass
class Neo4jEndpoint:
    uri: str
    user: str
    password: str


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jEndpoint]:
    """A real Neo4j 5.26 server for the whole test session."""
    uri = os.environ.get("GONGJIAN_NEO4J_URI")
    if uri:
        yield Neo4jEndpoint(
            uri,
            os.environ.get("GONGJIAN_NEO4J_USER", "neo4j"),
            os.environ.get("GONGJIAN_NEO4J_PASSWORD", ""),
        )
        return
    from neo4j_local import start_server, stop_server

    server = start_server(die_with_parent=True)
    try:
        yield Neo4jEndpoint(server.uri, server.user, server.password)
    finally:
        # the data is thrown away, so the server is killed: a graceful stop checkpoints a
        # whole suite's writes (the session's last teardown). Only a server that would dump
        # the class archive at exit (a fresh clone's first) is stopped gracefully, and only
        # when no other server of this run left one: the dump cost 15-40 s of CI teardown
        if not server.cds_archive or Path(server.cds_archive).is_file():
            stop_server(server, timeout=0, quiet=True)
        else:
            stop_server(server)


def _neo4j_store(endpoint: Neo4jEndpoint) -> GraphStore:
    from gongjian.graph.neo4j_store import Neo4jStore
    from tests.api.server import migrate_once

    store = Neo4jStore(endpoint.uri, user=endpoint.user, password=endpoint.password)
    migrate_once(store, endpoint.uri)
    store.clear()
    return store


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[GraphStore]:
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_server: Neo4jEndpoint) -> Iterator[GraphStore]:
    store = _neo4j_store(neo4j_server)
    yield store
    store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> GraphStore:
    """Each contract test runs once per store."""
    return request.getfixturevalue(f"{request.param}_store")
