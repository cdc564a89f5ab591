"""A resource's capacity counts uses (次), a unit's capacity effort: every engine agrees."""

from __future__ import annotations

import itertools
import random

import pytest

from gongjian.matching.greedy import greedy_plan
from gongjian.matching.objective import evaluate
from gongjian.matching.problem import Candidate, Need, Pair, Problem, Unit
from gongjian.matching.recommend import recommend
from gongjian.matching.solver import check_plan, solve

ENGINES = ["exact", "decompose"]


def _uses_problem() -> Problem:
    """u1: effort 20 but 2 uses of medical; three cheap medical needs that only u1 can take."""
    needs = [
        Need(
            id=f"n{i}",
            kind="medical",
            priority=3,
            candidates=[Candidate(unit="u1", effort=1, score=10)],
        )
        for i in range(3)
    ]
    return Problem(units=[Unit(id="u1", capacity=20, kind_capacity={"medical": 2})], needs=needs)


def _heavy_problem() -> Problem:
    """u1 has 1 use of medical left after a pinned need; a heavy need (effort 5) still fits."""
    needs = [
        Need(id="a", kind="medical", candidates=[Candidate(unit="u1", effort=1, score=5)]),
        Need(id="heavy", kind="medical", candidates=[Candidate(unit="u1", effort=5, score=10)]),
    ]
    return Problem(
        units=[Unit(id="u1", capacity=8, kind_capacity={"medical": 2})],
        needs=needs,
        pinned=[Pair(item="a", unit="u1")],
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_uses_decide_not_effort(engine: str) -> None:
    p = _uses_problem()
    plan = solve(p, time_limit=5, seed=1, engine=engine)
    assert len(plan.assignments) == 2 and check_plan(p, plan) == []
    (unmet,) = plan.unmet
    assert unmet.reason == "eligible_units_full"
    assert "u1 的医疗义诊类资源已用 2/2 次" in unmet.detail  # uses, kind in Chinese
    assert "满额" in unmet.detail
    heavy = _heavy_problem()
    plan = solve(heavy, time_limit=5, seed=1, engine=engine)
    assert {a.item for a in plan.assignments} == {"a", "heavy"}
    assert check_plan(heavy, plan) == []


def test_greedy_counts_uses() -> None:
    pairs, _ = greedy_plan(_uses_problem())
    assert len(pairs) == 2
    pairs, _ = greedy_plan(_heavy_problem())
    assert {i for i, _ in pairs} == {"a", "heavy"}


def test_recommendation_remaining_uses() -> None:
    p = _uses_problem()
    plan = solve(p, time_limit=5, seed=1)
    unmet = plan.unmet[0].item
    (r,) = recommend(p, unmet, plan)
    assert (r.kind_capacity, r.remaining_uses) == (2, 0)
    assert r.displaces  # it would have to give up one of its two uses
    assert r.remaining_capacity == 18  # effort left is plenty


def test_lns_keeps_uses() -> None:
    """Many needs, capped kinds and mixed efforts: the decomposition (flow, LNS) never exceeds uses."""
    rng = random.Random(3)
    units = [
        Unit(id=f"u{i}", capacity=rng.randint(6, 12), kind_capacity={"k0": rng.randint(1, 3)})
        for i in range(12)
    ]
    needs = []
    for j in range(80):
        cands = [
            Candidate(unit=f"u{i}", effort=1 + (j % 3), score=rng.randint(1, 30))
            for i in rng.sample(range(12), 4)
        ]
        needs.append(
            Need(id=f"n{j}", kind=f"k{j % 2}", priority=rng.randint(1, 5), candidates=cands)
        )
    p = Problem(units=units, needs=needs)
    plans = [solve(p, time_limit=3, seed=7, engine="decompose") for _ in range(2)]
    assert check_plan(p, plans[0]) == []
    assert plans[0].bound is not None and plans[0].bound >= plans[0].objective
    uses: dict[str, int] = {}
    for a in plans[0].assignments:
        if a.item in {n.id for n in needs if n.kind == "k0"}:
            uses[a.unit] = uses.get(a.unit, 0) + 1
    assert all(
        v <= next(u for u in units if u.id == k).kind_capacity["k0"] for k, v in uses.items()
    )
    assert max(uses.values()) >= 2  # some unit really uses more than one
    # same seed, same plan
    assert [(a.item, a.unit) for a in plans[0].assignments] == [
        (a.item, a.unit) for a in plans[1].assignments
    ]


def _brute(p: Problem) -> int:
    keys = [n.id for n in p.needs]
    opts = [[None, *[c.unit for c in n.candidates]] for n in p.needs]
    best = None
    for combo in itertools.product(*opts):
        pairs = [(k, u) for k, u in zip(keys, combo, strict=True) if u is not None]
        from gongjian.matching.problem import Decision, Plan

        by = {(n.id, c.unit): c for n in p.needs for c in n.candidates}
        plan = Plan(
            problem="b",
            status="feasible",
            assignments=[
                Decision(item=k, unit=u, type="need", effort=by[(k, u)].effort, score=0)
                for k, u in pairs
            ],
        )
        if check_plan(p, plan):
            continue
        v = evaluate(p, pairs).total
        best = v if best is None else max(best, v)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(6))
def test_bound_stays_above_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    units = [
        Unit(id=f"u{i}", capacity=rng.randint(3, 6), kind_capacity={"k": rng.randint(1, 2)})
        for i in range(3)
    ]
    needs = [
        Need(
            id=f"n{j}",
            kind=rng.choice(["k", "k", "z"]),
            priority=rng.randint(1, 5),
            candidates=[
                Candidate(unit=f"u{i}", effort=rng.randint(1, 3), score=rng.randint(0, 20))
                for i in rng.sample(range(3), 2)
            ],
        )
        for j in range(6)
    ]
    p = Problem(units=units, needs=needs)
    best = _brute(p)
    for engine in ENGINES:
        plan = solve(p, time_limit=3, seed=1, engine=engine)
        assert check_plan(p, plan) == []
        assert plan.objective is not None and plan.objective <= best
        assert plan.bound is not None and plan.bound >= best, (engine, plan.bound, best)
