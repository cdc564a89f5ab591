"""The compiler from a graph snapshot to a planner problem."""

from __future__ import annotations

from datetime import date

import pytest

from gongjian.graph import model as m
from gongjian.matching.from_graph import FitRules, compile_snapshot
from gongjian.seeds.xingcheng import load_xingcheng


def _sports_day(id: str, title: str, day: date, kinds: list[str], min_units: int = 1) -> m.Activity:
    """A 2026Q4 joint sports day in c1 with one role of each of ``kinds``."""
    return m.Activity(
        id=id,
        title=title,
        joint_type="joint_activities",
        quarter="2026Q4",
        date=day,
        community_id="c1",
        roles=[m.ActivityRole(kind=k) for k in kinds],
        min_units=min_units,
    )


def _snapshot(**over: object) -> m.Snapshot:
    """A line of four communities c1–c2–c3–c4; units in c1, c2, c4."""
    base = dict(
        quarter="2026Q4",
        communities=[m.Community(id=f"c{i}", name=f"第{i}社区") for i in range(1, 5)],
        adjacency=[("c1", "c2"), ("c2", "c3"), ("c3", "c4")],
        units=[
            m.Unit(id="u1", name="星城中学", type="school", community_id="c1", capacity=10),
            m.Unit(id="u2", name="燕化医院", type="hospital", community_id="c2", capacity=8),
            m.Unit(id="u4", name="社区医院", type="hospital", community_id="c4", capacity=8),
        ],
        resources=[
            m.Resource(
                id="r1", unit_id="u1", kind="venue_sports", name="操场", capacity=3, weekdays=[6, 7]
            ),
            m.Resource(id="r2", unit_id="u2", kind="medical", name="义诊", capacity=4),
            m.Resource(id="r3", unit_id="u2", kind="medical", name="体检", capacity=2),
            m.Resource(id="r4", unit_id="u4", kind="medical", name="巡诊", capacity=5),
            m.Resource(
                id="r5",
                unit_id="u1",
                kind="education",
                name="讲座",
                capacity=2,
                quarters=["2026Q1"],
            ),
        ],
        needs=[
            m.Need(
                id="n1", title="老人体检", category="medical", community_id="c1", quarter="2026Q4"
            ),
            m.Need(
                id="n2", title="法律咨询", category="legal_aid", community_id="c1", quarter="2026Q4"
            ),
            m.Need(
                id="n3", title="家长课堂", category="education", community_id="c1", quarter="2026Q4"
            ),
            m.Need(
                id="n4",
                title="地下室隐患",
                category="medical",
                community_id="c3",
                quarter="2026Q4",
                whistle=True,
                priority=2,
                effort=3,
            ),
        ],
        activities=[
            _sports_day("a1", "周末运动会", date(2026, 10, 17), ["venue_sports", "medical"], 3),
            _sports_day("a2", "周三运动会", date(2026, 10, 14), ["venue_sports"]),
        ],
        pairings=[m.Pairing(unit_id="u2", community_id="c1")],
        history=[("u2", "c1", 9), ("u4", "c3", 2)],
    )
    base.update(over)
    return m.Snapshot(**base)


def _cands(problem, need_id: str) -> dict[str, object]:
    need = next(n for n in problem.needs if n.id == need_id)
    return {c.unit: c for c in need.candidates}


def test_candidates_need_the_kind_in_the_quarter() -> None:
    p = compile_snapshot(_snapshot())
    assert set(_cands(p, "n1")) == {"u2"}  # u4 is 3 steps from c1
    assert _cands(p, "n2") == {}  # nobody offers legal aid
    assert _cands(p, "n3") == {}  # education only in 2026Q1
    assert set(_cands(compile_snapshot(_snapshot(quarter="2026Q1"), max_distance=5), "n3")) == {
        "u1"
    }


@pytest.mark.parametrize(
    ("max_distance", "eligible", "too_far"), [(0, set(), 2), (1, {"u2"}, 1), (3, {"u2", "u4"}, 0)]
)
def test_distance_limit(max_distance: int, eligible: set[str], too_far: int) -> None:
    p = compile_snapshot(_snapshot(), max_distance=max_distance)
    assert set(_cands(p, "n1")) == eligible
    assert next(n for n in p.needs if n.id == "n1").excluded_by_distance == too_far


def test_fit_parts_and_score() -> None:
    c = _cands(compile_snapshot(_snapshot()), "n1")["u2"]
    assert c.parts == {
        # the suitability table rates a hospital's medical resource 100 for a medical need
        "suitability": 100 // FitRules.suitability_divisor,
        "distance": FitRules.per_step,
        "pairing": FitRules.pairing,
        "cooperation": FitRules.cooperation_max,  # 9 past cases, capped
    }
    assert c.score == sum(c.parts.values())
    far = _cands(compile_snapshot(_snapshot()), "n4")
    assert far["u4"].parts["cooperation"] == 2 and far["u4"].parts["pairing"] == 0
    assert far["u4"].effort == 3


def test_whistle_needs_get_top_priority() -> None:
    p = compile_snapshot(_snapshot())
    assert next(n for n in p.needs if n.id == "n4").priority == 5
    assert next(n for n in p.needs if n.id == "n1").priority == 3


def test_roles_respect_weekdays_and_kind_capacity() -> None:
    # planned before the activities' dates (later, they are left out: see test_fidelity)
    p = compile_snapshot(_snapshot(), today=date(2026, 10, 1))
    a1, a2 = p.activities
    assert [c.unit for c in a1.roles[0].candidates] == ["u1"]  # Saturday: the field is open
    assert a2.roles[0].candidates == []  # Wednesday: it is not
    assert a1.min_units == 2  # 3 asked, only two distinct units can take part
    assert next(u for u in p.units if u.id == "u2").kind_capacity == {"medical": 6}


def test_xingcheng_quarter_compiles_with_grouped_needs() -> None:
    from gongjian.seeds.network import SeedNetwork

    net: SeedNetwork = load_xingcheng()
    ents = net.entities
    snap = m.Snapshot(
        quarter="2026Q4",
        communities=[e for e in ents if isinstance(e, m.Community)],
        adjacency=net.adjacency,
        units=[e for e in ents if isinstance(e, m.Unit)],
        resources=[e for e in ents if isinstance(e, m.Resource) and e.available_in("2026Q4")],
        needs=[
            e
            for e in ents
            if isinstance(e, m.Need) and e.quarter == "2026Q4" and e.status == "open"
        ],
        activities=[e for e in ents if isinstance(e, m.Activity) and e.quarter == "2026Q4"],
        pairings=net.pairings,
        history=[],
    )
    p = compile_snapshot(snap)
    assert len(p.needs) == len(snap.needs) > 20
    assert any(n.candidates for n in p.needs) and any(not n.candidates for n in p.needs)
    groups = {n.category for n in p.needs}
    assert len(groups) < len(p.needs)  # some needs are interchangeable
    for n in p.needs:
        for c in n.candidates:
            assert c.score == sum(c.parts.values()) and c.effort >= 1
