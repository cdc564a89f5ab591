"""Load fairness (负荷均衡): every unit's load against its capacity, and the Gini of the ratios.

load = effort of the needs of the quarter the unit holds + ``role_effort`` per
activity of the quarter it is assigned to; load ratio = load / capacity (the full
definition is in :mod:`gongjian.service.metrics.service`, which re-exports every
name). The planner's default ``role_effort`` is read from its compiler, so the
two cannot drift.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from gongjian.graph.model import Activity, Assignment, Need, Unit
from gongjian.matching.from_graph import compile_snapshot
from gongjian.service.metrics.rates import HELD_STATUSES

__all__ = [
    "ROLE_EFFORT",
    "Fairness",
    "FairnessFigures",
    "UnitLoad",
    "fairness",
    "gini",
    "unit_loads",
]

#: effort of one activity role assignment: the planner's default
ROLE_EFFORT: int = inspect.signature(compile_snapshot).parameters["role_effort"].default

# --------------------------------------------------------------------------- load fairness


class UnitLoad(BaseModel):
    """A unit's load in a quarter against its capacity."""

    unit_id: str
    name: str
    capacity: int
    needs: int = Field(description="承接的交办单数")
    need_effort: int
    activities: int = Field(description="参与的活动数")
    activity_effort: int
    load: int = Field(description="负荷 need_effort + activity_effort")
    ratio: float | None = Field(description="负荷率 load / capacity (None: no capacity)")


def unit_loads(
    units: Sequence[Unit],
    needs: Iterable[Need],
    activities: Iterable[Activity],
    assignments: Iterable[Assignment],
    *,
    quarter: str,
    role_effort: int = ROLE_EFFORT,
) -> list[UnitLoad]:
    """Every unit's load in ``quarter`` (definition in the module docstring), by unit id.

    Complexity: O(U + N + A + S) for S assignments.

    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1", capacity=10)]
    >>> ns = [Need(id="n1", title="反诈", category="anti_fraud", community_id="c1",
    ...            quarter="2026Q1", effort=3, status="claimed", claimed_by="u1")]
    >>> acts = [Activity(id="a1", title="义诊", joint_type="joint_services",
    ...     quarter="2026Q1", date="2026-01-05", community_id="c1",
    ...     roles=[{"kind": "medical"}])]
    >>> asg = [Assignment(activity_id="a1", unit_id="u1", role="medical", plan_id=p)
    ...        for p in ("p1", "p2")]
    >>> load = unit_loads(us, ns, acts, asg, quarter="2026Q1")[0]
    >>> load.load, load.ratio
    (5, 0.5)
    """
    need_effort: Counter[str] = Counter()
    need_count: Counter[str] = Counter()
    for n in needs:
        if n.quarter == quarter and n.claimed_by is not None and n.status in HELD_STATUSES:
            need_effort[n.claimed_by] += n.effort
            need_count[n.claimed_by] += 1
    in_quarter = {a.id for a in activities if a.quarter == quarter}
    pairs = {(s.unit_id, s.activity_id) for s in assignments if s.activity_id in in_quarter}
    activity_count = Counter(u for u, _ in pairs)
    out = []
    for u in sorted(units, key=lambda u: u.id):
        effort = role_effort * activity_count[u.id]
        load = need_effort[u.id] + effort
        out.append(
            UnitLoad(
                unit_id=u.id,
                name=u.name,
                capacity=u.capacity,
                needs=need_count[u.id],
                need_effort=need_effort[u.id],
                activities=activity_count[u.id],
                activity_effort=effort,
                load=load,
                ratio=load / u.capacity if u.capacity else None,
            )
        )
    return out


def gini(values: Sequence[float]) -> float | None:
    """The Gini coefficient of non-negative values.

    ``G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)``, computed from the sorted values as
    ``Σᵢ (2i − n − 1) x₍ᵢ₎ / (n Σ x)`` (i = 1..n). 0 when all values are equal
    (all zero included), approaching 1 when one value holds everything;
    ``None`` for no values.

    Complexity: O(n log n).

    >>> gini([1, 1, 1]), gini([0, 0]), gini([0, 0, 0, 1]), gini([])
    (0.0, 0.0, 0.75, None)
    """
    if not values:
        return None
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if total <= 0:
        return 0.0
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


class FairnessFigures(BaseModel):
    """The headline figures of load fairness (负荷均衡)."""

    quarter: str
    role_effort: int
    units: int = Field(description="单位数")
    max_load_ratio: float | None = Field(description="最大负荷率 (units with capacity)")
    max_load_units: list[str] = Field(description="负荷率最高的单位")
    gini: float | None = Field(description="负荷率基尼系数 Gini of load ratios")
    idle_units: int = Field(description="闲置单位数: capacity > 0 and load 0")
    overloaded_units: int = Field(description="超负荷单位数: load > capacity")
    total_load: int
    total_capacity: int


class Fairness(FairnessFigures):
    """Load fairness with every unit's load."""

    loads: list[UnitLoad]


def fairness(
    quarter: str, loads: Sequence[UnitLoad], *, role_effort: int = ROLE_EFFORT
) -> Fairness:
    """Max load ratio, Gini of load ratios, idle and overloaded units.

    Units without capacity have no ratio and take no part in the max or the
    Gini; a unit without capacity but with load counts as overloaded.

    Complexity: O(U log U).

    >>> def ld(i, load, cap):
    ...     return UnitLoad(unit_id=i, name=i, capacity=cap, needs=0, need_effort=load,
    ...         activities=0, activity_effort=0, load=load, ratio=load / cap if cap else None)
    >>> f = fairness("2026Q1", [ld("a", 0, 10), ld("b", 5, 10), ld("c", 3, 0)])
    >>> f.max_load_ratio, f.max_load_units, f.gini, f.idle_units, f.overloaded_units
    (0.5, ['b'], 0.5, 1, 1)
    """
    ratios = [x.ratio for x in loads if x.ratio is not None]
    top = max(ratios) if ratios else None
    return Fairness(
        quarter=quarter,
        role_effort=role_effort,
        units=len(loads),
        max_load_ratio=top,
        max_load_units=sorted(x.unit_id for x in loads if top is not None and x.ratio == top),
        gini=gini(ratios),
        idle_units=sum(1 for x in loads if x.capacity > 0 and x.load == 0),
        overloaded_units=sum(1 for x in loads if x.load > x.capacity),
        total_load=sum(x.load for x in loads),
        total_capacity=sum(x.capacity for x in loads),
        loads=list(loads),
    )
