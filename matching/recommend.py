"""Ask the planner: the best units for one need now (推荐单位), for dispatching by hand.

For one need of a compiled :class:`Problem` and the loads of a plan (or none), each
candidate unit is ranked by what taking the need would add to the plan's
objective on its own: ``fit × score − fairness × (P(load + effort) − P(load))``
(the marginal of :mod:`gongjian.matching.objective`), so for a single need on an
empty plan the first recommendation is the unit the solver picks. Each
recommendation carries its fit parts, the unit's remaining capacity, the
distance, and, when the unit is full, which of its current items it would have
to give up (lowest fit first) to make room.

>>> from gongjian.matching.problem import Candidate, Need, Problem, Unit
>>> p = Problem(units=[Unit(id="u1", capacity=4), Unit(id="u2", capacity=4)], needs=[
...     Need(id="n1", candidates=[Candidate(unit="u1", effort=2, score=20),
...                               Candidate(unit="u2", effort=2, score=14)])])
>>> [r.unit for r in recommend(p, "n1")]
['u1', 'u2']
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from gongjian.core.errors import NotFoundError
from gongjian.matching.labels import parts_text
from gongjian.matching.objective import fairness_penalty
from gongjian.matching.problem import Plan, Problem

__all__ = ["Recommendation", "recommend"]


class Recommendation(BaseModel):
    """One unit that could take the need, and at what cost to the plan."""

    unit: str
    unit_name: str = ""
    gain: int = Field(description="what the plan's objective would gain (fit − fairness)")
    score: int
    parts: dict[str, int] = Field(default_factory=dict)
    parts_zh: str = ""
    kind: str = ""
    distance_km: float | None = None
    effort: int
    remaining_capacity: int
    displaces: list[str] = Field(
        default_factory=list, description="items it would give up to make room (lowest fit first)"
    )
    in_plan: bool = Field(default=False, description="the plan already gives it this need")


def recommend(
    problem: Problem, need_id: str, plan: Plan | None = None, *, limit: int = 5
) -> list[Recommendation]:
    """The ``limit`` best units for ``need_id``, best first (ties: more room, then unit id)."""
    need = next((n for n in problem.needs if n.id == need_id), None)
    if need is None:
        raise NotFoundError("Need", need_id)
    units = {u.id: u for u in problem.units}
    w = problem.weights
    load: dict[str, int] = {}
    held: dict[str, list[tuple[int, int, str]]] = {}
    current = None
    for a in plan.assignments if plan else []:
        if a.item == need_id:
            current = a.unit
            continue  # the need's own load is what we are placing
        load[a.unit] = load.get(a.unit, 0) + a.effort
        if a.type == "need" and not a.pinned:
            held.setdefault(a.unit, []).append((a.score, a.effort, a.item))
    out = []
    for c in need.candidates:
        if c.beyond_distance_limit:
            continue
        cap = units[c.unit].capacity
        have = load.get(c.unit, 0)
        room = cap - have
        displaces: list[str] = []
        if c.effort > room:
            freed = 0
            for _, effort, item in sorted(held.get(c.unit, [])):
                if room + freed >= c.effort:
                    break
                displaces.append(item)
                freed += effort
            if room + freed < c.effort:
                continue  # even giving up every need it holds would not make room
            have -= freed
        gain = w.fit * c.score - w.fairness * (
            fairness_penalty(have + c.effort, cap) - fairness_penalty(have, cap)
        )
        out.append(
            Recommendation(
                unit=c.unit,
                unit_name=units[c.unit].name,
                gain=gain,
                score=c.score,
                parts=dict(c.parts),
                parts_zh=parts_text(c.parts, distance_km=c.distance_km),
                kind=c.kind,
                distance_km=c.distance_km,
                effort=c.effort,
                remaining_capacity=max(0, room),
                displaces=displaces,
                in_plan=c.unit == current,
            )
        )
    out.sort(key=lambda r: (bool(r.displaces), -r.gain, -r.remaining_capacity, r.unit))
    return out[:limit]
