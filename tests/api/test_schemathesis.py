"""Property-based API tests with schemathesis against the live service.

Every operation of ``/openapi.json`` is exercised with the committee token,
over real HTTP against uvicorn, on both stores. Checks:

* ``not_a_server_error`` — no 5xx for any generated request, valid or not;
* ``response_schema_conformance`` — 2xx bodies match the documented models;
* ours — a write answered 4xx leaves the graph exactly as it was (fingerprint of
  every node and relationship, taken before and after; a run of refused writes of
  one operation chains them, each case's "after" being the next one's "before").

The operations come from the app's own OpenAPI document (one test per operation;
a check confirms the live server serves the same document), so routes other
modules add are picked up without changing this file. Examples are bounded
(hypothesis ``max_examples``) and derandomised, so the file runs in a few minutes
on 2 cores and a failure reproduces. Nothing is excluded. (Schemathesis' own
pytest plugin is not used: it does not run under pytest 9.)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.server import ApiServer, start_api

MAX_EXAMPLES = 30
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _embedded_fingerprint(db: Path) -> Callable[[], str]:
    def fingerprint() -> str:
        digest = hashlib.sha256()
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            for row in conn.execute("SELECT label, id, props FROM nodes ORDER BY label, id"):
                digest.update(repr(row).encode())
            for row in conn.execute("SELECT * FROM rels ORDER BY 1, 2, 3, 4, 5, 6"):
                digest.update(repr(row).encode())
        return digest.hexdigest()

    return fingerprint


def _neo4j_fingerprint(uri: str, user: str, password: str) -> Callable[[], str]:
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(uri, auth=(user, password) if password else None)

    def fingerprint() -> str:
        # one query and one record (the whole graph as two lists): a record per node took
        # three times as long in the driver, and this runs once per refused write
        records, _, _ = driver.execute_query(
            # the notification outbox (:Outbox) is not the graph; its worker runs meanwhile;
            # the store-wide data version (the caches' key) may advance on a refused write
            "MATCH (n) WHERE NOT n:Outbox"
            " AND NOT (n:GongjianDocument AND n.name = '~data_version')"
            " WITH n ORDER BY elementId(n)"
            " WITH collect([labels(n), properties(n)]) AS nodes"
            " OPTIONAL MATCH (a)-[r]->(b) WITH nodes, a, r, b ORDER BY elementId(r)"
            " RETURN nodes, collect([type(r), a.id, b.id, properties(r)]) AS rels",
            database_="neo4j",
        )
        graph = json.dumps(records[0].values(), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(graph.encode()).hexdigest()

    fingerprint.close = driver.close  # type: ignore[attr-defined]
    return fingerprint


class Fuzzed:
    """The server under test plus a fingerprint of its graph."""

    def __init__(self, server: ApiServer, fingerprint: Callable[[], str]) -> None:
        self.server = server
        self.fingerprint = fingerprint
        self.cases = 0
        self.rejected_writes = 0
        #: the fingerprint taken after the last case, while it was a refused write (the
        #: graph as it still is): the next write case starts from it instead of taking
        #: one more — one fingerprint per write case instead of two
        self.known: str | None = None


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """A freshly seeded server for this module alone (the fuzzer changes and deletes data)."""
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "neo4j":
        endpoint = request.getfixturevalue("neo4j_server")
        creds = (endpoint.uri, endpoint.user, endpoint.password)
        server = start_api(workdir, "neo4j", creds)
        fingerprint = _neo4j_fingerprint(*creds)
    else:
        server = start_api(workdir, "embedded")
        fingerprint = _embedded_fingerprint(workdir / "graph.sqlite")
    fuzz = Fuzzed(server, fingerprint)
    yield fuzz
    server.stop()
    getattr(fingerprint, "close", lambda: None)()


def _spec() -> dict[str, Any]:
    """The OpenAPI document, built from the app itself (no server needed to collect tests)."""
    from gongjian.core.settings import Settings
    from gongjian.service.app import create_app

    return create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]


SPEC = _spec()
SCHEMA = schemathesis.openapi.from_dict(
    SPEC,
    config=schemathesis.Config.from_dict(
        {"seed": 20260101, "generation": {"deterministic": True, "max-examples": MAX_EXAMPLES}}
    ),
)
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}


def test_live_schema_is_the_one_fuzzed(fuzzed: Fuzzed) -> None:
    """The served ``/openapi.json`` is exactly the document the operations come from."""
    with fuzzed.server.client(None) as c:
        assert c.get("/openapi.json").json() == SPEC
    assert len(OPERATIONS) >= 40


def test_the_fingerprint_sees_an_accepted_write(fuzzed: Fuzzed) -> None:
    """The check below could fail: a property changed by an accepted write changes it."""
    before = fuzzed.fingerprint()
    assert fuzzed.fingerprint() == before  # and nothing else does
    with fuzzed.server.client("committee") as c:
        r = c.get("/communities/c01")
        body = {k: v for k, v in r.json().items() if k in ("id", "name", "subdistrict_id")}
        etag = {"If-Match": r.headers["etag"]}
        r = c.put("/communities/c01", json={**body, "name": "指纹社区"}, headers=etag)
        assert r.status_code == 200, r.text
    assert fuzzed.fingerprint() != before


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_error_and_documented_bodies(label: str, fuzzed: Fuzzed) -> None:
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Bearer {fuzzed.server.tokens['committee']}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        write = case.method.upper() in _WRITES
        before = (fuzzed.known or fuzzed.fingerprint()) if write else ""
        fuzzed.known = None
        response = case.call_and_validate(
            base_url=fuzzed.server.base_url,
            headers=headers,
            timeout=60,
            checks=[not_a_server_error, response_schema_conformance],
        )
        fuzzed.cases += 1
        if write and 400 <= response.status_code < 500:
            fuzzed.rejected_writes += 1
            after = fuzzed.fingerprint()
            assert after == before, (
                f"{case.method} {case.formatted_path} answered {response.status_code} but"
                f" changed the graph; body={case.body!r} query={case.query!r}"
            )
            fuzzed.known = after

    fuzzed.known = None  # each operation starts from a fresh fingerprint
    run()


def test_service_still_serves_after_fuzzing(fuzzed: Fuzzed) -> None:
    """Runs after the fuzzing above (same module): the server survived and still works."""
    assert fuzzed.cases > 0 and fuzzed.rejected_writes > 0
    assert fuzzed.server.proc is not None and fuzzed.server.proc.poll() is None
    with fuzzed.server.client("committee") as c:
        assert c.get("/health").status_code == 200
        assert c.get("/units", params={"limit": 1}).status_code == 200
        audit = c.get("/audit", params={"limit": 5})
        assert audit.status_code == 200 and audit.json()["total"] > 0
