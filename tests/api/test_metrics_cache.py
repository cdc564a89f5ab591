"""The store-wide data version and the result cache of the network and metrics routes.

On both stores: every kind of write (create, modify, relationships, clear) grows
the data version; a cached result is served without computing again until a
write, and one slow computation does not hold up another query's cached answer.
"""

from __future__ import annotations

import threading
import time
import uuid

from gongjian.graph.model import Community, Subdistrict
from gongjian.graph.outbox import OutboxRow
from gongjian.graph.store import GraphStore
from gongjian.service.metrics.cache import ResultCache


def _community(store: GraphStore) -> Community:
    sid = f"s-{uuid.uuid4().hex[:8]}"
    store.create(Subdistrict(id=sid, name="测试街道"))
    c = Community(id=f"c-{uuid.uuid4().hex[:8]}", name="测试社区", subdistrict_id=sid)
    store.create(c)
    return c


def test_every_write_grows_the_data_version(store: GraphStore) -> None:
    seen = [store.data_version()]

    def grew() -> None:
        now = store.data_version()
        assert now > seen[-1]
        seen.append(now)

    a = _community(store)
    grew()
    b = _community(store)
    store.modify(Community, a.id, lambda c: c.model_copy(update={"name": "改名社区"}))
    grew()
    store.set_adjacent(a.id, b.id)
    grew()
    store.remove_adjacent(a.id, b.id)
    grew()
    assert store.data_version() == seen[-1], "a read leaves the version alone"
    store.clear()
    grew()


def test_outbox_bookkeeping_leaves_the_data_version_alone(store: GraphStore) -> None:
    """The notification worker polls and updates the outbox every second: were that a
    data write, no cached answer would outlive a second on a live server."""
    before = store.data_version()
    event = OutboxRow(id=f"e-{uuid.uuid4().hex[:8]}", kind="event", event="need_created")
    assert store.enqueue([event]) == 1
    claimed = store.outbox_claim("event", limit=500)
    assert event.id in {r.id for r in claimed}
    store.outbox_expand(next(r for r in claimed if r.id == event.id), [])
    assert store.outbox_get(event.id).status == "done"
    assert store.data_version() == before
    _community(store)
    assert store.data_version() > before, "a data write still counts"


def test_cache_serves_until_a_write(store: GraphStore) -> None:
    cache = ResultCache()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return store.count(Community)

    first = cache.get(store, ("q", 1), compute)
    assert cache.get(store, ("q", 1), compute) == first
    assert len(calls) == 1 and cache.hits == 1
    cache.get(store, ("q", 1), compute, scope="other")
    assert len(calls) == 2, "another caller scope is a separate entry"
    _community(store)
    assert cache.get(store, ("q", 1), compute) == first + 1
    assert len(calls) == 3


def test_a_slow_computation_does_not_block_others(store: GraphStore) -> None:
    cache = ResultCache()
    cache.get(store, "fast", lambda: 1)
    release = threading.Event()
    started = threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return 2

    worker = threading.Thread(target=lambda: cache.get(store, "slow", slow))
    worker.start()
    assert started.wait(10)
    t0 = time.perf_counter()
    assert cache.get(store, "fast", lambda: 99) == 1
    assert time.perf_counter() - t0 < 1.0
    release.set()
    worker.join(10)
    assert cache.get(store, "slow", lambda: 99) == 2
