"""Contract of ``add_points`` / ``point_entries``: a member's points change only through
recorded entries, the entry and the new total in one transaction (both stores)."""

from __future__ import annotations

import pytest

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import MAX_POINTS, PartyMember
from gongjian.graph.store import GraphStore
from tests import factories as f
from tests.contract.races import race


def test_an_entry_and_its_total_are_written_together(store: GraphStore) -> None:
    store.upsert_many(f.small_network())  # m1 has 35 points
    member, entry = store.add_points("m1", 5, reason="参加联学", by="usr-1", by_role="committee")
    assert member.points == 40 and member.version == 2
    assert (entry.seq, entry.delta, entry.total, entry.by) == (1, 5, 40, "usr-1")
    store.add_points("m1", -10, reason="更正", by="usr-2")
    assert store.get(PartyMember, "m1").points == 30
    assert [(e.seq, e.total) for e in store.point_entries("m1")] == [(2, 30), (1, 40)]
    assert [e.seq for e in store.point_entries("m1", offset=1, limit=1)] == [1]
    # entries are the member's record, not nodes of the network
    assert all(d["label"] != "PointEntry" for _, d in store.to_networkx().nodes(data=True))
    assert "PointEntry" not in store.stats()


@pytest.mark.parametrize(("start", "delta"), [(35, -36), (MAX_POINTS - 1, 2)])
def test_a_total_out_of_bounds_writes_nothing(store: GraphStore, start: int, delta: int) -> None:
    store.upsert_many([*f.small_network(), f.member(1, points=start)])
    with pytest.raises(ConflictError):
        store.add_points("m1", delta, reason="越界", by="u")
    assert store.get(PartyMember, "m1").points == start
    assert store.point_entries("m1") == []


@pytest.mark.parametrize(
    ("delta", "reason"), [(0, "零"), (True, "布尔"), (10_001, "太多"), (1, "两\n行"), (1, " ")]
)
def test_a_bad_entry_is_invalid_input(store: GraphStore, delta: object, reason: str) -> None:
    store.upsert_many(f.small_network())
    with pytest.raises(InvalidInputError):
        store.add_points("m1", delta, reason=reason, by="u")  # type: ignore[arg-type]
    assert store.point_entries("m1") == []


class _Refused(Exception):
    pass


def test_the_check_runs_on_the_stored_member_and_can_refuse(store: GraphStore) -> None:
    store.upsert_many(f.small_network())
    seen: list[str] = []

    def refuse(member: PartyMember) -> None:
        seen.append(member.community_id)
        raise _Refused

    with pytest.raises(_Refused):
        store.add_points("m1", 1, reason="检查", by="u", check=refuse)
    assert seen and seen[-1] == "c1"
    assert store.get(PartyMember, "m1").points == 35 and store.point_entries("m1") == []
    with pytest.raises(NotFoundError):
        store.add_points("nobody", 1, reason="无此人", by="u")


def test_concurrent_entries_queue_and_none_is_lost(store: GraphStore) -> None:
    store.upsert_many(f.small_network())
    n = 12
    won, lost, errors = race(
        [lambda i=i: store.add_points("m1", 1, reason=f"并发{i}", by="u") for i in range(n)]
    )
    assert (len(won), lost, errors) == (n, [], [])
    assert store.get(PartyMember, "m1").points == 35 + n
    entries = store.point_entries("m1", limit=None)
    assert sorted(e.seq for e in entries) == list(range(1, n + 1))
    assert sorted(e.total for e in entries) == list(range(36, 36 + n))


def test_deleting_a_member_deletes_its_entries(store: GraphStore) -> None:
    store.upsert_many(f.small_network())
    store.add_points("m1", 1, reason="一次", by="u")
    store.delete(PartyMember, "m1")
    assert store.point_entries("m1") == []
    store.upsert(f.member(1))
    member, entry = store.add_points("m1", 2, reason="重新登记后", by="u")
    assert entry.seq == 1 and member.points == 37
