"""Unit tests of the pure network and metrics functions on small hand-made data."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import (
    Activity,
    Assignment,
    Community,
    Need,
    Pairing,
    PartyMember,
    Resource,
    Snapshot,
    Unit,
)
from gongjian.matching.from_graph import compile_snapshot
from gongjian.seeds.network import load_network
from gongjian.seeds.xingcheng import load_xingcheng
from gongjian.service.metrics import service as metrics
from gongjian.service.metrics.service import (
    ROLE_EFFORT,
    RankBy,
    community_rates,
    due_deadline,
    fairness,
    gini,
    group_rates,
    is_on_time,
    member_points,
    overdue_whistles,
    rank_groups,
    unit_loads,
    unit_rates,
)
from gongjian.service.network import service as network
from gongjian.service.network.service import (
    CentralBy,
    centrality,
    cooperation_edges,
    cooperation_graph,
    coverage,
    find_gaps,
    rank_central,
)
from gongjian.service.network.views import stored_cooperation_edges


def _need(i: int, **kw: Any) -> Need:
    data = {
        "id": f"n{i}",
        "title": "测试",
        "category": "repair",
        "community_id": "c1",
        "quarter": "2026Q1",
        **kw,
    }
    return Need(**data)


def _unit(i: int, community: str = "c1", **kw: Any) -> Unit:
    return Unit(id=f"u{i}", name=f"单位{i}", type="enterprise", community_id=community, **kw)


@pytest.mark.parametrize("module", [network, metrics])
def test_doctests_pass(module: Any) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 5 and result.failed == 0


def test_public_names_are_exported() -> None:
    for module in (network, metrics):
        assert all(hasattr(module, name) for name in module.__all__)


# --------------------------------------------------------------------------- Gini


def test_gini_known_values() -> None:
    assert gini([]) is None
    assert gini([0, 0, 0]) == 0.0
    assert gini([0.4, 0.4, 0.4, 0.4]) == 0.0
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([0, 0, 0, 0, 1]) == pytest.approx(0.8)
    assert gini([3]) == 0.0


def _gini_by_definition(xs: list[float]) -> float:
    n, mean = len(xs), sum(xs) / len(xs)
    if mean == 0:
        return 0.0
    return sum(abs(a - b) for a in xs for b in xs) / (2 * n * n * mean)


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=30))
def test_gini_agrees_with_mean_absolute_difference(xs: list[float]) -> None:
    g = gini(xs)
    assert g is not None and g + 1e-12 >= 0.0 and g < 1.0
    assert g == pytest.approx(_gini_by_definition(xs), abs=1e-9)
    # scale-free and order-free
    assert gini([3 * x for x in reversed(xs)]) == pytest.approx(g, abs=1e-9)


# --------------------------------------------------------------------------- rates


def test_rates_definitions() -> None:
    needs = [
        _need(1),  # open
        _need(2, status="cancelled"),  # cancelled while open: not responded
        _need(3, status="cancelled", claimed_by="u1"),  # cancelled after claim: responded
        _need(4, status="claimed", claimed_by="u1"),
        _need(5, status="resolved", claimed_by="u2"),
        _need(6, status="followed_up", claimed_by="u2", satisfaction=4),
        _need(7, status="followed_up", claimed_by="u2", satisfaction=2),
        _need(8, status="followed_up", claimed_by="u1"),  # no satisfaction recorded: not rated
    ]
    g = group_rates("c1", "一", needs)
    assert (g.cases, g.response_rate.numerator, g.response_rate.denominator) == (8, 6, 8)
    assert (g.resolution_rate.numerator, g.resolution_rate.denominator) == (4, 6)
    assert (g.satisfaction_rate.numerator, g.satisfaction_rate.denominator) == (1, 2)
    assert g.mean_satisfaction == 3.0
    assert g.on_time_rate.denominator == 0 and g.on_time_rate.value is None

    empty = group_rates("c9", "空", [])
    for r in (
        empty.response_rate,
        empty.resolution_rate,
        empty.on_time_rate,
        empty.satisfaction_rate,
    ):
        assert r.value is None and r.denominator == 0
    assert empty.mean_satisfaction is None
    assert empty.model_dump(mode="json")["response_rate"]["value"] is None

    units = {g.id: g for g in unit_rates([_unit(1), _unit(2), _unit(3)], needs)}
    assert units["u1"].cases == 3 and units["u1"].resolution_rate.value == pytest.approx(1 / 3)
    assert units["u2"].satisfaction_rate.value == 0.5
    assert units["u3"].cases == 0 and units["u3"].response_rate.value is None

    communities = community_rates(
        [Community(id="c1", name="一"), Community(id="c2", name="二")], needs
    )
    assert [c.cases for c in communities] == [8, 0]


def test_rates_filter_by_quarter() -> None:
    needs = [
        _need(1, quarter="2026Q1"),
        _need(2, quarter="2026Q2", status="claimed", claimed_by="u1"),
    ]
    q2 = community_rates([Community(id="c1", name="一")], needs, quarter="2026Q2")[0]
    assert q2.cases == 1 and q2.response_rate.value == 1.0


def test_unit_cases_include_summons() -> None:
    deadline = datetime(2026, 5, 1, tzinfo=UTC)
    needs = [
        _need(1, whistle=True, summoned=["u1", "u2"], whistle_deadline=deadline,
              reports={"u1": deadline - timedelta(days=1)}),
        _need(2, whistle=True, summoned=["u1"], status="claimed", claimed_by="u1"),
    ]  # fmt: skip
    units = {g.id: g for g in unit_rates([_unit(1), _unit(2)], needs)}
    assert units["u1"].cases == 2 and units["u1"].response_rate.value == 1.0
    assert units["u1"].resolution_rate.denominator == 1  # only what it claimed
    assert units["u2"].cases == 1 and units["u2"].response_rate.value == 0.0


# --------------------------------------------------------------------------- on time


def test_due_day_ends_at_midnight_shanghai() -> None:
    due = date(2026, 3, 31)
    assert due_deadline(due) == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert is_on_time(datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC), due)
    assert not is_on_time(datetime(2026, 3, 31, 16, 0, 0, tzinfo=UTC), due)
    shanghai = timezone(timedelta(hours=8))
    assert is_on_time(datetime(2026, 3, 31, 23, 59, 59, tzinfo=shanghai), due)
    assert not is_on_time(datetime(2026, 4, 1, 0, 0, 0, tzinfo=shanghai), due)
    # early in the morning of the due day, Shanghai time, is the previous UTC day
    assert is_on_time(datetime(2026, 3, 30, 17, 0, tzinfo=UTC), due)
    # naive times are UTC, as the stores record them
    assert is_on_time(datetime(2026, 3, 31, 15, 59, 59), due)
    assert not is_on_time(datetime(2026, 3, 31, 16, 0, 1), due)


def test_on_time_rate_counts_only_judged_needs() -> None:
    due = date(2026, 3, 31)
    held = {"claimed_by": "u1", "due": due}
    needs = [
        _need(1, status="resolved", resolved_at=datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC), **held),
        _need(2, status="followed_up", satisfaction=5, resolved_at=datetime(2026, 3, 31, 16, tzinfo=UTC), **held),
        _need(3, status="resolved", **held),  # no resolved_at
        _need(4, status="resolved", claimed_by="u1", resolved_at=datetime(2026, 1, 1, tzinfo=UTC)),  # no due
        _need(5, status="in_progress", **held),  # not resolved
    ]  # fmt: skip
    g = group_rates("c1", "一", needs)
    assert (g.on_time_rate.numerator, g.on_time_rate.denominator) == (1, 2)


# --------------------------------------------------------------------------- rankings


def test_ranking_respects_min_cases_and_ties() -> None:
    def group(i: str, cases: int, resolved: int) -> Any:
        g = group_rates(i, i, [])
        return g.model_copy(
            update={"cases": cases, "resolution_rate": metrics.rate(resolved, cases)}
        )

    groups = [
        group("a", 4, 4),
        group("b", 5, 5),
        group("c", 10, 5),
        group("d", 6, 3),
        group("e", 0, 0),
    ]
    out = rank_groups(groups, min_cases=5, by=RankBy.resolution_rate)
    assert [(g.id, g.rank, g.ranked) for g in out] == [
        ("b", 1, True),
        ("c", 2, True),  # 0.5, more cases first
        ("d", 2, True),  # tie with c
        ("a", None, False),  # 100 % but too few cases
        ("e", None, False),
    ]
    assert all(not g.ranked for g in rank_groups(groups, min_cases=100))
    # a group with enough cases but an undefined rate is not ranked
    by_sat = rank_groups(groups, min_cases=0, by=RankBy.satisfaction_rate)
    assert all(g.rank is None for g in by_sat)


# --------------------------------------------------------------------------- fairness


def test_loads_count_needs_and_distinct_assignments() -> None:
    units = [_unit(1, capacity=10), _unit(2, capacity=4), _unit(3, capacity=0)]
    needs = [
        _need(1, effort=3, status="claimed", claimed_by="u1"),
        _need(2, effort=2, status="followed_up", claimed_by="u1", satisfaction=5),
        _need(3, effort=9, status="cancelled", claimed_by="u1"),  # cancelled: no load
        _need(4, effort=9, quarter="2026Q2", status="claimed", claimed_by="u1"),  # other quarter
        _need(5, effort=1),  # open
    ]
    acts = [
        Activity(id="a1", title="活动", joint_type="joint_services", quarter="2026Q1",
                 date=date(2026, 2, 1), community_id="c1", roles=[{"kind": "medical", "count": 2}]),
        Activity(id="a2", title="活动", joint_type="joint_services", quarter="2026Q2",
                 date=date(2026, 5, 1), community_id="c1", roles=[{"kind": "medical"}]),
    ]  # fmt: skip
    asg = [
        Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p1"),
        Assignment(activity_id="a1", unit_id="u2", role="medical", plan_id="p2"),  # same pair
        Assignment(activity_id="a2", unit_id="u2", role="medical"),  # other quarter
    ]
    loads = {x.unit_id: x for x in unit_loads(units, needs, acts, asg, quarter="2026Q1")}
    assert (loads["u1"].load, loads["u1"].needs, loads["u1"].ratio) == (5, 2, 0.5)
    assert (loads["u2"].load, loads["u2"].activities) == (ROLE_EFFORT, 1)
    assert loads["u2"].ratio == ROLE_EFFORT / 4
    assert loads["u3"].ratio is None
    f = fairness("2026Q1", list(loads.values()))
    assert f.max_load_ratio == 0.5 and f.max_load_units == ["u1", "u2"]
    assert f.gini == 0.0  # both units with capacity are at 0.5
    assert f.idle_units == 0 and f.overloaded_units == 0


def test_role_effort_is_the_planners() -> None:
    import inspect

    assert inspect.signature(compile_snapshot).parameters["role_effort"].default == ROLE_EFFORT


def test_fairness_all_zero_and_empty() -> None:
    zero = unit_loads([_unit(1), _unit(2)], [], [], [], quarter="2026Q1")
    f = fairness("2026Q1", zero)
    assert f.gini == 0.0 and f.max_load_ratio == 0.0 and f.idle_units == 2
    none = fairness("2026Q1", [])
    assert none.gini is None and none.max_load_ratio is None and none.max_load_units == []


# --------------------------------------------------------------------------- members, whistles


def test_member_points() -> None:
    units = [_unit(1), _unit(2)]
    comms = [Community(id="c1", name="一"), Community(id="c2", name="二")]
    members = [
        PartyMember(id="m1", name="甲", unit_id="u1", community_id="c1", points=50),
        PartyMember(id="m2", name="乙", unit_id="u2", community_id="c1", points=80),
        PartyMember(id="m3", name="丙", unit_id="u2", community_id="c2", points=50),
        PartyMember(id="m4", name="丁", unit_id="u1", community_id="c2", points=10),
    ]
    out = member_points(members, units, comms)
    assert [(m.rank, m.id) for m in out.items] == [(1, "m2"), (2, "m1"), (2, "m3"), (4, "m4")]
    assert [(t.id, t.members, t.points) for t in out.units] == [("u2", 2, 130), ("u1", 2, 60)]
    assert [(t.id, t.points) for t in out.communities] == [("c1", 130), ("c2", 60)]
    c2 = member_points(members, units, comms, community_id="c2", limit=1)
    assert [m.id for m in c2.items] == ["m3"] and c2.total_points == 60 and c2.total_members == 2
    assert member_points(members, units, comms, unit_id="u9").total_members == 0


def test_overdue_whistles() -> None:
    deadline = datetime(2026, 11, 1, 12, tzinfo=UTC)
    needs = [
        _need(1, whistle=True, summoned=["u1", "u2"], whistle_deadline=deadline,
              reports={"u1": deadline}),  # u1 exactly on the deadline is in time
        _need(2, whistle=True, summoned=["u1"], whistle_deadline=deadline, status="cancelled"),
        _need(3, whistle=True, summoned=["u1"]),  # no deadline
        _need(4, summoned=["u1"], whistle_deadline=deadline),  # not a whistle
    ]  # fmt: skip
    assert overdue_whistles(needs, deadline) == []  # not past yet
    late = overdue_whistles(needs, deadline + timedelta(seconds=1))
    assert [(w.need_id, w.late_units) for w in late] == [("n1", ["u2"])]
    naive = overdue_whistles(needs, datetime(2026, 11, 2))
    assert [w.need_id for w in naive] == ["n1"]


# --------------------------------------------------------------------------- network


def _tiny() -> tuple[list[Unit], list[Community], list[Any]]:
    """u1 — c1 — u3 — c2 — u2 (u3 located in c1, paired with c2); u1 served c1 three times."""
    units = [_unit(1, "c1"), _unit(2, "c2"), _unit(3, "c1")]
    comms = [Community(id="c1", name="一"), Community(id="c2", name="二")]
    needs = [_need(i, status="claimed", claimed_by="u1") for i in range(3)]
    edges = cooperation_edges(units, [Pairing(unit_id="u3", community_id="c2")], needs, [], [])
    return units, comms, edges


def test_cooperation_edges_types_and_weights() -> None:
    _, _, edges = _tiny()
    got = {(e.source, e.target, e.type): e.weight for e in edges}
    assert got == {
        ("Community:c1", "Unit:u1", "LOCATED_IN"): 1,
        ("Community:c1", "Unit:u1", "SERVED"): 3,
        ("Community:c2", "Unit:u2", "LOCATED_IN"): 1,
        ("Community:c1", "Unit:u3", "LOCATED_IN"): 1,
        ("Community:c2", "Unit:u3", "PAIRED_WITH"): 1,
    }


def test_betweenness_ranking_on_a_tiny_graph() -> None:
    units, comms, edges = _tiny()
    g = cooperation_graph(units, comms, edges)
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 4
    rows = centrality(g)
    by_id = {r.id: r for r in rows}
    # a path of five nodes: the middle one lies on 4 of the 6 pairs of the others
    assert by_id["u3"].betweenness == pytest.approx(4 / 6)
    assert by_id["u1"].betweenness == 0.0 and by_id["u2"].betweenness == 0.0
    assert by_id["u1"].degree == 4 and by_id["u3"].degree == 2 and by_id["u1"].neighbours == 1
    assert [r.id for r in rank_central(rows, by=CentralBy.betweenness)] == ["u3", "u1", "u2"]
    assert [r.id for r in rank_central(rows, by=CentralBy.degree)] == ["u1", "u3", "u2"]
    assert [(r.rank, r.id) for r in rank_central(rows, by=CentralBy.degree, limit=1)] == [(1, "u1")]


def test_cooperation_edges_agree_with_the_store(tmp_path: Any) -> None:
    """The whole-graph edges (those ``/network/central`` ranks) equal the union of the
    store's own 1-hop networks."""
    store = EmbeddedStore(tmp_path / "g.sqlite")
    store.migrate()
    try:
        load_network(store, load_xingcheng())
        units = store.list(Unit, limit=None)
        ours = stored_cooperation_edges(store, units)
        theirs = set()
        for u in units:
            for e in store.cooperation_network("Unit", u.id, 1).edges:
                theirs.add((e.source, e.target, e.type, e.weight))
        assert {(e.source, e.target, e.type, e.weight) for e in ours} == theirs
    finally:
        store.close()


def _snapshot(**kw: Any) -> Snapshot:
    data: dict[str, Any] = {
        "quarter": "2026Q4",
        "communities": [Community(id=c, name=c) for c in ("c1", "c2", "c3", "c4")],
        "adjacency": [("c1", "c2"), ("c2", "c3")],
        "units": [_unit(1, "c1"), _unit(2, "c3"), _unit(4, "c4")],
        "resources": [
            Resource(id="r1", unit_id="u1", kind="medical", name="义诊", capacity=2),
            Resource(id="r2", unit_id="u2", kind="library", name="阅览", capacity=1),
            Resource(
                id="r3", unit_id="u4", kind="repair", name="维修", capacity=1, quarters=["2026Q3"]
            ),
        ],
        "needs": [],
        "activities": [],
        "pairings": [],
        "history": [],
    }
    data.update(kw)
    return Snapshot(**data)


def test_coverage_by_distance_and_quarter() -> None:
    s = _snapshot()
    args = (s.communities, s.adjacency, s.units, s.resources)
    near = {
        k.kind.value: [u.id for u in k.units] for k in coverage("c2", *args, max_distance=1).kinds
    }
    assert near["medical"] == ["u1"] and near["library"] == ["u2"] and near["repair"] == []
    zero = coverage("c2", *args, max_distance=0)
    assert all(k.count == 0 for k in zero.kinds) and len(zero.uncovered) == len(zero.kinds)
    own = coverage("c4", *args, max_distance=0)
    assert [k.kind.value for k in own.kinds if k.count] == ["repair"]
    assert [k.kind.value for k in coverage("c4", *args, quarter="2026Q4").kinds if k.count] == []
    far = coverage("c1", *args, max_distance=2)
    assert [(u.id, u.distance) for u in far.kinds[3].units] == [("u2", 2)]  # library


def test_gaps_follow_the_compiler() -> None:
    needs = [
        _need(1, category="medical", community_id="c3", quarter="2026Q4"),  # u1 two steps away
        _need(2, category="library", community_id="c1", quarter="2026Q4"),  # u2 two steps away
        _need(3, category="repair", community_id="c4", quarter="2026Q4"),  # only offered in Q3
        _need(4, category="medical", community_id="c4", quarter="2026Q4"),  # c4 not connected
        _need(5, category="employment", community_id="c1", quarter="2026Q4"),  # nobody
    ]
    s = _snapshot(needs=needs)
    for d in (0, 1, 2, 5):
        gaps = find_gaps(s, max_distance=d)
        problem = compile_snapshot(s, max_distance=d)
        assert {g.need_id for g in gaps.gaps} == {n.id for n in problem.needs if not n.candidates}
    two = {g.need_id: g.reason for g in find_gaps(s, max_distance=2).gaps}
    assert two == {
        "n3": "no_eligible_unit",
        "n4": "beyond_distance_limit",
        "n5": "no_eligible_unit",
    }
    one = {g.need_id: g.reason for g in find_gaps(s, max_distance=1).gaps}
    assert one["n1"] == "beyond_distance_limit" and one["n2"] == "beyond_distance_limit"
    assert find_gaps(s).by_reason == {"beyond_distance_limit": 1, "no_eligible_unit": 2}


def test_graphml_keeps_chinese_and_stringifies() -> None:
    g = nx.MultiDiGraph()
    g.add_node("Unit:u1", label="Unit", name="燕化医院星城分院", weekdays=[1, 3], reports={"u1": "x"},
               brand=None, capacity=7, whistle=False)  # fmt: skip
    g.add_node("Community:c1", label="Community", name="第七社区")
    g.add_edge("Unit:u1", "Community:c1", type="LOCATED_IN")
    g.add_edge("Unit:u1", "Community:c1", type="PAIRED_WITH")
    back = nx.parse_graphml(network.graphml_bytes(g).decode("utf-8"))
    node = back.nodes["Unit:u1"]
    assert node["name"] == "燕化医院星城分院" and node["weekdays"] == "[1, 3]"
    assert node["capacity"] == 7 and node["whistle"] is False and "brand" not in node
    assert back.number_of_edges() == 2
    assert sorted(d["type"] for _, _, d in back.edges(data=True)) == ["LOCATED_IN", "PAIRED_WITH"]


def test_betweenness_is_sampled_deterministically_on_large_graphs() -> None:
    g = nx.barabasi_albert_graph(60, 2, seed=3)
    g = nx.relabel_nodes(g, {i: f"Unit:u{i}" if i % 3 else f"Community:c{i}" for i in g})
    nx.set_edge_attributes(g, 1, "weight")
    exact = {r.id: r.betweenness for r in centrality(g)}
    sampled = centrality(g, exact_up_to=10, pivots=20)
    assert sampled == centrality(g, exact_up_to=10, pivots=20)
    assert {r.id: r.betweenness for r in sampled} != exact
    assert {r.id: r.betweenness for r in centrality(g, exact_up_to=10, pivots=60)} == pytest.approx(
        exact
    )
