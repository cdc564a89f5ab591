"""Tenancy by sub-district (issue 17): snapshots per sub-district agree across the stores,
existing data lands in the default sub-district, old databases are backfilled."""

from __future__ import annotations

import pytest

from gongjian.graph.model import Activity, Community, Grid, Need, Unit, default_subdistrict
from gongjian.graph.store import GraphStore

pytestmark = pytest.mark.neo4j

QUARTER = "2026Q4"


def _split(store: GraphStore) -> set[str]:
    """Move every second community (and what is in it) to sub-district ``YB``."""
    moved = {c.id for c in store.list(Community, limit=None)[::2]}
    changed = []
    for kind in (Community, Grid, Unit, Need, Activity):
        for e in store.list(kind, limit=None):
            community = e.id if kind is Community else e.community_id
            if community in moved:
                changed.append(e.model_copy(update={"subdistrict": "YB"}))
    store.upsert_many(changed)
    return moved


def test_existing_data_in_default_subdistrict(both: tuple[GraphStore, GraphStore]) -> None:
    for store in both:
        for kind in (Community, Grid, Unit, Need, Activity):
            items = store.list(kind, limit=None)
            assert items and {e.subdistrict for e in items} == {default_subdistrict()}
        assert [s.id for s in store.subdistricts()] == [default_subdistrict()]
        whole = store.snapshot(QUARTER).normalised()
        assert store.snapshot(QUARTER, default_subdistrict()).normalised() == whole


def test_snapshots_per_subdistrict_agree(both: tuple[GraphStore, GraphStore]) -> None:
    a, b = both
    moved = {frozenset(_split(s)) for s in both}
    assert len(moved) == 1
    assert [s.id for s in a.subdistricts()] == [s.id for s in b.subdistricts()] == ["XC", "YB"]
    whole = a.snapshot(QUARTER)
    parts = {}
    for code in ("XC", "YB"):
        parts[code] = a.snapshot(QUARTER, code).normalised()
        assert parts[code] == b.snapshot(QUARTER, code).normalised(), code
        assert parts[code].needs and all(n.subdistrict == code for n in parts[code].needs)
        assert all(x.subdistrict == code for x in parts[code].activities)
        own = {c.id for c in parts[code].communities if c.subdistrict == code}
        # a unit of another sub-district only where its community borders this one
        for u in parts[code].units:
            if u.subdistrict != code:
                assert any({u.community_id, c} == set(p) for p in whole.adjacency for c in own), (
                    u.id
                )
    # the needs and activities are split, none lost, none twice
    assert sorted(n.id for p in parts.values() for n in p.needs) == sorted(
        n.id for n in whole.needs
    )
    assert sorted(x.id for p in parts.values() for x in p.activities) == sorted(
        x.id for x in whole.activities
    )
    # every unit of a sub-district is in its snapshot; some cross the border
    for code, part in parts.items():
        assert {u.id for u in whole.units if u.subdistrict == code} <= {u.id for u in part.units}
    assert any(u.subdistrict != code for code, p in parts.items() for u in p.units)


def test_old_embedded_database_backfilled(embedded_store: GraphStore) -> None:
    conn = embedded_store._conn()  # type: ignore[attr-defined]
    conn.execute(
        "INSERT INTO nodes(label, id, props) VALUES ('Community', 'old1',"
        ' \'{"id": "old1", "name": "旧社区", "version": 1}\')'
    )
    conn.commit()
    assert embedded_store.count(Community, filters={"subdistrict": "XC"}) == 0
    embedded_store.migrate()
    assert embedded_store.count(Community, filters={"subdistrict": "XC"}) == 1


def test_old_neo4j_graph_backfilled(neo4j_store: GraphStore) -> None:
    neo4j_store._execute(  # type: ignore[attr-defined]
        "CREATE (:Community {id: 'old1', name: '旧社区', version: 1})"
    )
    assert neo4j_store.count(Community, filters={"subdistrict": "XC"}) == 0
    neo4j_store.migrate()
    assert neo4j_store.count(Community, filters={"subdistrict": "XC"}) == 1
    names = {r["name"] for r in neo4j_store._driver.execute_query("SHOW INDEXES").records}  # type: ignore[attr-defined]
    assert {"gongjian_unit_subdistrict", "gongjian_need_subdistrict"} <= names
