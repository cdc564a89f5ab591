"""What only the Neo4j store has: schema, connection errors, locking, storage layout.

Every test here runs against a real Neo4j 5.26 server (the ``neo4j_server``
fixture), never a mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from neo4j import Driver, GraphDatabase

from gongjian.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StoreUnavailableError,
)
from gongjian.core.settings import Settings
from gongjian.graph import open_store
from gongjian.graph.cypher import INDEXED_PROPERTIES, LABELS, SHOW_CONSTRAINTS
from gongjian.graph.model import (
    ENTITY_TYPES,
    Activity,
    Community,
    Need,
    NeedStatus,
    Pairing,
    Unit,
)
from gongjian.graph.neo4j_store import Neo4jStore, translate_errors
from gongjian.graph.store import GraphStore
from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from tests import factories as f
from tests.contract.races import race

pytestmark = pytest.mark.neo4j

UNREACHABLE = ["bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"]


@pytest.fixture
def raw(neo4j_server: Any) -> Iterator[Driver]:
    """A plain driver on the same server, to look at what the store wrote."""
    auth = (neo4j_server.user, neo4j_server.password) if neo4j_server.password else None
    with GraphDatabase.driver(neo4j_server.uri, auth=auth) as driver:
        yield driver


def _records(driver: Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    return [r.data() for r in driver.execute_query(query, params, database_="neo4j").records]


# --------------------------------------------------------------------------- schema


def test_migrate_creates_a_uniqueness_constraint_per_label(
    neo4j_store: GraphStore, raw: Driver
) -> None:
    constraints = _records(raw, SHOW_CONSTRAINTS)
    unique_on_id = {
        c["labelsOrTypes"][0]
        for c in constraints
        if c["type"] in ("UNIQUENESS", "NODE_PROPERTY_UNIQUENESS") and c["properties"] == ["id"]
    }
    assert unique_on_id >= set(LABELS)
    assert {t.LABEL for t in ENTITY_TYPES} == set(LABELS)


def test_migrate_creates_the_filter_indexes(neo4j_store: GraphStore, raw: Driver) -> None:
    indexes = _records(
        raw, "SHOW INDEXES YIELD labelsOrTypes, properties, state, type WHERE type = 'RANGE'"
    )
    have = {(i["labelsOrTypes"][0], i["properties"][0]) for i in indexes if i["labelsOrTypes"]}
    wanted = {(label, p) for label, props in INDEXED_PROPERTIES.items() for p in props}
    assert ("Need", "quarter") in wanted and ("Resource", "kind") in wanted
    assert wanted <= have
    assert all(i["state"] == "ONLINE" for i in indexes)


def test_migrate_twice_changes_nothing(neo4j_store: GraphStore, raw: Driver) -> None:
    before = sorted(c["name"] for c in _records(raw, SHOW_CONSTRAINTS))
    neo4j_store.upsert_many(f.small_network())
    neo4j_store.migrate()
    neo4j_store.migrate()
    assert sorted(c["name"] for c in _records(raw, SHOW_CONSTRAINTS)) == before
    assert neo4j_store.stats()["Need"] == 3


def test_concurrent_migrations_do_not_fail(
    neo4j_store: GraphStore, neo4j_server: Any, raw: Driver
) -> None:
    """Several workers starting at once all migrate an empty schema."""
    for c in _records(raw, SHOW_CONSTRAINTS):
        if c["name"].startswith("gongjian_"):
            raw.execute_query(f"DROP CONSTRAINT {c['name']}", database_="neo4j")
    for i in _records(raw, "SHOW INDEXES YIELD name WHERE name STARTS WITH 'gongjian_'"):
        raw.execute_query(f"DROP INDEX {i['name']}", database_="neo4j")
    stores = [
        Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password)
        for _ in range(4)
    ]
    try:
        done, conflicts, errors = race([s.migrate for s in stores], lose=(ConflictError,))
    finally:
        for s in stores:
            s.close()
    assert errors == [] and conflicts == [] and len(done) == 4
    names = {c["name"] for c in _records(raw, SHOW_CONSTRAINTS)}
    assert {f"gongjian_{label.lower()}_id" for label in LABELS} <= names


# --------------------------------------------------------------------------- connection errors


@pytest.mark.parametrize("uri", UNREACHABLE)
def test_unreachable_server_gives_store_unavailable(uri: str) -> None:
    store = Neo4jStore(uri, password="irrelevant")
    try:
        with pytest.raises(StoreUnavailableError, match=r"图数据库不可用.*127\.0\.0\.1:1") as info:
            store.migrate()
        # our exception, with the driver's traceback cut off
        assert info.value.__cause__ is None and info.value.__suppress_context__
        assert info.value.details["uri"] == uri
        with pytest.raises(StoreUnavailableError):
            store.get(Unit, "u1")
    finally:
        store.close()


def test_open_store_on_an_unreachable_server_gives_store_unavailable() -> None:
    settings = Settings(store="neo4j", neo4j_uri="bolt://127.0.0.1:1", neo4j_password="x")
    with pytest.raises(StoreUnavailableError, match="graph database unavailable"):
        open_store(settings=settings)


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "bolt://127.0.0.1:notaport"])
def test_malformed_uri_gives_store_unavailable(uri: str) -> None:
    with pytest.raises(StoreUnavailableError, match="图数据库不可用"):
        Neo4jStore(uri).migrate()


def test_wrong_password_gives_store_unavailable(neo4j_server: Any) -> None:
    # a user of its own: failed logins rate-limit that user only, not the tests' one
    store = Neo4jStore(neo4j_server.uri, user="gongjian_nobody", password="wrong-password")
    try:
        with pytest.raises(StoreUnavailableError, match="认证失败"):
            store.migrate()
    finally:
        store.close()


def test_constraint_violation_becomes_conflict(neo4j_store: GraphStore, raw: Driver) -> None:
    neo4j_store.upsert_many(f.small_network())
    with pytest.raises(ConflictError), translate_errors("test"):
        raw.execute_query("CREATE (:Unit {id: 'u1'})", database_="neo4j")
    assert neo4j_store.count(Unit) == 3


# --------------------------------------------------------------------------- locking


def test_claim_race_across_20_drivers_has_one_winner(
    neo4j_store: GraphStore, neo4j_server: Any, raw: Driver
) -> None:
    """Like 20 processes: each claimant has its own store object and driver."""
    neo4j_store.upsert_many(f.small_network())
    stores = [
        Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password)
        for _ in range(20)
    ]
    try:
        workers = [
            (lambda s=s, u=f"u{1 + i % 3}": s.claim_need("n1", u, override=True))
            for i, s in enumerate(stores)
        ]
        winners, conflicts, errors = race(workers, lose=(ConflictError,))
    finally:
        for s in stores:
            s.close()
    assert errors == []
    assert len(winners) == 1 and len(conflicts) == 19
    stored = neo4j_store.get(Need, "n1")
    assert stored == winners[0] and stored.status == NeedStatus.claimed
    claimed = _records(raw, "MATCH (u:Unit)-[:CLAIMED]->(:Need {id: 'n1'}) RETURN u.id AS u")
    assert claimed == [{"u": stored.claimed_by}]
    # the lock property never outlives its transaction
    assert _records(raw, "MATCH (n) WHERE n._lock IS NOT NULL RETURN n.id AS id") == []


def test_concurrent_claims_of_different_needs_all_succeed(neo4j_store: GraphStore) -> None:
    neo4j_store.upsert_many(f.small_network())
    extra = [f.need(i, title=f"第{i}号交办单") for i in range(10, 30)]
    neo4j_store.upsert_many(extra)
    workers = [
        (lambda n=n.id, u=f"u{1 + i % 3}": neo4j_store.claim_need(n, u, override=True))
        for i, n in enumerate(extra)
    ]
    won, conflicts, errors = race(workers, lose=(ConflictError,))
    assert errors == [] and conflicts == [] and len(won) == 20
    assert neo4j_store.stats()["CLAIMED"] == 20


def test_transition_race_has_one_winner(neo4j_store: GraphStore) -> None:
    neo4j_store.upsert_many(f.small_network())
    neo4j_store.claim_need("n2", "u2")
    workers = [
        (lambda: neo4j_store.transition_need("n2", NeedStatus.in_progress, unit_id="u2"))
        for _ in range(20)
    ]
    won, conflicts, errors = race(workers, lose=(ConflictError,))
    assert errors == [] and len(won) == 1 and len(conflicts) == 19
    assert neo4j_store.get(Need, "n2").status == NeedStatus.in_progress


# --------------------------------------------------------------------------- storage layout


def test_nodes_hold_the_entity_as_flat_properties(neo4j_store: GraphStore, raw: Driver) -> None:
    neo4j_store.upsert_many(f.small_network())
    [row] = _records(raw, "MATCH (a {id: 'a1'}) RETURN labels(a) AS labels, properties(a) AS props")
    activity = neo4j_store.get(Activity, "a1")
    assert row["labels"] == ["Activity"]
    assert set(row["props"]) == set(activity.model_dump(exclude_none=True))
    # roles (a list of objects) is JSON text; everything else is a plain value
    assert isinstance(row["props"]["roles"], str) and '"kind"' in row["props"]["roles"]
    assert row["props"]["date"] == activity.date.isoformat()
    [need] = _records(raw, "MATCH (n:Need {id: 'n2'}) RETURN properties(n) AS props")
    assert "grid_id" not in need["props"] and "claimed_by" not in need["props"]


def test_adjacency_is_stored_once_from_the_smaller_id(neo4j_store: GraphStore, raw: Driver) -> None:
    neo4j_store.upsert_many(f.small_network())
    neo4j_store.set_adjacent("c2", "c1")
    neo4j_store.set_adjacent("c1", "c2")
    rows = _records(raw, "MATCH (a)-[:ADJACENT_TO]->(b) RETURN a.id AS a, b.id AS b")
    assert rows == [{"a": "c1", "b": "c2"}]
    assert neo4j_store.adjacency() == [("c1", "c2")]
    neo4j_store.remove_adjacent("c2", "c1")
    assert neo4j_store.adjacency() == []
    with pytest.raises(InvalidInputError):
        neo4j_store.set_adjacent("c1", "c1")
    with pytest.raises(NotFoundError, match="c404"):
        neo4j_store.set_adjacent("c1", "c404")


def test_a_bad_reference_in_a_late_batch_writes_nothing(neo4j_store: GraphStore) -> None:
    neo4j_store.upsert_many(f.small_network())
    before = neo4j_store.stats()
    units = [f.unit(i, name=f"新单位{i}") for i in range(10, 20)]
    units.append(f.unit(99, community_id="c404"))
    with pytest.raises(InvalidInputError, match=r"Unit\[u99\]\.community_id") as info:
        neo4j_store.upsert_many(units, batch_size=2)
    assert info.value.errors == [
        {"field": "Unit[u99].community_id", "message": "未知的社区 'c404' (unknown Community id)"}
    ]
    assert neo4j_store.stats() == before


def test_delete_removes_pairings_and_assignments(neo4j_store: GraphStore) -> None:
    neo4j_store.upsert_many(f.small_network())
    neo4j_store.upsert(f.unit(9))
    neo4j_store.add_pairings([Pairing(unit_id="u9", community_id="c2")])
    with pytest.raises(ConflictError, match="仍被引用"):
        neo4j_store.delete(Community, "c2")
    neo4j_store.delete(Unit, "u9")
    assert neo4j_store.pairings(unit_id="u9") == []
    with pytest.raises(NotFoundError):
        neo4j_store.delete(Unit, "u9")


def test_filter_values_are_parameters(neo4j_store: GraphStore) -> None:
    neo4j_store.upsert_many(f.small_network())
    for value in ["c1' OR 1=1 //", 'c1"}) RETURN n //', "`c1`"]:
        assert neo4j_store.list(Unit, filters={"community_id": value}) == []
        assert neo4j_store.count(Unit, filters={"community_id": value}) == 0
    assert neo4j_store.count(Unit) == 3


# --------------------------------------------------------------------------- same answers as embedded


@pytest.fixture
def synthetic_pair(
    embedded_store: GraphStore, neo4j_store: GraphStore
) -> tuple[GraphStore, GraphStore]:
    network = generate(40, 300, 30, seed=7)
    for store in (embedded_store, neo4j_store):
        load_network(store, network, batch_size=97)
    return embedded_store, neo4j_store


def _graph_as_sets(g: nx.MultiDiGraph) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    nodes = {k: dict(v) for k, v in g.nodes(data=True)}
    edges = sorted((u, v, tuple(sorted(d.items()))) for u, v, d in g.edges(data=True))
    return nodes, edges


def test_synthetic_network_gives_the_same_answers(
    synthetic_pair: tuple[GraphStore, GraphStore],
) -> None:
    a, b = synthetic_pair
    assert a.stats() == b.stats()
    assert _graph_as_sets(a.to_networkx()) == _graph_as_sets(b.to_networkx())
    for quarter in ("2026Q3", "2026Q4"):
        assert a.snapshot(quarter).normalised() == b.snapshot(quarter).normalised()
    assert a.snapshot("2026Q4").history, "the synthetic network has past cooperation"
    assert a.assignments() == b.assignments() and a.pairings() == b.pairings()
    for unit in a.list(Unit, limit=5):
        for hops in (0, 1, 2, 4):
            assert a.cooperation_network("Unit", unit.id, hops) == b.cooperation_network(
                "Unit", unit.id, hops
            )
    community = a.list(Community, limit=1)[0].id
    assert a.cooperation_network("Community", community, 2) == b.cooperation_network(
        "Community", community, 2
    )
