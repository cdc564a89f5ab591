"""Each hard rule: a case where it binds (plan changes or infeasible) and one where it doesn't."""

from __future__ import annotations

from gongjian.matching.examples import district_problem
from gongjian.matching.problem import Unit
from gongjian.matching.solver import check_plan, solve

from .planner_helpers import D1, D2, act, need, problem, role, run, units


def test_eligibility_only_candidates() -> None:
    # B is much better in general but not a candidate of n1
    p = problem(units(A=5, B=5), [need("n1", {"A": 10}), need("n2", {"B": 90})])
    _, got = run(p)
    assert got == {"n1": ["A"], "n2": ["B"]}
    # binding: once B is a candidate of n1 the plan changes
    p2 = problem(units(A=5, B=5), [need("n1", {"A": 10, "B": 90}), need("n2", {"B": 90})])
    _, got2 = run(p2)
    assert got2["n1"] == ["B"]


def test_capacity_binds() -> None:
    needs = [need("n1", {"A": (50, 2), "B": (10, 2)}), need("n2", {"A": (50, 2), "B": (10, 2)})]
    _, loose = run(problem(units(A=4, B=4), needs))
    assert loose == {"n1": ["A"], "n2": ["A"]}
    _, tight = run(problem(units(A=3, B=4), needs))
    assert sorted(u for v in tight.values() for u in v) == ["A", "B"]


def test_kind_capacity_binds() -> None:
    needs = [
        need("n1", {"A": 50, "B": 10}, kind="medical"),
        need("n2", {"A": 50, "B": 10}, kind="medical"),
    ]
    _, loose = run(problem(units(A=5, B=5), needs))
    assert loose == {"n1": ["A"], "n2": ["A"]}
    us = [Unit(id="A", capacity=5, kind_capacity={"medical": 1}), Unit(id="B", capacity=5)]
    _, tight = run(problem(us, needs))
    assert sorted(u for v in tight.values() for u in v) == ["A", "B"]
    # a kind cap on another kind does not bind
    us2 = [Unit(id="A", capacity=5, kind_capacity={"legal": 0}), Unit(id="B", capacity=5)]
    _, other = run(problem(us2, needs))
    assert other == {"n1": ["A"], "n2": ["A"]}


def test_required_role_exact_count() -> None:
    # all three have negative score: an optional role would stay empty
    spec = {"A": -5, "B": -6, "C": -7}
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [role("r", spec, count=2)])]))
    assert got == {"a/r": ["A", "B"]}
    _, got = run(
        problem(units(A=5, B=5, C=5), acts=[act("a", [role("r", spec, count=2, required=False)])])
    )
    assert got == {}
    # with positive scores an optional role takes at most count
    pos = {"A": 5, "B": 6, "C": 7}
    _, got = run(
        problem(units(A=5, B=5, C=5), acts=[act("a", [role("r", pos, count=2, required=False)])])
    )
    assert got == {"a/r": ["B", "C"]}


def test_required_role_impossible_count_is_infeasible() -> None:
    p = problem(units(A=5, B=5), acts=[act("a", [role("r", {"A": 1, "B": 1}, count=3)])])
    plan, _ = run(p)
    assert plan.status == "infeasible"
    assert any(c.code == "role_too_few_units" and "a/r" in c.items for c in plan.conflicts)


def test_activity_min_max_units() -> None:
    r1 = role("r1", {"A": 5, "B": 5}, count=2, required=False)
    r2 = role("r2", {"C": 5}, count=1, required=False)
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r1, r2])]))
    assert sum(len(v) for v in got.values()) == 3
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r1, r2], max_units=1)]))
    assert sum(len(v) for v in got.values()) == 1
    neg = role("r1", {"A": -5, "B": -6}, count=2, required=False)
    _, got = run(problem(units(A=5, B=5), acts=[act("a", [neg])]))
    assert got == {}
    _, got = run(problem(units(A=5, B=5), acts=[act("a", [neg], min_units=2)]))
    assert got == {"a/r1": ["A", "B"]}


def test_no_unit_twice_in_one_activity() -> None:
    r1 = role("r1", {"A": 50, "B": 10})
    r2 = role("r2", {"A": 50, "C": 5})
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r1, r2])]))
    assert got == {"a/r1": ["A"], "a/r2": ["C"]} or got == {"a/r1": ["B"], "a/r2": ["A"]}
    # in two different activities on different dates A can do both
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r1]), act("b", [r2], date=D2)]))
    assert got == {"a/r1": ["A"], "b/r2": ["A"]}


def test_one_activity_per_unit_and_date() -> None:
    r1 = role("r", {"A": 50, "B": 10})
    r2 = role("r", {"A": 50, "C": 5})
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r1]), act("b", [r2], date=D1)]))
    assert sorted([got["a/r"][0], got["b/r"][0]]) != ["A", "A"]
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r1]), act("b", [r2], date=D2)]))
    assert got == {"a/r": ["A"], "b/r": ["A"]}


def test_unavailable_dates() -> None:
    us = [Unit(id="A", capacity=5, unavailable_dates=[D1]), Unit(id="B", capacity=5)]
    r = role("r", {"A": 50, "B": 10})
    _, got = run(problem(us, acts=[act("a", [r], date=D1)]))
    assert got == {"a/r": ["B"]}
    _, got = run(problem(us, acts=[act("a", [r], date=D2)]))
    assert got == {"a/r": ["A"]}


def test_pins_and_forbids() -> None:
    needs = [need("n1", {"A": 50, "B": 10})]
    _, got = run(problem(units(A=5, B=5), needs))
    assert got == {"n1": ["A"]}
    _, got = run(problem(units(A=5, B=5), needs, pinned=[("n1", "B")]))
    assert got == {"n1": ["B"]}
    _, got = run(problem(units(A=5, B=5), needs, forbidden=[("n1", "A")]))
    assert got == {"n1": ["B"]}
    _, got = run(problem(units(A=5, B=5), needs, forbidden=[("n1", "B")]))
    assert got == {"n1": ["A"]}
    r = role("r", {"A": 50, "B": 10, "C": 0}, count=2)
    _, got = run(problem(units(A=5, B=5, C=5), acts=[act("a", [r])], pinned=[("a/r", "C")]))
    assert got == {"a/r": ["A", "C"]}


def test_required_need() -> None:
    n = need("n1", {"A": -30}, required=True)
    _, got = run(problem(units(A=5), [n]))
    assert got == {"n1": ["A"]}
    n2 = need("n1", {"A": -30}, required=False)
    plan, got = run(problem(units(A=5), [n2]))
    assert got == {}
    assert plan.unmet[0].reason == "net_benefit_negative"


def test_decompose_engine_respects_rules() -> None:
    p = district_problem(60, 500, 30, seed=5)
    plan = solve(p, time_limit=3, engine="decompose")
    assert plan.status in ("optimal", "feasible")
    assert check_plan(p, plan) == []
    assert plan.bound >= plan.objective
    exact = solve(p, time_limit=10, engine="exact")
    assert check_plan(p, exact) == []
    # both bounds are valid: each is at least the other engine's objective
    assert exact.bound >= plan.objective
    assert plan.bound >= exact.objective


def test_varying_efforts_use_surrogate_hint_and_valid_bound() -> None:
    import numpy as np

    p = district_problem(60, 600, 20, seed=6)
    rng = np.random.default_rng(0)
    for n in p.needs:
        n.candidates = [
            c.model_copy(update={"effort": int(rng.integers(1, 4))}) for c in n.candidates
        ]
    plan = solve(p, time_limit=4)
    assert plan.engine == "exact" and plan.status in ("optimal", "feasible")
    assert check_plan(p, plan) == []
    assert plan.bound >= plan.objective
