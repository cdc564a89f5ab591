"""Contract of the integrity rules, on both stores: create-only writes, versions, the
conditional writes (``modify``, ``replace_resources``), the need life-cycle guard,
claims within capacity, no deleting a need with history.

Each rule is checked in the store transaction itself; the race tests run real
threads against one store object (its connection pool) and count winners.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from gongjian.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
)
from gongjian.graph.model import Need, NeedStatus, Resource, Unit, resources_etag
from gongjian.graph.store import CreateResult, GraphStore
from tests import factories as f
from tests.contract.races import race, run_threads


def _load(store: GraphStore) -> None:
    store.upsert_many(f.small_network())


# --------------------------------------------------------------------------- create-only


def test_create_refuses_an_existing_id_and_keeps_the_stored_node(store: GraphStore) -> None:
    _load(store)
    created = store.create(f.unit(9, name="新单位", version=7))
    assert created.version == 1 and store.get(Unit, "u9") == created
    with pytest.raises(ConflictError) as err:
        store.create(f.unit(9, name="冒名单位"))
    assert "u9" in err.value.message and err.value.details["id"] == "u9"
    assert err.value.details["rows"] == [{"index": 0, "label": "Unit", "id": "u9"}]
    assert store.get(Unit, "u9").name == "新单位"
    with pytest.raises(ConflictError):
        store.create(f.need(1, title="覆盖原有交办单"))
    assert store.get(Need, "n1").title == f.need(1).title


def test_create_many_is_all_or_nothing_naming_every_conflict(store: GraphStore) -> None:
    _load(store)
    before = store.stats()
    rows = [f.need(10), f.need(1), f.need(11), f.unit(1), f.need(10)]
    with pytest.raises(ConflictError) as err:
        store.create_many(rows)
    assert err.value.details["rows"] == [
        {"index": 1, "label": "Need", "id": "n1"},
        {"index": 3, "label": "Unit", "id": "u1"},
        {"index": 4, "label": "Need", "id": "n10"},
    ]
    assert err.value.details["ids"] == ["n1", "u1", "n10"]
    assert "n1" in err.value.message and "u1" in err.value.message
    assert store.stats() == before
    with pytest.raises(NotFoundError):
        store.get(Need, "n10")


def test_create_many_skip_existing_writes_the_new_rows_only(store: GraphStore) -> None:
    _load(store)
    result = store.create_many(
        [f.need(10), f.need(1, title="覆盖"), f.need(11), f.need(10, title="重复")],
        skip_existing=True,
    )
    assert result == CreateResult(
        created=2,
        skipped=[
            {"index": 1, "label": "Need", "id": "n1"},
            {"index": 3, "label": "Need", "id": "n10"},
        ],
    )
    assert store.get(Need, "n1").title == f.need(1).title
    assert store.get(Need, "n10").title == f.need(10).title
    assert store.get(Need, "n11").version == 1
    assert store.create_many([]) == CreateResult(created=0)


def test_create_many_checks_references_and_writes_relationships(store: GraphStore) -> None:
    _load(store)
    before = store.stats()
    with pytest.raises(InvalidInputError) as err:
        store.create_many([f.need(10), f.need(11, community_id="c404")])
    assert "c404" in err.value.message
    assert store.stats() == before
    # a reference to a node created in the same call is fine, in any order
    result = store.create_many([f.grid(7, community_id="c9"), f.community(9)])
    assert result.created == 2
    after = store.stats()
    assert after["Grid"] == before["Grid"] + 1 and after["PART_OF"] == before["PART_OF"] + 2


def test_twenty_threads_creating_one_id_have_one_winner(store: GraphStore) -> None:
    _load(store)
    for round_ in range(3):
        node_id = f"n{50 + round_}"
        workers = [
            (lambda i=i, r=round_: store.create(f.need(50 + r, title=f"第{i}个登记")))
            for i in range(20)
        ]
        won, lost, errors = race(workers)
        assert errors == []
        assert len(won) == 1 and len(lost) == 19
        assert all(isinstance(e, ConflictError) and node_id in e.message for e in lost)
        assert store.get(Need, node_id).title == won[0].title


def test_twenty_threads_importing_overlapping_rows_write_each_row_once(store: GraphStore) -> None:
    _load(store)
    batch = [f.need(i, title=f"第{i}号") for i in range(60, 70)]
    won, lost, errors = race([(lambda: store.create_many(batch)) for _ in range(20)])
    assert errors == [] and len(won) == 1 and len(lost) == 19
    assert all(e.details["ids"] == [n.id for n in batch] for e in lost)
    assert store.count(Need) == 3 + len(batch)


# --------------------------------------------------------------------------- versions


def test_every_write_through_the_rules_counts_a_version(store: GraphStore) -> None:
    _load(store)
    assert store.get(Need, "n2").version == 1
    v2 = store.modify(Need, "n2", lambda n: n.model_copy(update={"priority": 5}))
    assert v2.version == 2 and store.get(Need, "n2") == v2
    assert store.claim_need("n2", "u2").version == 3
    assert store.transition_need("n2", NeedStatus.in_progress, unit_id="u2").version == 4
    # a change that changes nothing writes nothing
    assert store.modify(Need, "n2", lambda n: n).version == 4
    # whatever version the change returns, the store counts on from the stored one
    v5 = store.modify(Need, "n2", lambda n: n.model_copy(update={"title": "新标题", "version": 99}))
    assert v5.version == 5 and store.get(Need, "n2").version == 5


def test_a_stale_expected_version_is_a_precondition_failure(store: GraphStore) -> None:
    _load(store)
    u = store.modify(
        Unit, "u1", lambda x: x.model_copy(update={"capacity": 30}), expected_version=1
    )
    assert u.version == 2
    with pytest.raises(PreconditionFailedError) as err:
        store.modify(Unit, "u1", lambda x: x.model_copy(update={"capacity": 5}), expected_version=1)
    assert err.value.details["version"] == 2
    assert store.get(Unit, "u1") == u
    for bad in (0, -1, True, "2"):
        with pytest.raises(InvalidInputError):
            store.modify(Unit, "u1", lambda x: x, expected_version=bad)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.modify(Unit, "u404", lambda x: x, expected_version=1)
    # a conditional delete too
    store.create(f.unit(9))
    with pytest.raises(PreconditionFailedError):
        store.delete(Unit, "u9", expected_version=2)
    store.delete(Unit, "u9", expected_version=1)
    with pytest.raises(NotFoundError):
        store.get(Unit, "u9")


def test_concurrent_conditional_writes_have_one_winner(store: GraphStore) -> None:
    _load(store)

    def put(i: int) -> Unit:
        return store.modify(
            Unit, "u3", lambda x: x.model_copy(update={"name": f"第{i}版"}), expected_version=1
        )

    won, lost, errors = race([(lambda i=i: put(i)) for i in range(10)])
    assert errors == [] and len(won) == 1 and len(lost) == 9
    assert all(isinstance(e, PreconditionFailedError) for e in lost)
    stored = store.get(Unit, "u3")
    assert stored.version == 2 and stored.name == won[0].name


def test_replace_resources_counts_versions_per_resource(store: GraphStore) -> None:
    _load(store)
    r1 = store.get(Resource, "r1")
    changed = r1.model_copy(update={"capacity": 3})
    extra = f.resource(9, unit_id="u1", kind="volunteer", name="志愿服务队", capacity=8)
    etag = store.replace_resources("u1", [changed, extra])
    assert store.get(Resource, "r1").version == 2 and store.get(Resource, "r9").version == 1
    # the same declared set again: nothing changed, the versions and the ETag stay
    assert store.replace_resources("u1", [changed, extra], if_match=etag) == etag
    assert store.get(Resource, "r1").version == 2


# --------------------------------------------------------------------------- conditional writes
# modify and replace_resources, which the service's PUTs and declarations rely on


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


# --------------------------------------------------------------------------- need status guard


@pytest.mark.parametrize(
    "update",
    [
        {"status": NeedStatus.claimed, "claimed_by": "u1"},
        {"status": NeedStatus.cancelled},
    ],
)
def test_modify_cannot_change_the_life_cycle_of_an_open_need(
    store: GraphStore, update: dict[str, Any]
) -> None:
    _load(store)
    before = store.get(Need, "n1")
    with pytest.raises(ConflictError) as err:
        store.modify(Need, "n1", lambda n: n.model_copy(update=update))
    assert "status" in err.value.details["fields"]
    assert store.get(Need, "n1") == before


def test_modify_cannot_drop_or_move_a_claim(store: GraphStore) -> None:
    _load(store)
    open_copy = store.get(Need, "n2")
    store.claim_need("n2", "u2")
    for change in (
        lambda n: open_copy,  # an edit that started before the claim
        lambda n: n.model_copy(update={"claimed_by": "u3"}),
        lambda n: n.model_copy(update={"claimed_at": None}),
    ):
        with pytest.raises(ConflictError) as err:
            store.modify(Need, "n2", change)
        assert err.value.details["fields"]
    stored = store.get(Need, "n2")
    assert stored.status == NeedStatus.claimed and stored.claimed_by == "u2"
    # other fields still change, and the claim stays
    edited = store.modify(Need, "n2", lambda n: n.model_copy(update={"title": "体检改期"}))
    assert edited.claimed_by == "u2" and edited.status == NeedStatus.claimed
    # satisfaction belongs to the follow-up
    store.transition_need("n2", NeedStatus.in_progress)
    store.transition_need("n2", NeedStatus.resolved)
    with pytest.raises(ConflictError):
        store.modify(Need, "n2", lambda n: n.model_copy(update={"resolved_at": None}))
    store.transition_need("n2", NeedStatus.followed_up, satisfaction=4)
    with pytest.raises(ConflictError) as err:
        store.modify(Need, "n2", lambda n: n.model_copy(update={"satisfaction": 5}))
    assert err.value.details["fields"] == ["satisfaction"]


def test_a_claim_racing_a_stale_edit_is_never_lost(store: GraphStore) -> None:
    _load(store)
    rounds, edits_refused = 20, 0
    for i in range(rounds):
        need = store.create(f.need(100 + i, category="medical", effort=1))
        stale = store.get(Need, need.id)  # what a PUT started from

        def edit(stale: Need = stale) -> Need:
            return store.modify(
                Need, stale.id, lambda cur: stale.model_copy(update={"title": "改了标题"})
            )

        def claim(need_id: str = need.id) -> Need:
            return store.claim_need(need_id, "u2")

        _won, lost, errors = race([edit, claim])
        assert errors == []
        stored = store.get(Need, need.id)
        assert stored.status == NeedStatus.claimed and stored.claimed_by == "u2", i
        edits_refused += len(lost)
        # the claim always wins or waits; only the stale edit can be refused
        assert all("status" in e.details.get("fields", []) for e in lost)
    assert store.count(Need, filters={"claimed_by": "u2"}) == rounds
    assert 0 <= edits_refused <= rounds


# --------------------------------------------------------------------------- claims within capacity


def _capacity(store: GraphStore, unit_id: str, capacity: int) -> None:
    store.modify(Unit, unit_id, lambda u: u.model_copy(update={"capacity": capacity}))


def test_claim_beyond_the_remaining_capacity_is_refused(store: GraphStore) -> None:
    _load(store)
    _capacity(store, "u2", 5)
    store.create_many([f.need(i, category="medical", effort=2) for i in range(10, 14)])
    store.claim_need("n10", "u2")
    store.claim_need("n11", "u2")
    with pytest.raises(ConflictError) as err:
        store.claim_need("n12", "u2")
    d = err.value.details
    assert (d["reason"], d["capacity"], d["claimed"], d["remaining"], d["effort"]) == (
        "capacity",
        5,
        4,
        1,
        2,
    )
    assert "剩余工作量 1" in err.value.message and "2026Q4" in err.value.message
    assert store.get(Need, "n12").status == NeedStatus.open
    # the committee may override
    assert store.claim_need("n12", "u2", override=True).claimed_by == "u2"
    # in progress still counts; resolved work frees the capacity
    store.transition_need("n10", NeedStatus.in_progress, unit_id="u2")
    with pytest.raises(ConflictError):
        store.claim_need("n13", "u2")
    for need_id in ("n10", "n11", "n12"):
        if store.get(Need, need_id).status == NeedStatus.claimed:
            store.transition_need(need_id, NeedStatus.in_progress, unit_id="u2")
        store.transition_need(need_id, NeedStatus.resolved, unit_id="u2")
    assert store.claim_need("n13", "u2").status == NeedStatus.claimed


def test_claims_of_other_quarters_do_not_count(store: GraphStore) -> None:
    _load(store)
    _capacity(store, "u2", 2)
    store.create_many(
        [
            f.need(10, category="medical", effort=2, quarter="2026Q3"),
            f.need(11, category="medical", effort=2),
        ]
    )
    store.claim_need("n10", "u2")
    assert store.claim_need("n11", "u2").status == NeedStatus.claimed


def test_a_claim_outside_the_units_kinds_is_no_store_rule(store: GraphStore) -> None:
    """Suitability is the service's warning (joint building welcomes help outside the
    declared kinds); the store's only claim limit is capacity."""
    _load(store)
    assert store.claim_need("n1", "u1").claimed_by == "u1"  # repair; u1 offers sports venues


def test_concurrent_claims_of_one_unit_stay_within_its_capacity(store: GraphStore) -> None:
    _load(store)
    _capacity(store, "u2", 5)
    needs = [f.need(i, category="medical", effort=1) for i in range(10, 20)]
    store.create_many(needs)
    won, lost, errors = race([(lambda n=n.id: store.claim_need(n, "u2")) for n in needs])
    assert errors == [] and len(won) == 5 and len(lost) == 5
    assert all(e.details["reason"] == "capacity" for e in lost)
    claimed = store.list(Need, filters={"claimed_by": "u2"}, limit=None)
    assert sum(n.effort for n in claimed) == 5


# --------------------------------------------------------------------------- deleting needs


def test_a_need_with_history_cannot_be_deleted(store: GraphStore) -> None:
    _load(store)
    store.claim_need("n2", "u2")
    with pytest.raises(ConflictError) as err:
        store.delete(Need, "n2")
    assert "撤销" in err.value.message and "cancel" in err.value.message
    store.transition_need("n2", NeedStatus.cancelled)
    with pytest.raises(ConflictError):
        store.delete(Need, "n2")
    assert store.get(Need, "n2").claimed_by == "u2"
    # an open need never claimed can go, and so can one cancelled before any claim
    store.delete(Need, "n1")
    store.transition_need("n3", NeedStatus.cancelled)
    store.delete(Need, "n3")
    assert [n.id for n in store.list(Need, limit=None)] == ["n2"]
