"""The Xingcheng network loaded into both stores gives the same answers."""

from __future__ import annotations

import pytest

from gongjian.graph.model import Need, NeedStatus, Unit
from gongjian.graph.store import GraphStore

pytestmark = pytest.mark.neo4j


def test_stats_agree(both: tuple[GraphStore, GraphStore]) -> None:
    a, b = both
    assert a.stats() == b.stats()
    assert a.stats()["Need"] >= 120


@pytest.mark.parametrize("quarter", ["2026Q1", "2026Q3", "2026Q4"])
def test_snapshots_agree(both: tuple[GraphStore, GraphStore], quarter: str) -> None:
    a, b = both
    snap_a, snap_b = a.snapshot(quarter).normalised(), b.snapshot(quarter).normalised()
    assert snap_a == snap_b
    assert snap_a.units and snap_a.activities


def test_cooperation_networks_agree(both: tuple[GraphStore, GraphStore]) -> None:
    a, b = both
    centers = [("Unit", u.id) for u in a.list(Unit, limit=6)] + [("Community", "c07")]
    for label, node_id in centers:
        for hops in (1, 2, 3):
            na, nb = (
                a.cooperation_network(label, node_id, hops),
                b.cooperation_network(label, node_id, hops),
            )
            assert na == nb, (label, node_id, hops)
    assert any(
        e.type == "COOPERATED_WITH" for e in a.cooperation_network("Community", "c07", 3).edges
    )


def test_lists_and_life_cycle_agree(both: tuple[GraphStore, GraphStore]) -> None:
    a, b = both
    open_a = a.list(Need, filters={"status": NeedStatus.open, "quarter": "2026Q4"}, limit=None)
    open_b = b.list(Need, filters={"status": NeedStatus.open, "quarter": "2026Q4"}, limit=None)
    assert open_a == open_b and open_a
    need = open_a[0]
    unit = a.list(Unit, limit=1)[0].id
    for store in (a, b):
        store.claim_need(need.id, unit, override=True)
        store.transition_need(need.id, NeedStatus.in_progress, unit_id=unit)
    # the stores stamp "now" each on its own: the stamps agree to the minute, the rest exactly
    got_a, got_b = a.get(Need, need.id), b.get(Need, need.id)
    for stamp in ("claimed_at", "started_at"):
        at_a, at_b = getattr(got_a, stamp), getattr(got_b, stamp)
        assert at_a is not None and at_b is not None
        assert abs((at_a - at_b).total_seconds()) < 60, (stamp, at_a, at_b)
    assert _unstamped(got_a) == _unstamped(got_b)
    snap_a, snap_b = a.snapshot("2026Q4").normalised(), b.snapshot("2026Q4").normalised()
    assert [_unstamped(n) for n in snap_a.needs] == [_unstamped(n) for n in snap_b.needs]
    assert snap_a.model_copy(update={"needs": []}) == snap_b.model_copy(update={"needs": []})


def _unstamped(need: Need) -> Need:
    return need.model_copy(update={"claimed_at": None, "started_at": None})
