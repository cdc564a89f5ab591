"""Start the real service (uvicorn in a child process) for the API and browser tests.

A test helper, not shipped in the package (``gongjian bench api`` starts
``gongjian serve`` itself).

:func:`start_api` seeds the chosen store with the 星城 network, creates one user
per role, starts ``uvicorn --factory gongjian.service.app:create_app`` on a free
loopback port and waits until ``/health`` answers. Nothing is mocked.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gongjian.cli.service import UVICORN_LOOP
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.store import GraphStore
from gongjian.seeds.network import load_network
from gongjian.seeds.xingcheng import load_xingcheng
from gongjian.service.state import ServiceState

__all__ = [
    "USERS",
    "ApiServer",
    "free_port",
    "migrate_once",
    "neo4j_credentials",
    "seeded_store",
    "start_api",
    "store_at",
]

#: the users every test server has: key → (role, unit, community)
USERS: dict[str, tuple[str, str | None, str | None]] = {
    "committee": ("committee", None, None),
    "viewer": ("viewer", None, None),
    "city": ("city", None, None),
    "unit:u01": ("unit", "u01", None),
    "unit:u02": ("unit", "u02", None),
    "unit:u09": ("unit", "u09", None),
    "community:c01": ("community", None, "c01"),
    "community:c02": ("community", None, "c02"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ApiServer:
    """A running service: its URL, one token per user key, and how to stop / restart it."""

    base_url: str
    tokens: dict[str, str]
    store_kind: str
    env: dict[str, str]
    workdir: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)
    #: uvicorn worker processes (``--workers``)
    workers: int = 1

    def client(
        self, who: str | None = "committee", headers: dict[str, str] | None = None
    ) -> httpx.Client:
        """An HTTP client with ``who``'s bearer token (None: no token) plus ``headers``."""
        merged = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        merged.update(headers or {})
        return httpx.Client(base_url=self.base_url, headers=merged, timeout=60.0)

    def start(self, timeout: float = 90.0) -> None:
        self.log_path = self.workdir / f"uvicorn-{self.port}.log"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", "gongjian.service.app:create_app",
                "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
                "--workers", str(self.workers), "--loop", UVICORN_LOOP,
            ],
            env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        # one client for the polling: a bare httpx.get builds an SSL context each time
        # (~25 ms of CPU), which every 0.1 s took a good part of a core from the server
        with httpx.Client(timeout=5.0) as probe:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"uvicorn exited: {self.log_path.read_text(errors='replace')[-3000:]}"
                    )
                try:
                    if probe.get(f"{self.base_url}/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"uvicorn did not start in {timeout}s: {self.log_path.read_text(errors='replace')[-3000:]}"
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def open_store(self) -> GraphStore:
        """The server's store, opened beside it (to load it, or to look at what it wrote)."""
        neo4j = None
        if self.store_kind == "neo4j":
            neo4j = (
                self.env["GONGJIAN_NEO4J_URI"],
                self.env["GONGJIAN_NEO4J_USER"],
                self.env["GONGJIAN_NEO4J_PASSWORD"],
            )
        return store_at(self.workdir, self.store_kind, neo4j)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)
        self.proc = None


#: the date the test servers take as today (inside the seed's open quarter)
SEED_TODAY = "2026-12-01"


def _runs_plans() -> bool:
    """Whether the test module starting a server is about plans (its name says so): only
    there does the server start a spare solver child when idle. Elsewhere it would cost
    every server ~1 s of CPU for a child no test uses."""
    module = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[0]
    return any(word in Path(module).name for word in ("plan", "publish", "city"))


def _env(workdir: Path, store_kind: str, neo4j: tuple[str, str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    env.update(
        GONGJIAN_STORE=store_kind,
        GONGJIAN_DB=str(workdir / "graph.sqlite"),
        GONGJIAN_STATE_DB=str(workdir / "service.sqlite"),
        # the 星城 seed's open quarter is 2026Q4: the console opens on it whatever the date
        GONGJIAN_TODAY=SEED_TODAY,
        PYTHONUNBUFFERED="1",
        GONGJIAN_SPARE_SOLVER=str(_runs_plans()).lower(),
    )
    if neo4j is not None:
        env.update(
            GONGJIAN_NEO4J_URI=neo4j[0],
            GONGJIAN_NEO4J_USER=neo4j[1],
            GONGJIAN_NEO4J_PASSWORD=neo4j[2],
        )
    return env


def neo4j_credentials(
    request: pytest.FixtureRequest, store_kind: str
) -> tuple[str, str, str] | None:
    """``(uri, user, password)`` of the session's Neo4j server for ``neo4j``, else None."""
    if store_kind != "neo4j":
        return None
    endpoint = request.getfixturevalue("neo4j_server")
    return (endpoint.uri, endpoint.user, endpoint.password)


def store_at(workdir: Path, store_kind: str, neo4j: tuple[str, str, str] | None) -> GraphStore:
    """The store a server in ``workdir`` uses (not migrated)."""
    if store_kind == "neo4j":
        from gongjian.graph.neo4j_store import Neo4jStore

        assert neo4j is not None
        return Neo4jStore(neo4j[0], user=neo4j[1], password=neo4j[2])
    return EmbeddedStore(workdir / "graph.sqlite")


#: the Neo4j servers (URIs) whose schema this test process has migrated
_MIGRATED: set[str] = set()


def migrate_once(store: GraphStore, neo4j_uri: str | None = None) -> GraphStore:
    """``store.migrate()``, for a Neo4j server only the first time in this test process:
    clearing keeps the schema, and checking it again costs ~1 s a store on a busy box (the
    tests that drop constraints migrate again themselves)."""
    if neo4j_uri is None:
        store.migrate()
    elif neo4j_uri not in _MIGRATED:
        store.migrate()
        _MIGRATED.add(neo4j_uri)
    return store


def seeded_store(workdir: Path, store_kind: str, neo4j: tuple[str, str, str] | None) -> GraphStore:
    """The store the server will use, cleared and loaded with the 星城 network."""
    store = store_at(workdir, store_kind, neo4j)
    migrate_once(store, neo4j[0] if store_kind == "neo4j" and neo4j else None)
    store.clear()
    load_network(store, load_xingcheng())
    return store


def start_api(
    workdir: Path,
    store_kind: str = "embedded",
    neo4j: tuple[str, str, str] | None = None,
    *,
    seed: bool = True,
    start: bool = True,
    workers: int = 1,
) -> ApiServer:
    """Seed the store, create the users of :data:`USERS`, start the server."""
    workdir.mkdir(parents=True, exist_ok=True)
    if seed:
        seeded_store(workdir, store_kind, neo4j).close()
    state = ServiceState(workdir / "service.sqlite")
    tokens = {}
    for key, (role, unit, community) in USERS.items():
        _user, tokens[key] = state.add_user(key, role, unit_id=unit, community_id=community)
    state.close()
    port = free_port()
    server = ApiServer(
        base_url=f"http://127.0.0.1:{port}",
        tokens=tokens,
        store_kind=store_kind,
        env=_env(workdir, store_kind, neo4j),
        workdir=workdir,
        port=port,
        workers=workers,
    )
    if start:
        server.start()
    return server


def embedded_server_fixture(name: str, dirname: str, doc: str) -> Callable[..., object]:
    """A module-scoped fixture ``name``: a seeded embedded-store server of the module's own
    under a fresh temporary ``dirname``, stopped after the module."""

    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
        server = start_api(tmp_path_factory.mktemp(dirname), "embedded")
        yield server
        server.stop()

    fixture.__doc__ = doc
    return pytest.fixture(scope="module", name=name)(fixture)
