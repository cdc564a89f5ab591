"""Unmet-need reason codes, infeasibility explanations and the rendered account."""

from __future__ import annotations

from gongjian.matching.examples import example_problem
from gongjian.matching.explain import render_plan
from gongjian.matching.problem import Candidate, Need, Unit
from gongjian.matching.solver import solve

from .planner_helpers import act, need, problem, role, run, units, weights


def _reasons(plan) -> dict[str, str]:
    return {u.item: u.reason for u in plan.unmet}


def test_no_eligible_unit() -> None:
    plan, _ = run(
        problem(units(A=5), [need("n1", {}), need("n2", {"A": 5})], forbidden=[("n2", "A")])
    )
    assert _reasons(plan) == {"n1": "no_eligible_unit", "n2": "no_eligible_unit"}


def test_beyond_distance_limit() -> None:
    far = Need(
        id="n1", candidates=[Candidate(unit="A", effort=1, score=9, beyond_distance_limit=True)]
    )
    counted = Need(id="n2", excluded_by_distance=3)
    plan, got = run(problem(units(A=5), [far, counted]))
    assert got == {}
    assert _reasons(plan) == {"n1": "beyond_distance_limit", "n2": "beyond_distance_limit"}


def test_eligible_units_full_and_lost_to_higher_priority() -> None:
    needs = [
        need("hi", {"A": 10}, priority=5),
        need("lo", {"A": 10}, priority=1),
        need("same1", {"B": 10}, priority=3),
        need("same2", {"B": 10}, priority=3),
    ]
    plan, got = run(problem(units(A=1, B=1), needs, w=weights(fit=1, coverage=10)))
    assert got["hi"] == ["A"]
    r = _reasons(plan)
    assert r["lo"] == "lost_to_higher_priority"
    assert sorted(r.values()) == ["eligible_units_full", "lost_to_higher_priority"]


def test_net_benefit_negative() -> None:
    plan, got = run(problem(units(A=5), [need("n1", {"A": -1})]))
    assert got == {} and _reasons(plan) == {"n1": "net_benefit_negative"}


def test_unmet_details_and_conflicts_name_units() -> None:
    """Staff read unit names, not ids, in why a need stayed unmet and in conflicts."""
    us = [
        Unit(id="u01", name="星城小学", capacity=1),
        Unit(id="u02", name="星城派出所", capacity=1),
        Unit(id="u03", name="燕化医院", capacity=5),
    ]
    needs = [
        need("hi", {"u01": 10}, priority=5),
        need("lo", {"u01": 10}, priority=1),
        need("same1", {"u02": 10}, priority=3),
        need("same2", {"u02": 10}, priority=3),
    ]
    plan, _ = run(problem(us, needs, w=weights(fit=1, coverage=10)))
    detail = {u.item: (u.reason, u.detail) for u in plan.unmet}
    assert detail["lo"] == ("lost_to_higher_priority", "星城小学 承担了优先级更高的需求")
    (full,) = [d for k, d in detail.items() if k.startswith("same")]
    assert full[0] == "eligible_units_full" and "星城派出所 工作量已用 1/1" in full[1]
    assert not any("u0" in d for _, d in detail.values())
    plan, _ = run(problem(us, [need("loss", {"u03": -1})]))
    assert [u.detail for u in plan.unmet] == ["燕化医院 等单位尚有容量"]
    pins = [need("p1", {"u01": (1, 1)}), need("p2", {"u01": (1, 1)})]
    plan, _ = run(problem(us, pins, pinned=[("p1", "u01"), ("p2", "u01")]))
    (c,) = [c for c in plan.conflicts if c.code == "pins_exceed_capacity"]
    assert "星城小学" in c.message_zh and "u01" not in c.message_zh and c.units == ["u01"]


def test_conflicting_pins_are_named() -> None:
    n = need("n1", {"A": 1, "B": 1})
    plan, _ = run(problem(units(A=5, B=5), [n], pinned=[("n1", "A"), ("n1", "B")]))
    assert plan.status == "infeasible"
    assert [c.code for c in plan.conflicts] == ["need_pinned_twice"]
    plan, _ = run(problem(units(A=5, B=5), [n], pinned=[("n1", "A")], forbidden=[("n1", "A")]))
    assert plan.conflicts[0].code == "pin_forbidden"


def test_pins_exceeding_capacity() -> None:
    needs = [need("n1", {"A": (1, 3)}), need("n2", {"A": (1, 3)})]
    plan, _ = run(problem(units(A=5), needs, pinned=[("n1", "A"), ("n2", "A")]))
    assert plan.status == "infeasible"
    assert any(c.code == "pins_exceed_capacity" and c.units == ["A"] for c in plan.conflicts)


def test_pinned_two_activities_one_date() -> None:
    acts = [act("a", [role("r", {"A": 1, "B": 1})]), act("b", [role("r", {"A": 1, "B": 1})])]
    plan, _ = run(problem(units(A=5, B=5), acts=acts, pinned=[("a/r", "A"), ("b/r", "A")]))
    assert plan.status == "infeasible"
    c = [c for c in plan.conflicts if c.code == "pinned_two_activities_one_date"]
    assert c and set(c[0].items) == {"a", "b"} and "A" in c[0].message_zh


def test_impossible_max_units() -> None:
    a = act("a", [role("r1", {"A": 1}), role("r2", {"B": 1})], max_units=1)
    plan, _ = run(problem(units(A=5, B=5), acts=[a]))
    assert [c.code for c in plan.conflicts] == ["activity_max_below_roles"]


def test_core_names_capacity_and_required_needs() -> None:
    # not obvious to the precheck: two required needs, one unit, room for one
    needs = [
        need("n1", {"A": (5, 2)}, required=True),
        need("n2", {"A": (5, 2)}, required=True),
        need("n3", {"A": (5, 1)}),
    ]
    plan, _ = run(problem(units(A=3), needs))
    assert plan.status == "infeasible"
    codes = sorted(c.code for c in plan.conflicts)
    assert codes == ["capacity", "required_need"]
    assert any("n1" in c.items and "n2" in c.items for c in plan.conflicts)


def test_core_names_date_rule() -> None:
    # two required roles on one date, only unit A can do either
    acts = [act("a", [role("r", {"A": 1})]), act("b", [role("r", {"A": 1})])]
    plan, _ = run(problem(units(A=5), acts=acts))
    assert plan.status == "infeasible"
    codes = {c.code for c in plan.conflicts}
    assert "two_activities_one_date" in codes and "role_count" in codes


def test_render_plan_in_chinese() -> None:
    p = example_problem()
    plan = solve(p, time_limit=5)
    text = render_plan(plan, p)
    assert "计划" in text and "分配" in text and "匹配分" in text
    bad = problem(units(A=5), acts=[act("a", [role("r", {"A": 1}, count=2)])])
    plan2 = solve(bad, time_limit=2)
    text2 = render_plan(plan2)
    assert "role_too_few_units" in text2 and "无法同时满足" in text2


def test_two_independent_conflicts_are_both_reported() -> None:
    needs = [need("n1", {"A": (5, 2)}, required=True), need("n2", {"A": (5, 2)}, required=True)]
    acts = [act("a", [role("r", {"B": 1})]), act("b", [role("r", {"B": 1})])]
    plan, _ = run(problem(units(A=3, B=5), needs, acts))
    assert plan.status == "infeasible"
    groups: dict[int, set[str]] = {}
    for c in plan.conflicts:
        groups.setdefault(c.group, set()).add(c.code)
    assert sorted(map(sorted, groups.values())) == [
        ["capacity", "required_need"],
        ["role_count", "two_activities_one_date"],
    ]
    assert "冲突 2" in render_plan(plan)
