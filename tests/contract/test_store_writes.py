"""Contract of the conditional writes the service relies on: ``modify`` and ``replace_resources``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial

import pytest

from gongjian.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
)
from gongjian.graph.model import Need, NeedStatus, Resource, Unit, resources_etag
from gongjian.graph.store import GraphStore
from tests import factories as f
from tests.contract.races import run_threads


def _load(store: GraphStore) -> None:
    store.upsert_many(f.small_network())


def test_modify_is_read_modify_write(store: GraphStore) -> None:
    _load(store)
    deadline = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    new = store.modify(
        Need,
        "n1",
        lambda n: n.model_copy(
            update={"whistle": True, "whistle_deadline": deadline, "summoned": ["u1", "u2"]}
        ),
    )
    stored = store.get(Need, "n1")
    assert stored == new
    assert (
        stored.whistle and stored.whistle_deadline == deadline and stored.summoned == ["u1", "u2"]
    )
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    store.modify(Need, "n1", lambda n: n.model_copy(update={"reports": {**n.reports, "u1": at}}))
    assert store.get(Need, "n1").reports == {"u1": at}
    with pytest.raises(NotFoundError):
        store.modify(Need, "n404", lambda n: n)


def test_modify_validates_and_keeps_data_on_error(store: GraphStore) -> None:
    _load(store)
    before = store.get(Unit, "u1")
    with pytest.raises(InvalidInputError):
        store.modify(Unit, "u1", lambda u: u.model_copy(update={"id": "u9"}))
    with pytest.raises(InvalidInputError):
        store.modify(Unit, "u1", lambda u: u.model_copy(update={"capacity": -5}))
    with pytest.raises(InvalidInputError):
        store.modify(Unit, "u1", lambda u: u.model_copy(update={"community_id": "c404"}))
    assert store.get(Unit, "u1") == before


def test_concurrent_modifies_lose_no_update(store: GraphStore) -> None:
    _load(store)
    units = [f"x{i}" for i in range(12)]
    errors: list[BaseException] = []

    def report(unit: str) -> None:
        try:
            at = datetime(2026, 11, 30, tzinfo=UTC)
            store.modify(
                Need, "n2", lambda n: n.model_copy(update={"reports": {**n.reports, unit: at}})
            )
        except BaseException as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    run_threads([partial(report, u) for u in units])
    assert not errors
    assert sorted(store.get(Need, "n2").reports) == sorted(units)


def test_transitions_stamp_times(store: GraphStore) -> None:
    _load(store)
    claimed = store.claim_need("n2", "u2")
    assert claimed.claimed_at is not None and claimed.claimed_at.tzinfo is not None
    started = store.transition_need("n2", NeedStatus.in_progress, unit_id="u2")
    resolved = store.transition_need("n2", NeedStatus.resolved)
    assert started.started_at is not None and resolved.resolved_at is not None
    assert claimed.claimed_at <= resolved.resolved_at
    assert store.get(Need, "n2").resolved_at == resolved.resolved_at


def test_replace_resources_with_etag(store: GraphStore) -> None:
    _load(store)
    current = store.list(Resource, filters={"unit_id": "u1"})
    etag = resources_etag(current)
    new = [
        f.resource(11, unit_id="u1", kind="volunteer", name="志愿服务", capacity=5),
        f.resource(12, unit_id="u1", kind="venue_learning", name="教室开放", capacity=2),
    ]
    etag2 = store.replace_resources("u1", new, if_match=etag)
    assert etag2 == resources_etag(new) != etag
    assert [r.id for r in store.list(Resource, filters={"unit_id": "u1"})] == ["r11", "r12"]
    with pytest.raises(NotFoundError):
        store.get(Resource, "r1")  # the old one is gone, with its OFFERS relationship
    # a stale ETag changes nothing
    with pytest.raises(PreconditionFailedError) as info:
        store.replace_resources("u1", [], if_match=etag)
    assert info.value.details["etag"] == etag2
    assert len(store.list(Resource, filters={"unit_id": "u1"})) == 2
    # another unit's resource id is a conflict, and nothing changes
    with pytest.raises(ConflictError):
        store.replace_resources(
            "u1", [f.resource(2, unit_id="u1", kind="medical", name="抢", capacity=1)], if_match="*"
        )
    assert store.get(Resource, "r2").unit_id == "u2"
    # resources naming another unit are refused
    with pytest.raises(InvalidInputError):
        store.replace_resources("u1", [f.resource(13, unit_id="u2")], if_match=None)
    with pytest.raises(NotFoundError):
        store.replace_resources("u404", [], if_match=None)
    assert store.replace_resources("u1", [], if_match=etag2) == resources_etag([])
    assert store.list(Resource, filters={"unit_id": "u1"}) == []
    assert store.stats()["OFFERS"] == 2


def test_concurrent_declarations_with_one_etag_have_one_winner(store: GraphStore) -> None:
    _load(store)
    etag = resources_etag(store.list(Resource, filters={"unit_id": "u1"}))
    outcomes: list[str] = []
    lock = threading.Lock()

    def declare(i: int) -> None:
        try:
            store.replace_resources(
                "u1", [f.resource(100 + i, unit_id="u1", capacity=i + 1)], if_match=etag
            )
            result = "ok"
        except PreconditionFailedError:
            result = "412"
        with lock:
            outcomes.append(result)

    run_threads([partial(declare, i) for i in range(10)])
    assert outcomes.count("ok") == 1 and outcomes.count("412") == 9
    assert len(store.list(Resource, filters={"unit_id": "u1"})) == 1
