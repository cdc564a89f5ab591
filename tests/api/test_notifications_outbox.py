"""The transactional outbox on both stores, and ``kill -9`` of the service with 200 pending.

The store cases check the outbox rows live and die with the change (one
transaction), ids make writes idempotent, leases keep two workers apart and
free a dead worker's rows. The crash case kills ``uvicorn`` (SIGKILL) while it
delivers 200 notifications to a local robot, restarts it and checks all 200
arrive, none twice after the receiver's de-duplication by idempotency key; it
prints the delivery figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gongjian.core.errors import ConflictError
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Community, Need, Unit
from gongjian.graph.outbox import OutboxRow
from gongjian.graph.store import GraphStore
from gongjian.service.notifications.channel_store import Channel
from gongjian.service.state import ServiceState
from tests.api.notify_receivers import RobotReceiver
from tests.api.server import start_api
from tests.api.test_notifications import FAST_ENV, until


def _event(event_id: str, event: str = "bulk.test") -> OutboxRow:
    return OutboxRow(
        id=event_id,
        kind="event",
        event=event,
        audience=["committee"],
        payload={"title": f"【测试】{event_id}", "lines": ["批量通知"], "path": "#/dashboard"},
    )


@pytest.fixture
def need_store(store: GraphStore) -> Iterator[GraphStore]:
    store.upsert(Community(id="oc1", name="测试社区"))
    store.create(
        Need(
            id="on1",
            title="测试",
            category="repair",
            community_id="oc1",
            quarter="2026Q4",
            due=date(2026, 12, 1),
        )
    )
    yield store


# --------------------------------------------------------------------------- the store
def test_outbox_rows_commit_and_roll_back_with_the_change(need_store: GraphStore) -> None:

    store = need_store
    store.upsert(Unit(id="ou1", name="测试单位", type="school", community_id="oc1", capacity=5))
    claimed = store.claim_need(
        "on1", "ou1", override=True, outbox=lambda n: [_event(f"c:{n.id}:v{n.version}")]
    )
    assert store.outbox_get(f"c:on1:v{claimed.version}") is not None
    # a claim that fails (already claimed) writes no row
    with pytest.raises(ConflictError):
        store.claim_need("on1", "ou1", override=True, outbox=[_event("never-1")])
    assert store.outbox_get("never-1") is None

    # a modify whose check fails inside the transaction writes no row either
    def refuse(n: Need) -> Need:
        raise ConflictError("no")

    with pytest.raises(ConflictError):
        store.modify(Need, "on1", refuse, outbox=[_event("never-2")])
    assert store.outbox_get("never-2") is None
    # the same id twice is one row
    assert store.enqueue([_event("twice"), _event("twice")]) == 1
    assert store.enqueue([_event("twice")]) == 0
    assert [
        r.id for r in store.outbox_list(kind="event", audience=["committee"]) if r.id == "twice"
    ] == ["twice"]
    assert store.outbox_list(kind="event", audience=["unit:nobody"]) == []


def test_leases_keep_workers_apart_and_free_a_dead_workers_rows(store: GraphStore) -> None:
    store.enqueue([_event(f"lease-{i}") for i in range(5)])
    first = store.outbox_claim("event", limit=3, lease_seconds=600)
    second = store.outbox_claim("event", limit=10, lease_seconds=1.0)
    assert len(first) == 3 and len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}
    time.sleep(1.5)  # the second holder "died": its lease ends, the first one's does not
    again = store.outbox_claim("event", limit=10, lease_seconds=600)
    assert sorted(r.id for r in again) == sorted(r.id for r in second)
    assert all(r.attempts == 2 for r in again)
    # the second holder comes back late: its expansion is refused, the new holder's is kept
    stale = next(r for r in second if r.id == again[0].id)
    delivery = OutboxRow(id=f"{stale.id}|ch", kind="delivery", event="bulk.test", channel_id="ch")
    assert store.outbox_expand(stale, [delivery]) == 0
    assert store.outbox_expand(again[0], [delivery]) == 1
    assert store.outbox_get(again[0].id).status == "done"  # type: ignore[union-attr]
    assert store.outbox_get(delivery.id).status == "pending"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- kill -9
@pytest.mark.parametrize("store_kind", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_kill_9_with_200_pending_loses_and_repeats_nothing(
    store_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    neo4j = None
    if store_kind == "neo4j":
        endpoint = request.getfixturevalue("neo4j_server")
        neo4j = (endpoint.uri, endpoint.user, endpoint.password)
    workdir = tmp_path_factory.mktemp(f"notify-crash-{store_kind}")
    server = start_api(workdir, store_kind, neo4j, start=False)
    server.env.update(
        FAST_ENV, GONGJIAN_NOTIFY_LEASE_SECONDS="3", GONGJIAN_NOTIFY_TIMEOUT_SECONDS="1"
    )
    robots = RobotReceiver(delay=0.02)
    channels = ServiceState(workdir / "service.sqlite")
    ch = channels.add_channel(
        Channel(id="-", kind="wecom", url=robots.url("wecom", "bulk"), events=["bulk.test"])
    )
    channels.close()
    store = server.open_store()
    expected = {f"bulk:{i:03d}|{ch.id}" for i in range(200)}
    try:
        assert store.enqueue([_event(f"bulk:{i:03d}") for i in range(200)]) == 200
        got = robots.received["bulk"]
        server.start()
        until("the first deliveries", lambda: len(got.messages) >= 20, timeout=120)
        server.kill9()
        at_kill = len(got.messages)
        assert at_kill < 200, "all sent before the kill: nothing left pending"
        restarted = time.monotonic()
        server.start()
        until("all 200 delivered", lambda: expected <= set(got.messages), timeout=180)
        done = time.monotonic()
        assert set(got.messages) == expected  # nothing lost, nothing else
        until("every delivery marked sent", lambda: all(
            (r := store.outbox_get(k)) is not None and r.status == "sent" for k in expected
        ), timeout=30)  # fmt: skip
        rows = {k: store.outbox_get(k) for k in expected}
        retries = sum(r.attempts - 1 for r in rows.values() if r is not None)
        resent = sum(got.duplicates.values())
        after = len(expected) - at_kill
        steady = got.arrived[at_kill:]
        rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
        print(
            f"\n[{store_kind}] kill -9 after {at_kill}/200 delivered; after the restart the"
            f" other {after} arrived within {done - restarted:.1f} s (start-up and the killed"
            f" worker's 3 s lease included), at {rate:.0f} msg/s once flowing (receiver"
            f" answers in 20 ms); retries {retries}; re-sent by the crash (receiver"
            f" de-duplicated) {resent}; duplicates after de-dup 0 (200 unique keys,"
            f" {got.requests} requests)"
        )
        # a re-send is only ever a row in flight at the kill: at most one claimed batch
        assert resent <= 8
    finally:
        server.stop()
        robots.close()
        store.close()


# --------------------------------------------------------------------------- the command
def test_notify_run_once_delivers_what_is_pending(tmp_path: Path) -> None:
    """``gongjian notify run --once``: the worker on its own, beside a stopped service."""
    robots = RobotReceiver()
    state = ServiceState(tmp_path / "service.sqlite")
    ch = state.add_channel(
        Channel(id="-", kind="wecom", url=robots.url("wecom", "cli"), events=["bulk.test"])
    )
    state.close()
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.migrate()
    store.enqueue([_event(f"cli:{i}") for i in range(3)])
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    env.update(
        GONGJIAN_STORE="embedded",
        GONGJIAN_DB=str(tmp_path / "graph.sqlite"),
        GONGJIAN_STATE_DB=str(tmp_path / "service.sqlite"),
    )
    try:
        run = subprocess.run(
            [sys.executable, "-m", "gongjian.cli.main", "notify", "run", "--once"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        assert figures["sent"] == 3 and figures["dead"] == 0, figures
        assert set(robots.received["cli"].messages) == {f"cli:{i}|{ch.id}" for i in range(3)}
    finally:
        robots.close()
