"""Starts a real Neo4j 5.26 Community server with scripts/neo4j_local.py and uses it.

Needs Java 17+ and Maven (the jars are fetched once into .neo4j/lib). No skipping:
if the server cannot be fetched or started, these tests fail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from neo4j import GraphDatabase  # noqa: E402
from neo4j_local import (  # noqa: E402
    Neo4jServer,
    ensure_jars,
    pid_alive,
    server_status,
    start_server,
    stop_server,
)

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture(scope="module")
def local_server() -> Iterator[Neo4jServer]:
    ensure_jars()
    server = start_server(die_with_parent=True)
    assert server.temporary
    assert server.log_path.is_file()
    try:
        yield server
    finally:
        stop_server(server)
    # stop_server must really stop the JVM and remove the temporary server home
    assert not pid_alive(server.pid)
    assert not server.data_dir.exists()


def test_server_is_neo4j_526_community(local_server: Neo4jServer) -> None:
    assert local_server.uri.startswith("bolt://127.0.0.1:")
    assert pid_alive(local_server.pid)
    with GraphDatabase.driver(
        local_server.uri, auth=(local_server.user, local_server.password)
    ) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN *"
        )
    assert len(records) == 1
    assert records[0]["name"] == "Neo4j Kernel"
    assert records[0]["edition"] == "community"
    assert records[0]["versions"][0].startswith("5.26.")


def test_constraint_and_chinese_text_roundtrip(local_server: Neo4jServer) -> None:
    name = "兴城街道 共建单位·第一党支部"
    with GraphDatabase.driver(
        local_server.uri, auth=(local_server.user, local_server.password)
    ) as driver:
        driver.execute_query(
            "CREATE CONSTRAINT unit_id_unique IF NOT EXISTS FOR (n:Unit) REQUIRE n.id IS UNIQUE"
        )
        driver.execute_query("MERGE (u:Unit {id: $id}) SET u.name = $name", id="u-1", name=name)
        records, _, _ = driver.execute_query(
            "MATCH (u:Unit {id: $id}) RETURN u.name AS name", id="u-1"
        )
        assert [r["name"] for r in records] == [name]

        constraints, _, _ = driver.execute_query(
            "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
            "WHERE name = 'unit_id_unique' RETURN *"
        )
        assert len(constraints) == 1
        assert constraints[0]["labelsOrTypes"] == ["Unit"]
        assert constraints[0]["properties"] == ["id"]

        from neo4j.exceptions import ConstraintError

        with pytest.raises(ConstraintError):
            driver.execute_query("CREATE (:Unit {id: $id})", id="u-1")


def test_wrong_password_is_rejected(local_server: Neo4jServer) -> None:
    from neo4j.exceptions import AuthError

    with (
        GraphDatabase.driver(local_server.uri, auth=(local_server.user, "wrong-password")) as drv,
        pytest.raises(AuthError),
    ):
        drv.verify_connectivity()


def test_status_reports_running(local_server: Neo4jServer) -> None:
    assert server_status(local_server) == "running"
