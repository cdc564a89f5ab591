"""Each soft goal: a case where its weight changes the plan; determinism."""

from __future__ import annotations

from gongjian.matching.examples import district_problem, example_problem
from gongjian.matching.objective import evaluate, fairness_penalty
from gongjian.matching.solver import solve

from .planner_helpers import act, need, problem, role, run, units, weights


def test_fit_weight() -> None:
    # A fits better; B is kept from the previous plan (stability 10)
    needs = [need("n1", {"A": 55, "B": 50})]
    prev = [("n1", "B")]
    _, got = run(problem(units(A=5, B=5), needs, previous=prev, w=weights(fit=1, stability=10)))
    assert got == {"n1": ["B"]}
    _, got = run(problem(units(A=5, B=5), needs, previous=prev, w=weights(fit=3, stability=10)))
    assert got == {"n1": ["A"]}


def test_coverage_weight_prefers_priority() -> None:
    # one place at A; low-priority need fits better, high-priority need is urgent
    needs = [
        need("urgent", {"A": 10}, priority=5),
        need("minor", {"A": 60}, priority=1),
    ]
    _, got = run(problem(units(A=1), needs, w=weights(fit=1, coverage=0)))
    assert got == {"minor": ["A"]}
    _, got = run(problem(units(A=1), needs, w=weights(fit=1, coverage=20)))
    assert got == {"urgent": ["A"]}


def test_fairness_weight_spreads_load() -> None:
    needs = [need(f"n{i}", {"A": 12, "B": 10}) for i in range(4)]
    _, got = run(problem(units(A=4, B=4), needs, w=weights(fit=1)))
    assert all(v == ["A"] for v in got.values())
    plan, got = run(problem(units(A=4, B=4), needs, w=weights(fit=1, fairness=2)))
    assert sorted(v[0] for v in got.values()) == ["A", "A", "B", "B"]
    assert plan.objective_parts.fairness == 2 * 2 * fairness_penalty(2, 4)


def test_joint_coverage_weight() -> None:
    r = role("r", {"A": -10}, count=1, required=False)
    _, got = run(problem(units(A=5), acts=[act("a", [r])], w=weights(fit=1)))
    assert got == {}
    plan, got = run(problem(units(A=5), acts=[act("a", [r])], w=weights(fit=1, joint_coverage=50)))
    assert got == {"a/r": ["A"]}
    assert plan.objective == 40


def test_stability_weight_keeps_previous() -> None:
    needs = [need("n1", {"A": 55, "B": 50})]
    _, got = run(problem(units(A=5, B=5), needs, previous=[("n1", "B")], w=weights(fit=1)))
    assert got == {"n1": ["A"]}
    plan, got = run(
        problem(units(A=5, B=5), needs, previous=[("n1", "B")], w=weights(fit=1, stability=10))
    )
    assert got == {"n1": ["B"]}
    assert plan.objective_parts.changes == 0


def test_evaluate_matches_solver_objective() -> None:
    p = example_problem()
    plan = solve(p, time_limit=5)
    parts = evaluate(p, [(a.item, a.unit) for a in plan.assignments])
    assert parts.total == plan.objective


def test_same_seed_same_plan() -> None:
    for p, kw in [
        (example_problem(), {}),
        (district_problem(40, 300, 8, seed=3), {"engine": "decompose"}),
    ]:
        a = solve(p, time_limit=3, seed=4, **kw)
        b = solve(p, time_limit=3, seed=4, **kw)
        assert a.model_dump_json(exclude={"seconds"}) == b.model_dump_json(exclude={"seconds"})


def test_fast_value_equals_evaluate() -> None:
    from gongjian.matching.grouped import compile_problem
    from gongjian.matching.solver import Solution, _pairs, solution_value

    for p in (example_problem(), district_problem(60, 500, 20, seed=9)):
        plan = solve(p, time_limit=3)
        cp = compile_problem(p)
        cls: list[dict[int, int]] = [{} for _ in cp.classes]
        member = {i: ci for ci, cl in enumerate(cp.classes) for i in cl.members}
        nidx = {n.id: i for i, n in enumerate(p.needs)}
        ridx = {r.key: i for i, r in enumerate(cp.roles)}
        uidx = {u: i for i, u in enumerate(cp.unit_ids)}
        roles: list[set[int]] = [set() for _ in cp.roles]
        for a in plan.assignments:
            if a.type == "need":
                d = cls[member[nidx[a.item]]]
                d[uidx[a.unit]] = d.get(uidx[a.unit], 0) + 1
            else:
                roles[ridx[a.item]].add(uidx[a.unit])
        sol = Solution(cls, roles)
        assert len(_pairs(cp, sol)[0]) == sum(a.type == "need" for a in plan.assignments)
        assert solution_value(cp, sol) == plan.objective
