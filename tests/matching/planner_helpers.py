"""Small builders for planner tests (not a test module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gongjian.matching import problem as mp
from gongjian.matching.problem import (
    Activity,
    Candidate,
    Need,
    Problem,
    RoleSlot,
    Unit,
    Weights,
)
from gongjian.matching.solver import check_plan, solve

D1 = dt.date(2026, 1, 5)
D2 = dt.date(2026, 1, 6)


def cands(spec: dict[str, int | tuple[int, int]]) -> list[Candidate]:
    """``{unit: score}`` or ``{unit: (score, effort)}`` -> candidates."""
    out = []
    for u, v in spec.items():
        score, effort = v if isinstance(v, tuple) else (v, 1)
        out.append(Candidate(unit=u, effort=effort, score=score, parts={"kind_match": score}))
    return out


def need(nid: str, spec: dict, **kw: Any) -> Need:
    """A need with candidates from ``spec``."""
    return Need(id=nid, candidates=cands(spec), **kw)


def role(rid: str, spec: dict, count: int = 1, required: bool = True, **kw: Any) -> RoleSlot:
    """A role with candidates from ``spec``."""
    return RoleSlot(id=rid, candidates=cands(spec), count=count, required=required, **kw)


def act(aid: str, roles: list[RoleSlot], date: dt.date = D1, **kw: Any) -> Activity:
    """An activity."""
    kw.setdefault("joint_type", "joint_services")
    kw.setdefault("community", "c1")
    return Activity(id=aid, roles=roles, date=date, **kw)


def units(**caps: int) -> list[Unit]:
    """``units(A=5, B=3)``."""
    return [Unit(id=k, name=f"单位{k}", capacity=v) for k, v in caps.items()]


def weights(**kw: int) -> Weights:
    """Weights with everything 0 except those given."""
    base = {"fit": 0, "coverage": 0, "fairness": 0, "joint_coverage": 0, "stability": 0}
    base.update(kw)
    return Weights(**base)


def problem(
    us: list[Unit],
    needs: list[Need] | None = None,
    acts: list[Activity] | None = None,
    *,
    w: Weights | None = None,
    pinned: list[tuple[str, str]] = (),
    forbidden: list[tuple[str, str]] = (),
    previous: list[tuple[str, str]] | None = None,
) -> Problem:
    """Assemble a problem."""
    return Problem(
        name="t",
        units=us,
        needs=needs or [],
        activities=acts or [],
        weights=w or weights(fit=1),
        pinned=[mp.Pair(item=i, unit=u) for i, u in pinned],
        forbidden=[mp.Pair(item=i, unit=u) for i, u in forbidden],
        previous=None if previous is None else [mp.Pair(item=i, unit=u) for i, u in previous],
    )


def run(p: Problem, **kw: Any):
    """Solve and check hard rules; returns (plan, {item: sorted units})."""
    kw.setdefault("time_limit", 5.0)
    plan = solve(p, **kw)
    if plan.status in ("optimal", "feasible"):
        assert check_plan(p, plan) == []
        assert plan.bound is not None and plan.bound >= plan.objective
    got: dict[str, list[str]] = {}
    for a in plan.assignments:
        got.setdefault(a.item, []).append(a.unit)
    return plan, {k: sorted(v) for k, v in got.items()}
