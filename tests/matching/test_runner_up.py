"""The runner-up of each decision (次选) and why it lost: full, farther, less suitable, …

Each case is a small problem solved by the real planner; the runner-up is read
from the problem and the plan it returned.
"""

from __future__ import annotations

from gongjian.matching.explain import render_plan, runner_ups
from gongjian.matching.problem import Activity, Candidate, Need, Problem, RoleSlot, Unit
from gongjian.matching.solver import solve


def _c(unit: str, effort: int = 2, **parts: int) -> Candidate:
    return Candidate(unit=unit, effort=effort, score=sum(parts.values()), parts=parts)


def _units(*caps: tuple[str, int]) -> list[Unit]:
    return [Unit(id=u, name=f"单位{u}", capacity=c) for u, c in caps]


def test_the_runner_up_lost_because_it_was_full() -> None:
    # u2 fits n1 almost as well as u1, but n2 (only u2 can take it) fills u2
    p = Problem(
        units=_units(("u1", 4), ("u2", 4)),
        needs=[
            Need(id="n1", candidates=[_c("u1", suitability=20), _c("u2", suitability=19)]),
            Need(id="n2", priority=5, candidates=[_c("u2", effort=4, suitability=20)]),
        ],
    )
    plan = solve(p, time_limit=5, seed=1)
    assert {(a.item, a.unit) for a in plan.assignments} == {("n1", "u1"), ("n2", "u2")}
    ru = runner_ups(p, plan)["n1"]
    assert (ru.unit, ru.reason, ru.reason_zh) == ("u2", "full", "满额")
    assert "4/4" in ru.detail
    assert runner_ups(p, plan)["n2"].reason == "only_candidate"
    assert "次选 单位u2（满额" in render_plan(plan, p)


def test_the_runner_up_lost_because_it_was_farther() -> None:
    # u2 is paired (+5) but 3 km farther (−6): it loses on distance, the part it loses most on
    p = Problem(
        units=_units(("u1", 10), ("u2", 10)),
        needs=[
            Need(
                id="n1",
                candidates=[
                    _c("u1", suitability=20, distance=-1, pairing=0),
                    _c("u2", suitability=20, distance=-7, pairing=5),
                ],
            )
        ],
    )
    plan = solve(p, time_limit=5, seed=1)
    assert [(a.item, a.unit) for a in plan.assignments] == [("n1", "u1")]
    ru = runner_ups(p, plan)["n1"]
    assert (ru.unit, ru.reason, ru.reason_zh) == ("u2", "farther", "更远")
    assert ru.detail.startswith("距离 -7 对 -1")


def test_the_runner_up_lost_because_it_was_less_suitable() -> None:
    # three candidates: the runner-up is the best other by fit (u3, not u2)
    p = Problem(
        units=_units(("u1", 10), ("u2", 10), ("u3", 10)),
        needs=[
            Need(
                id="n1",
                candidates=[
                    _c("u1", suitability=20, distance=-2),
                    _c("u2", suitability=4, distance=-2),
                    _c("u3", suitability=12, distance=-1),
                ],
            )
        ],
    )
    plan = solve(p, time_limit=5, seed=1)
    assert [(a.item, a.unit) for a in plan.assignments] == [("n1", "u1")]
    ru = runner_ups(p, plan)["n1"]
    assert (ru.unit, ru.reason, ru.reason_zh) == ("u3", "less_suitable", "适配度低")
    assert ru.score == 11 and ru.parts == {"suitability": 12, "distance": -1}


def test_a_role_runner_up_at_another_activity_that_day_and_a_pinned_decision() -> None:
    day = "2026-12-12"
    role = [RoleSlot(id="r1", kind="medical", candidates=[_c("u1", suitability=20), _c("u2", suitability=15)])]  # fmt: skip
    other = [RoleSlot(id="r1", kind="medical", candidates=[_c("u2", suitability=20)])]
    p = Problem(
        units=_units(("u1", 10), ("u2", 10)),
        activities=[
            Activity(id="a1", joint_type="joint_services", community="c1", date=day, roles=role),
            Activity(id="a2", joint_type="joint_services", community="c2", date=day, roles=other),
        ],
        pinned=[{"item": "a1/r1", "unit": "u1"}],
    )
    plan = solve(p, time_limit=5, seed=1)
    assert {(a.item, a.unit) for a in plan.assignments} == {("a1/r1", "u1"), ("a2/r1", "u2")}
    ru = runner_ups(p, plan)["a1/r1|u1"]
    assert (ru.unit, ru.reason) == ("u2", "pinned")  # the committee's pin comes first
    unpinned = p.model_copy(update={"pinned": []})
    ru = runner_ups(unpinned, plan.model_copy(update={"assignments": [
        a.model_copy(update={"pinned": False}) for a in plan.assignments]}))["a1/r1"]  # fmt: skip
    assert (ru.unit, ru.reason, ru.reason_zh) == ("u2", "same_day", "同日另有活动")
    assert "a2" in ru.detail
