"""The GraphStore contract: every case runs on the embedded store and on a real Neo4j."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import networkx as nx
import pytest

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph import model as gm
from gongjian.graph.model import (
    Assignment,
    Community,
    Need,
    NeedStatus,
    Pairing,
    Resource,
    Unit,
    parse_entity,
)
from gongjian.graph.store import GraphStore
from tests import factories as f
from tests.contract.races import race

HOSTILE_NAMES = [
    "星城'中学\"",
    "}) DETACH DELETE n //",
    "`Unit` {id: 'x'}",
    "MATCH (n) DETACH DELETE n",
    "'; DROP TABLE nodes; --",
    "${name} {{braces}} \\backslash",
    "名称 with 'quotes' and `backticks` 和 {花括号}",
]


def _unnumbered(entity: Any) -> Any:
    """A loaded need gets an order number (issue 13); the rest must be as given."""
    if isinstance(entity, Need):
        assert entity.number and entity.number.startswith("XC-2026-")
        return entity.model_copy(update={"number": None})
    return entity


def _load(store: GraphStore) -> None:
    store.upsert_many(f.small_network())
    store.set_adjacent("c1", "c2")


@pytest.mark.parametrize("kind", gm.ENTITY_TYPES, ids=lambda k: k.LABEL)
def test_every_entity_round_trips_with_chinese_text(store: GraphStore, kind: type) -> None:
    _load(store)
    originals = [e for e in f.small_network() if isinstance(e, kind)]
    assert originals
    for original in originals:
        assert _unnumbered(store.get(kind, original.id)) == original
    listed = [_unnumbered(e) for e in store.list(kind, limit=None)]
    assert listed == sorted(originals, key=lambda e: e.id)
    assert store.count(kind) == len(originals)


def test_get_unknown_id_is_not_found(store: GraphStore) -> None:
    with pytest.raises(NotFoundError, match="u404"):
        store.get(Unit, "u404")


def test_bulk_upsert_is_idempotent(store: GraphStore) -> None:
    _load(store)
    first = store.stats()
    _load(store)
    store.upsert_many(f.small_network())
    assert store.stats() == first
    assert first["Need"] == 3 and first["LOCATED_IN"] == 3 and first["ADJACENT_TO"] == 1
    assert first["RAISED_IN"] == 4  # three communities + one grid
    assert first["OFFERS"] == 3 and first["HOSTED_IN"] == 1 and first["WORKS_AT"] == 1


def test_update_repoints_owned_relationships(store: GraphStore) -> None:
    _load(store)
    store.upsert(f.unit(1, community_id="c2"))
    assert store.get(Unit, "u1").community_id == "c2"
    assert store.stats()["LOCATED_IN"] == 3
    assert [u.id for u in store.list(Unit, filters={"community_id": "c2"})] == ["u1", "u2"]
    assert "Unit:u1" not in {n.key for n in store.cooperation_network("Community", "c1", 1).nodes}
    assert "Unit:u1" in {n.key for n in store.cooperation_network("Community", "c2", 1).nodes}
    store.upsert(f.need(1, grid_id=None))
    assert store.stats()["RAISED_IN"] == 3


def test_claim_race_has_exactly_one_winner(store: GraphStore) -> None:
    _load(store)

    def claim(unit_id: str) -> str:
        store.claim_need("n1", unit_id, override=True)
        return unit_id

    winners, losers, errors = race(
        [partial(claim, f"u{1 + i % 3}") for i in range(20)], lose=(ConflictError,)
    )
    assert errors == []
    assert len(winners) == 1 and len(losers) == 19
    stored = store.get(Need, "n1")
    assert stored.status == NeedStatus.claimed and stored.claimed_by == winners[0]
    assert store.stats()["CLAIMED"] == 1


def test_need_life_cycle_and_illegal_transitions(store: GraphStore) -> None:
    _load(store)
    claimed = store.claim_need("n2", "u2")
    assert claimed.status == NeedStatus.claimed
    with pytest.raises(ConflictError, match=r"已认领|claimed"):
        store.claim_need("n2", "u1")
    with pytest.raises(ConflictError, match="只有认领单位"):
        store.transition_need("n2", NeedStatus.in_progress, unit_id="u1")
    with pytest.raises(ConflictError, match="允许"):
        store.transition_need("n2", NeedStatus.followed_up, satisfaction=5)
    store.transition_need("n2", NeedStatus.in_progress, unit_id="u2")
    store.transition_need("n2", NeedStatus.resolved)
    with pytest.raises(InvalidInputError, match="满意度"):
        store.transition_need("n2", NeedStatus.followed_up)
    with pytest.raises(InvalidInputError, match="满意度"):
        store.transition_need("n2", NeedStatus.followed_up, satisfaction=9)
    done = store.transition_need("n2", NeedStatus.followed_up, satisfaction=4)
    assert done.satisfaction == 4
    assert store.get(Need, "n2") == done
    with pytest.raises(ConflictError):
        store.transition_need("n2", NeedStatus.cancelled)
    with pytest.raises(NotFoundError):
        store.claim_need("n404", "u1")
    with pytest.raises(NotFoundError):
        store.claim_need("n1", "u404")
    assert store.get(Need, "n1").status == NeedStatus.open


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_cypher_looking_text_is_stored_verbatim(store: GraphStore, name: str) -> None:
    _load(store)
    before = store.stats()
    store.upsert(f.unit(9, name=name, brand=name))
    store.upsert(f.need(9, title=name, description=name + "\n第二行"))
    assert store.get(Unit, "u9").name == name.strip()
    assert store.get(Need, "n9").description == name + "\n第二行"
    after = store.stats()
    assert after["Unit"] == before["Unit"] + 1 and after["Need"] == before["Need"] + 1
    assert (
        after["Community"] == before["Community"]
        and after["LOCATED_IN"] == before["LOCATED_IN"] + 1
    )
    # a hostile filter value is a value, not code
    assert store.list(Unit, filters={"community_id": name}) == []


def test_unknown_references_are_refused_and_nothing_is_written(store: GraphStore) -> None:
    _load(store)
    before = store.stats()
    batch = [f.unit(7), f.unit(8, community_id="c404"), f.need(8, community_id="c1")]
    with pytest.raises(InvalidInputError, match="c404"):
        store.upsert_many(batch)
    with pytest.raises(InvalidInputError, match="u404"):
        store.upsert(f.resource(9, unit_id="u404"))
    assert store.stats() == before
    with pytest.raises(NotFoundError):
        store.get(Unit, "u7")


def test_invalid_values_are_refused_with_clear_messages(store: GraphStore) -> None:
    _load(store)
    before = store.stats()
    with pytest.raises(InvalidInputError, match="capacity"):
        parse_entity(Resource, {**f.resource(5).model_dump(), "capacity": -3})
    with pytest.raises(InvalidInputError, match="季度"):
        parse_entity(Need, {**f.need(5).model_dump(), "quarter": "2026-4"})
    with pytest.raises(InvalidInputError, match="编号"):
        parse_entity(Unit, {**f.unit(5).model_dump(), "id": "u 5; MATCH"})
    with pytest.raises(InvalidInputError, match="type"):
        parse_entity(Unit, {**f.unit(5).model_dump(), "type": "zoo"})
    with pytest.raises(InvalidInputError, match="不在季度"):
        parse_entity(gm.Activity, {**f.activity(5).model_dump(), "date": date(2026, 3, 1)})
    with pytest.raises(InvalidInputError, match="unknown filter"):
        store.list(Unit, filters={"name') OR 1=1 --": "x"})
    with pytest.raises(InvalidInputError):
        store.set_adjacent("c1", "c1")
    with pytest.raises(NotFoundError):
        store.set_adjacent("c1", "c404")
    with pytest.raises(NotFoundError):
        store.add_pairings([Pairing(unit_id="u404", community_id="c1")])
    with pytest.raises(InvalidInputError):
        store.cooperation_network("Need", "n1", 1)
    with pytest.raises(InvalidInputError):
        store.cooperation_network("Unit", "u1", 99)
    assert store.stats() == before


def test_delete_refuses_while_referenced_and_keeps_data(store: GraphStore) -> None:
    _load(store)
    before = store.stats()
    for kind, node_id in [(Community, "c1"), (Unit, "u1"), (gm.Subdistrict, "sd1")]:
        with pytest.raises(ConflictError, match="引用"):
            store.delete(kind, node_id)
    assert store.stats() == before
    store.delete(gm.PartyMember, "m1")
    store.delete(Resource, "r1")
    with pytest.raises(NotFoundError):
        store.delete(Resource, "r1")
    after = store.stats()
    assert after["PartyMember"] == 0 and after["WORKS_AT"] == 0 and after["OFFERS"] == 2


def test_list_filters_and_paging(store: GraphStore) -> None:
    _load(store)
    extra = [f.need(i, community_id="c2", priority=1 + i % 5) for i in range(10, 40)]
    store.upsert_many(extra)
    page1 = store.list(Need, filters={"community_id": "c2"}, limit=10)
    page2 = store.list(Need, filters={"community_id": "c2"}, offset=10, limit=10)
    assert len(page1) == 10 and len(page2) == 10
    assert {n.id for n in page1}.isdisjoint({n.id for n in page2})
    assert [n.id for n in page1] == sorted(n.id for n in page1)
    assert store.count(Need, filters={"community_id": "c2"}) == 31
    assert store.count(Need, filters={"quarter": "2026Q3"}) == 1
    assert store.count(Need, filters={"status": NeedStatus.open, "category": "repair"}) == 31
    assert [u.id for u in store.list(Unit, filters={"type": "hospital"})] == ["u2"]
    assert [g.id for g in store.list(gm.Grid, filters={"community_id": "c1"})] == ["g1"]
    store.upsert(extra[3].model_copy(update={"whistle": True}))
    assert [n.id for n in store.list(Need, filters={"whistle": True})] == [extra[3].id]
    assert store.count(Need, filters={"whistle": False}) == store.count(Need) - 1


def test_remove_assignments_of_one_plan(store: GraphStore) -> None:
    _load(store)
    store.add_assignments(
        [
            Assignment(activity_id="a1", unit_id="u1", role="volunteer", plan_id="p1"),
            Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p1"),
            Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p2"),
        ]
    )
    assert store.remove_assignments("p1") == 2
    assert [(a.unit_id, a.plan_id) for a in store.assignments()] == [("u2", "p2")]
    assert store.remove_assignments("p1") == 0
    assert store.remove_assignments("x') DETACH DELETE r //") == 0
    assert store.stats()["ASSIGNED"] == 1


def test_relationship_methods(store: GraphStore) -> None:
    _load(store)
    store.set_adjacent("c2", "c1")  # same pair, other order: still one
    assert store.adjacency() == [("c1", "c2")]
    store.add_pairings([Pairing(unit_id="u2", community_id="c1")] * 2)
    assert store.pairings() == [Pairing(unit_id="u2", community_id="c1")]
    assert store.pairings(community_id="c2") == []
    store.add_assignments(
        [
            Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p1"),
            Assignment(activity_id="a1", unit_id="u1", role="volunteer", plan_id="p1"),
        ]
    )
    store.add_assignments(
        [Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p1")]
    )
    assert [a.unit_id for a in store.assignments(activity_id="a1")] == ["u1", "u2"]
    assert store.stats()["ASSIGNED"] == 2 and store.stats()["PAIRED_WITH"] == 1
    store.remove_pairing(Pairing(unit_id="u2", community_id="c1"))
    store.remove_adjacent("c1", "c2")
    assert store.pairings() == [] and store.adjacency() == []


def test_snapshot_of_a_quarter(store: GraphStore) -> None:
    _load(store)
    past = f.need(20, quarter="2026Q2", status="resolved", claimed_by="u3", community_id="c2")
    store.upsert(past)
    store.upsert(f.activity(2, quarter="2026Q3", date=date(2026, 8, 1), community_id="c2"))
    store.add_assignments([Assignment(activity_id="a2", unit_id="u3", role="medical", plan_id="h")])
    store.claim_need("n2", "u2")
    snap = store.snapshot("2026Q4")
    assert [n.id for n in snap.needs] == ["n1"]  # n2 claimed, n3 other quarter
    assert [a.id for a in snap.activities] == ["a1"]
    assert sorted(r.id for r in snap.resources) == ["r1", "r2", "r3"]
    assert ("u3", "c2", 2) in snap.history
    assert snap.adjacency == [("c1", "c2")]
    assert [r.id for r in store.snapshot("2026Q1").resources] == ["r3"]


def test_cooperation_network_within_hops(store: GraphStore) -> None:
    _load(store)
    store.add_pairings([Pairing(unit_id="u2", community_id="c1")])
    store.add_assignments(
        [
            Assignment(activity_id="a1", unit_id="u1", role="volunteer", plan_id="p"),
            Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p"),
        ]
    )
    net0 = store.cooperation_network("Unit", "u1", 0)
    assert [n.key for n in net0.nodes] == ["Unit:u1"] and net0.edges == []
    net1 = store.cooperation_network("Unit", "u1", 1)
    keys = {n.key: n.hops for n in net1.nodes}
    assert keys == {"Unit:u1": 0, "Community:c1": 1, "Unit:u2": 1}
    types = {(e.source, e.target, e.type): e.weight for e in net1.edges}
    assert types[("Unit:u1", "Unit:u2", "COOPERATED_WITH")] == 1
    assert types[("Community:c1", "Unit:u1", "SERVED")] == 1
    assert types[("Community:c1", "Unit:u2", "PAIRED_WITH")] == 1
    net2 = store.cooperation_network("Community", "c1", 2)
    assert {"Community:c2", "Unit:u3"} <= {n.key for n in net2.nodes}
    with pytest.raises(NotFoundError):
        store.cooperation_network("Unit", "u404", 1)


def test_to_networkx_matches_stats(store: GraphStore) -> None:
    _load(store)
    g = store.to_networkx()
    stats = store.stats()
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == sum(stats[t.LABEL] for t in gm.ENTITY_TYPES)
    assert g.nodes["Unit:u2"]["name"] == "燕化医院星城分院"
    assert g.has_edge("Unit:u1", "Community:c1")
    assert g.has_edge("Unit:u1", "Resource:r1")


def test_clear_empties_the_store(store: GraphStore) -> None:
    _load(store)
    store.clear()
    assert all(v == 0 for v in store.stats().values())


def test_migrate_is_idempotent(store: GraphStore) -> None:
    _load(store)
    store.migrate()
    store.migrate()
    assert store.count(Unit) == 3


def test_same_node_twice_in_one_call_last_copy_wins(store: GraphStore) -> None:
    _load(store)
    store.upsert_many([f.unit(8, community_id="c1"), f.unit(8, community_id="c2", name="后写的")])
    assert store.get(Unit, "u8").community_id == "c2" and store.get(Unit, "u8").name == "后写的"
    assert store.stats()["LOCATED_IN"] == 4
    assert [u.id for u in store.list(Unit, filters={"community_id": "c1"})] == ["u1", "u3"]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.transition_need("n1", "done"),
        lambda s: s.snapshot("2026-Q4"),
        lambda s: s.snapshot("'; MATCH (n) DETACH DELETE n //"),
        lambda s: s.cooperation_network("Unit", "u1", 1.5),
        lambda s: s.cooperation_network("Unit", "u1", True),
        lambda s: s.get(Pairing, "u1"),
        lambda s: s.list(str),
        lambda s: s.delete(dict, "c1"),
    ],
    ids=[
        "status",
        "quarter",
        "quarter-cypher",
        "hops-float",
        "hops-bool",
        "kind-get",
        "kind-list",
        "kind-delete",
    ],
)
def test_bad_arguments_are_invalid_input(store: GraphStore, call) -> None:
    _load(store)
    before = store.stats()
    with pytest.raises(InvalidInputError):
        call(store)
    assert store.stats() == before
