"""Ask the planner: the best units for one need now (推荐单位), for dispatching by hand.

For one need of a compiled :class:`Problem` and the items units already hold (a
:class:`Plan`: a solved plan, or the claims and assignments in the graph), each
candidate unit is ranked by what taking the need would add to the plan's
objective on its own: ``fit × score − fairness × (P(load + effort) − P(load))``
(the marginal of :mod:`gongjian.matching.objective`). That is what the solver
weighs when the need is planned alone with those items held
(:func:`held_problem`), so the first recommendation is the unit it picks.

Eligibility is the solver's (:func:`gongjian.matching.grouped.compile_problem`):
no distance-excluded or forbidden pair, the effort within the unit's capacity
and within its capacity for the need's kind (次). Each recommendation carries
its fit parts, the unit's remaining capacity, the distance, and, when the unit
is too full, which of its current items it would have to give up (lowest fit
first; items marked ``pinned`` — work already started, published activity
roles — are never given up). Units that would have to give something up come
after every unit with room.

>>> from gongjian.matching.problem import Candidate, Need, Problem, Unit
>>> p = Problem(units=[Unit(id="u1", capacity=4), Unit(id="u2", capacity=4)], needs=[
...     Need(id="n1", candidates=[Candidate(unit="u1", effort=2, score=20),
...                               Candidate(unit="u2", effort=2, score=14)])])
>>> [r.unit for r in recommend(p, "n1")]
['u1', 'u2']
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field

from gongjian.core.errors import NotFoundError
from gongjian.matching.labels import parts_text
from gongjian.matching.objective import fairness_penalty
from gongjian.matching.problem import Candidate, Decision, Need, Pair, Plan, Problem

__all__ = [
    "HELD_PREFIX",
    "Recommendation",
    "eligible",
    "held_plan",
    "held_problem",
    "recommend",
]

#: id prefix of the stand-in needs :func:`held_problem` adds for what units already hold
HELD_PREFIX = "held:"


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
    capacity: int = Field(default=0, description="the unit's capacity this quarter (effort)")
    remaining_capacity: int = Field(description="effort left this quarter")
    kind_capacity: int | None = Field(
        default=None, description="uses (次) of the need's resource kind this quarter, if capped"
    )
    remaining_uses: int | None = Field(
        default=None, description="uses (次) of that kind left this quarter, if capped"
    )
    displaces: list[str] = Field(
        default_factory=list, description="items it would give up to make room (lowest fit first)"
    )
    in_plan: bool = Field(default=False, description="the plan already gives it this need")


class _Held:
    """What each unit holds (the plan's decisions but the need's own): load, kind load, items."""

    def __init__(self, problem: Problem, need_id: str, plan: Plan | None) -> None:
        item_kind = {n.id: n.kind for n in problem.needs}
        for a in problem.activities:
            item_kind.update({f"{a.id}/{r.id}": r.kind for r in a.roles})
        self.load: dict[str, int] = defaultdict(int)
        #: uses (次) per (unit, kind): one per held item, whatever its effort
        self.kind_load: dict[tuple[str, str], int] = defaultdict(int)
        self.kind_effort: dict[tuple[str, str], int] = defaultdict(int)
        #: droppable items per unit: (score, effort, item, kind)
        self.items: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
        self.current: str | None = None
        for a in plan.assignments if plan else []:
            if a.item == need_id:
                self.current = a.unit
                continue  # the need's own load is what we are placing
            kind = item_kind.get(a.item, a.kind)
            self.load[a.unit] += a.effort
            self.kind_load[(a.unit, kind)] += 1
            self.kind_effort[(a.unit, kind)] += a.effort
            if a.type == "need" and not a.pinned:
                self.items[a.unit].append((a.score, a.effort, a.item, kind))


def eligible(
    problem: Problem, key: str, kind: str, candidates: list[Candidate], *, date: str | None = None
) -> list[Candidate]:
    """The candidates the solver may give item ``key`` (of ``kind``) to.

    As :func:`gongjian.matching.grouped.compile_problem` filters them: not beyond the
    distance limit, not forbidden, the effort within the unit's capacity and its capacity
    for ``kind``, and (an activity role on ``date``, ISO) the unit not unavailable then.
    """
    units = {u.id: u for u in problem.units}
    forbidden = {p.unit for p in problem.forbidden if p.item == key}
    out = []
    for c in candidates:
        u = units[c.unit]
        kind_cap = u.kind_capacity.get(kind)
        if c.beyond_distance_limit or c.unit in forbidden or c.effort > u.capacity:
            continue
        if kind_cap is not None and kind_cap < 1:
            continue  # a resource capacity counts uses: any effort fits one use
        if date is not None and any(d.isoformat() == date for d in u.unavailable_dates):
            continue
        out.append(c)
    return out


def recommend(
    problem: Problem, need_id: str, plan: Plan | None = None, *, limit: int = 5
) -> list[Recommendation]:
    """The ``limit`` best units for ``need_id``, best first.

    Order: units with room before units that would have to give something up, then
    by ``gain`` (higher first), then more room, then unit id.
    """
    need = next((n for n in problem.needs if n.id == need_id), None)
    if need is None:
        raise NotFoundError("Need", need_id)
    units = {u.id: u for u in problem.units}
    w = problem.weights
    held = _Held(problem, need_id, plan)
    out = []
    for c in eligible(problem, need.id, need.kind, need.candidates):
        unit = units[c.unit]
        cap = unit.capacity
        have = held.load[c.unit]
        room = cap - have
        kind_cap = unit.kind_capacity.get(need.kind)
        kind_room = None if kind_cap is None else kind_cap - held.kind_load[(c.unit, need.kind)]
        displaces: list[str] = []
        freed = kind_freed = 0
        for _, effort, item, kind in sorted(held.items[c.unit]):
            short = room + freed < c.effort
            kind_short = kind_room is not None and kind_room + kind_freed < 1
            if not short and not kind_short:
                break
            if not short and kind != need.kind:
                continue  # dropping it frees nothing of the kind that is short
            displaces.append(item)
            freed += effort
            kind_freed += 1 if kind == need.kind else 0
        if room + freed < c.effort or (kind_room is not None and kind_room + kind_freed < 1):
            continue  # even giving up every item it may give up would not make room
        have -= freed
        gain = w.fit * c.score - w.fairness * (
            fairness_penalty(have + c.effort, cap) - fairness_penalty(have, cap)
        )
        out.append(
            Recommendation(
                unit=c.unit,
                unit_name=unit.name,
                gain=gain,
                score=c.score,
                parts=dict(c.parts),
                parts_zh=parts_text(c.parts, distance_km=c.distance_km),
                kind=c.kind,
                distance_km=c.distance_km,
                effort=c.effort,
                capacity=cap,
                remaining_capacity=max(0, room),
                kind_capacity=kind_cap,
                remaining_uses=None if kind_room is None else max(0, kind_room),
                displaces=displaces,
                in_plan=c.unit == held.current,
            )
        )
    out.sort(key=lambda r: (bool(r.displaces), -r.gain, -r.remaining_capacity, r.unit))
    return out[:limit]


def held_problem(problem: Problem, need_id: str, plan: Plan | None = None) -> Problem:
    """The problem the solver sees when ``need_id`` is planned alone while units hold ``plan``.

    The need itself, no activities, and per unit and kind one pinned stand-in need
    (``held:<unit>:<kind>``, fit 0, of no capped kind) carrying the effort the unit
    already holds of that kind — clipped to its capacity, since a full unit is full
    whatever it holds beyond; the uses (次) held are taken off the unit's capacity of
    that kind instead (one use per held item).
    Solving it places the need exactly as :func:`recommend` weighs it.
    """
    need = next((n for n in problem.needs if n.id == need_id), None)
    if need is None:
        raise NotFoundError("Need", need_id)
    held = _Held(problem, need_id, plan)
    units = {u.id: u for u in problem.units}
    needs = [need]
    pins: list[Pair] = []
    left = {u: units[u].capacity for u in units}
    kind_left = {u: dict(units[u].kind_capacity) for u in units}
    for (unit, kind), uses in sorted(held.kind_load.items()):
        if kind in kind_left[unit]:
            kind_left[unit][kind] = max(0, kind_left[unit][kind] - uses)
    for (unit, kind), effort in sorted(held.kind_effort.items()):
        effort = min(effort, left[unit])
        if effort <= 0:
            continue
        left[unit] -= effort
        key = f"{HELD_PREFIX}{unit}:{kind}"
        needs.append(
            Need(
                id=key,
                kind=HELD_PREFIX,
                priority=1,
                candidates=[Candidate(unit=unit, effort=effort, score=0)],
            )
        )
        pins.append(Pair(item=key, unit=unit))
    return Problem(
        name=f"{problem.name} · {need_id}",
        units=[u.model_copy(update={"kind_capacity": kind_left[u.id]}) for u in problem.units],
        needs=needs,
        pinned=pins,
        forbidden=[p for p in problem.forbidden if p.item == need_id],
        weights=problem.weights,
    )


def held_plan(decisions: list[Decision]) -> Plan:
    """A :class:`Plan` holding only ``decisions`` (the items units hold now, for :func:`recommend`)."""
    return Plan(problem="held", status="feasible", assignments=decisions)
