"""Problem and plan models of the quarterly planner (pydantic v2).

The planner is pure: a :class:`Problem` goes in, a :class:`Plan` comes out.

Items
-----
An *item* is either a **need** (a resident demand; taken by at most one unit) or
an **activity role** (``count`` places in one activity of one of the five joint
types).  A role is addressed as ``"<activity id>/<role id>"`` in pins, forbids,
previous plans and plan assignments; a need by its own id.

Semantics decided here
----------------------
* ``priority`` runs from 1 (low) to 5 (most urgent).
* A **required** role gets exactly ``count`` units; a role that is not required
  gets between 0 and ``count`` units.  A required need must be assigned; other
  needs may stay unmet (and are then given a reason code).
* ``min_units`` / ``max_units`` bound the number of distinct units in an activity
  (always, whether or not its roles are required).
* A candidate marked ``beyond_distance_limit`` is *not* eligible; it is listed so
  that the explanation can say the need failed because of the distance limit.
  ``Need.excluded_by_distance`` may carry a count of such units instead.

Objective (maximised; every term is an integer)
-----------------------------------------------
``total = fit + coverage - fairness + joint_coverage - changes`` where

* ``fit = weights.fit * sum(score of each assigned pair)``,
* ``coverage = weights.coverage * sum(priority of each assigned need)``,
* ``fairness = weights.fairness * sum_u P(load_u, capacity_u)``, with the convex
  ``P(L, C) = sum_{k=0}^{L-1} floor(10 k / C)`` (the marginal cost of one more
  effort unit is the current load ratio in tenths, rounded down),
* ``joint_coverage = weights.joint_coverage * #{(community, joint type)}`` pairs
  that have at least one activity of that type in that community with at least
  one unit assigned,
* ``changes = weights.stability * #{previous (item, unit) pairs not kept}``.

The classic GAP (minimise cost) is the special case ``score = -cost``, every need
required, only the ``fit`` weight non-zero.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "JOINT_TYPES",
    "Activity",
    "Candidate",
    "Conflict",
    "Decision",
    "LeftOut",
    "Need",
    "ObjectiveParts",
    "Pair",
    "Plan",
    "Problem",
    "RoleSlot",
    "Unit",
    "UnitLoad",
    "Unmet",
    "Weights",
    "item_key",
]

JointType = Literal[
    "joint_activities",
    "joint_organization",
    "shared_resources",
    "joint_member_management",
    "joint_services",
]

#: The five joint types (五联) with their Chinese names.
JOINT_TYPES: dict[str, str] = {
    "joint_activities": "活动联搞",
    "joint_organization": "组织联建",
    "shared_resources": "资源联用",
    "joint_member_management": "党员联管",
    "joint_services": "服务联做",
}

UnmetReason = Literal[
    "no_eligible_unit",
    "beyond_distance_limit",
    "eligible_units_full",
    "lost_to_higher_priority",
    "net_benefit_negative",
]

_STRICT = ConfigDict(extra="forbid")


def item_key(activity_id: str, role_id: str) -> str:
    """Return the item key of an activity role: ``"<activity>/<role>"``."""
    return f"{activity_id}/{role_id}"


class Unit(BaseModel):
    """A resident unit (驻区单位) with its capacity for the quarter."""

    model_config = _STRICT
    id: str
    name: str = ""
    capacity: int = Field(ge=0, description="effort units per quarter")
    kind_capacity: dict[str, int] = Field(
        default_factory=dict, description="optional cap of effort per resource kind"
    )
    unavailable_dates: list[dt.date] = Field(default_factory=list)


class Candidate(BaseModel):
    """One eligible (or distance-excluded) unit for an item."""

    model_config = _STRICT
    unit: str
    effort: int = Field(ge=1, description="effort units the unit spends on the item")
    score: int = Field(description="fit score; higher is better (GAP: -cost)")
    parts: dict[str, int] = Field(
        default_factory=dict,
        description="e.g. suitability, distance, pairing, cooperation, satisfaction",
    )
    kind: str = Field(default="", description="resource kind the unit uses ('' = the item's kind)")
    distance_km: float | None = Field(
        default=None, description="straight-line km when both ends have coordinates"
    )
    beyond_distance_limit: bool = Field(
        default=False, description="listed for explanations only; never assigned"
    )


class Need(BaseModel):
    """A resident demand (民情需求) that one unit may take."""

    model_config = _STRICT
    id: str
    name: str = Field(default="", description="title shown to people (e.g. 路灯不亮)")
    kind: str = ""
    priority: int = Field(default=3, ge=1, le=5, description="5 = most urgent")
    required: bool = False
    community: str = ""
    category: str | None = Field(default=None, description="optional group key (informative)")
    candidates: list[Candidate] = Field(default_factory=list)
    excluded_by_distance: int = Field(
        default=0, ge=0, description="number of units offering the kind but too far away"
    )
    carried_from: str | None = Field(
        default=None, description="quarter the need was raised in, when carried over"
    )
    overdue_days: int = Field(default=0, ge=0, description="days past its due date (0 = not)")


class RoleSlot(BaseModel):
    """A slot of an activity (its role in the JSON): ``count`` distinct units doing ``kind``."""

    model_config = _STRICT
    id: str
    kind: str = ""
    count: int = Field(default=1, ge=1)
    required: bool = Field(default=True, description="exactly count if true, else at most count")
    candidates: list[Candidate] = Field(default_factory=list)


class Activity(BaseModel):
    """A planned joint activity on one date in one community."""

    model_config = _STRICT
    id: str
    name: str = ""
    joint_type: JointType
    community: str
    date: dt.date
    roles: list[RoleSlot] = Field(min_length=1)
    min_units: int = Field(default=0, ge=0)
    max_units: int | None = Field(default=None, ge=0)


class LeftOut(BaseModel):
    """An item the compiler kept out of the problem, and why (e.g. an activity already past)."""

    model_config = _STRICT
    item: str
    name: str = ""
    reason: Literal["activity_date_passed"]
    detail: str = ""


class Pair(BaseModel):
    """An (item, unit) pair: item is a need id or ``activity/role``."""

    model_config = _STRICT
    item: str
    unit: str


class Weights(BaseModel):
    """Non-negative integer weights of the soft goals (see module docstring)."""

    model_config = _STRICT
    fit: int = Field(default=1, ge=0)
    coverage: int = Field(default=20, ge=0)
    fairness: int = Field(default=2, ge=0)
    joint_coverage: int = Field(default=50, ge=0)
    stability: int = Field(default=10, ge=0)


class Problem(BaseModel):
    """A quarter's planning problem."""

    model_config = _STRICT
    name: str = "problem"
    units: list[Unit]
    needs: list[Need] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    pinned: list[Pair] = Field(default_factory=list)
    forbidden: list[Pair] = Field(default_factory=list)
    previous: list[Pair] | None = Field(default=None, description="previous plan's pairs")
    weights: Weights = Field(default_factory=Weights)
    left_out: list[LeftOut] = Field(
        default_factory=list, description="items not planned, with the reason (said in the plan)"
    )

    @model_validator(mode="after")
    def _check_references(self) -> Problem:
        unit_ids = [u.id for u in self.units]
        if len(set(unit_ids)) != len(unit_ids):
            raise ValueError("duplicate unit id")
        units = set(unit_ids)
        keys: set[str] = set()

        def check_cands(key: str, cands: list[Candidate]) -> None:
            seen: set[str] = set()
            for c in cands:
                if c.unit not in units:
                    raise ValueError(f"item {key!r}: candidate unit {c.unit!r} unknown")
                if c.unit in seen:
                    raise ValueError(f"item {key!r}: candidate unit {c.unit!r} listed twice")
                seen.add(c.unit)

        for n in self.needs:
            if n.id in keys:
                raise ValueError(f"duplicate item id {n.id!r}")
            keys.add(n.id)
            check_cands(n.id, n.candidates)
        act_ids: set[str] = set()
        for a in self.activities:
            if a.id in act_ids:
                raise ValueError(f"duplicate activity id {a.id!r}")
            act_ids.add(a.id)
            for r in a.roles:
                k = item_key(a.id, r.id)
                if k in keys:
                    raise ValueError(f"duplicate item id {k!r}")
                keys.add(k)
                check_cands(k, r.candidates)
        for p in [*self.pinned, *self.forbidden]:
            if p.item not in keys:
                raise ValueError(f"pin/forbid refers to unknown item {p.item!r}")
            if p.unit not in units:
                raise ValueError(f"pin/forbid refers to unknown unit {p.unit!r}")
        return self


class Decision(BaseModel):
    """One decision of the plan: ``unit`` takes ``item`` (the graph records role decisions as
    :class:`gongjian.graph.model.Assignment` when the plan is published)."""

    item: str
    unit: str
    unit_name: str = ""
    type: Literal["need", "role"]
    activity: str | None = None
    effort: int
    score: int
    parts: dict[str, int] = Field(default_factory=dict)
    pinned: bool = False
    kind: str = Field(default="", description="resource kind the unit uses")
    distance_km: float | None = Field(default=None, description="straight-line km, when known")


class Unmet(BaseModel):
    """A need left unassigned, with its reason code."""

    item: str
    reason: UnmetReason
    detail: str = ""


class Conflict(BaseModel):
    """A set of hard rules that cannot hold together (why a request is infeasible)."""

    code: str
    message_zh: str
    message_en: str
    items: list[str] = Field(default_factory=list)
    units: list[str] = Field(default_factory=list)
    group: int = Field(default=0, description="rules with the same group conflict together")


class UnitLoad(BaseModel):
    """Load of one unit in the plan."""

    unit: str
    load: int
    capacity: int


class ObjectiveParts(BaseModel):
    """The objective split into its terms (see :mod:`gongjian.matching.problem`)."""

    fit: int = 0
    coverage: int = 0
    fairness: int = 0
    joint_coverage: int = 0
    changes: int = 0
    total: int = 0


class Plan(BaseModel):
    """The solver's answer.  ``seconds`` is the only timing field."""

    problem: str
    status: Literal["optimal", "feasible", "infeasible", "unknown"]
    objective: int | None = None
    bound: int | None = None
    gap: float | None = Field(default=None, description="(bound - objective) / max(1, |objective|)")
    engine: str = ""
    seed: int = 0
    seconds: float = 0.0
    objective_parts: ObjectiveParts | None = None
    assignments: list[Decision] = Field(default_factory=list)
    unmet: list[Unmet] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    loads: list[UnitLoad] = Field(default_factory=list)
    roles_short: list[str] = Field(
        default_factory=list, description="optional roles that got fewer than count units"
    )
    left_out: list[LeftOut] = Field(
        default_factory=list, description="items the problem left out, with the reason"
    )
