"""Ask the planner about one open need (推荐单位): ``GET /needs/{id}/recommendations``.

For a committee member dispatching by hand: the best units for the need *now*,
ranked as the planner would place it alone (:mod:`gongjian.matching.recommend`).

* The need is compiled as the planner compiles a quarter
  (:func:`~gongjian.matching.from_graph.planning_snapshot` → ``compile_snapshot``):
  same eligibility, same fit parts (适配度, 距离, 结对, 以往合作, 以往满意度). A need of
  an earlier quarter still open is planned in the current quarter (carried over).
* What units already hold that quarter counts against their capacity: their
  unfinished claims (claimed, in progress — as the claim check counts them) and
  their published activity roles on dates not yet past (``role_effort`` each, as
  the compiler charges a role). Claims not yet started may be given up to make
  room (``displaces``); work started and activity roles are kept.
* The reads are a few store reads after the snapshot, not one transaction: the
  answer is advice (the claim that follows checks capacity in its own transaction).

Who: the committee and the viewer for every need, a community for its own needs;
units get 403. Unknown need 404; a need that is not open 409.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from gongjian.core import clock
from gongjian.core.errors import ConflictError
from gongjian.graph.lifecycle import UNFINISHED
from gongjian.graph.model import Activity, Need, NeedStatus
from gongjian.graph.store import GraphStore
from gongjian.matching.from_graph import FitRules, compile_snapshot, planning_snapshot
from gongjian.matching.labels import part_label
from gongjian.matching.problem import Decision, Plan, Problem
from gongjian.matching.recommend import Recommendation, held_plan, recommend
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import ForbiddenError

__all__ = [
    "ROLE_EFFORT",
    "FitPart",
    "HeldItem",
    "NeedRecommendations",
    "UnitRecommendation",
    "need_problem",
    "recommendations",
]

#: effort one published activity role costs a unit (the compiler's default ``role_effort``)
ROLE_EFFORT = 2


class FitPart(BaseModel):
    """One part of a fit score, with its Chinese name."""

    part: str
    name_zh: str
    value: int


class HeldItem(BaseModel):
    """An item a unit holds now (a claim it would give up)."""

    item: str
    title: str


class UnitRecommendation(BaseModel):
    """One recommended unit: fit, room, distance, what it would give up."""

    unit: str
    unit_name: str
    score: int = Field(description="总适配分 total fit score (sum of the parts)")
    gain: int = Field(description="计划目标的增益 fit − fairness cost (the ranking key)")
    parts: list[FitPart]
    parts_zh: str = Field(description="如 适配度 20，距离 -2（1.0 公里），结对 5")
    kind: str = Field(description="the resource kind the unit would use")
    distance_km: float | None = None
    distance_steps: int | None = Field(
        default=None, description="社区相邻步数, when there are no coordinates"
    )
    effort: int
    capacity: int
    remaining_capacity: int = Field(description="本季度剩余工作量 effort left this quarter")
    kind_capacity: int | None = Field(
        default=None, description="该类资源本季度可用次数 uses of the need's resource kind"
    )
    remaining_uses: int | None = Field(
        default=None, description="该类资源本季度剩余次数 uses of that kind left this quarter"
    )
    over_capacity: bool = Field(description="taking it exceeds the remaining capacity")
    displaces: list[HeldItem] = Field(
        default_factory=list, description="需让出的认领 claims it would give up to make room"
    )
    last_resort: bool = Field(
        default=False,
        description="末选：适配度低于 50，仅在附近没有合适的单位、或合适的单位都无法承接时列出"
        " (a last resort: listed only when no suitable unit is near or can take the need)",
    )


class NeedRecommendations(BaseModel):
    """The answer of ``GET /needs/{id}/recommendations``."""

    need_id: str
    title: str
    quarter: str = Field(description="the quarter it is planned in (now)")
    effort: int
    priority: int = Field(description="planning priority (1–5; carried-over needs rise)")
    carried_from: str | None = None
    overdue_days: int = 0
    items: list[UnitRecommendation]


def need_problem(store: GraphStore, need: Need) -> tuple[Problem, Plan, dict[str, str]]:
    """The need compiled for the quarter it is planned in now, what units hold, item titles.

    Returns the problem with that one need (every unit, no activities), the held
    items as a :class:`Plan` (for :func:`~gongjian.matching.recommend.recommend` and
    :func:`~gongjian.matching.recommend.held_problem`) and a title per held item.
    """
    problem, held, titles, _ = _need_problem(store, need)
    return problem, held, titles


def _need_problem(
    store: GraphStore, need: Need
) -> tuple[Problem, Plan, dict[str, str], Callable[[], Problem]]:
    """:func:`need_problem`, and the same problem with the need's last resorts among its
    candidates (compiled from the same reads when called)."""
    quarter = max(need.quarter, clock.current_quarter())
    today = clock.today()
    snap = planning_snapshot(store, quarter)
    claims = [
        n
        for n in store.list(Need, filters={"quarter": quarter}, limit=None)
        if n.status in UNFINISHED and n.claimed_by is not None and n.id != need.id
    ]

    def compiled_with(needs: list[Need], last_resorts: bool = False) -> Problem:
        return compile_snapshot(
            snap.model_copy(update={"needs": needs, "carried": [], "activities": []}),
            role_effort=ROLE_EFFORT,
            today=today,
            name=f"{quarter} 推荐 {need.id}",
            last_resorts=last_resorts,
        )

    # the held claims are compiled with the need, for the fit a unit would give up
    compiled = compiled_with([need, *claims])
    by_id = {n.id: n for n in compiled.needs}
    decisions: list[Decision] = []
    titles: dict[str, str] = {}
    for n in claims:
        cand = next((c for c in by_id[n.id].candidates if c.unit == n.claimed_by), None)
        decisions.append(
            Decision(
                item=n.id,
                unit=n.claimed_by,
                type="need",
                effort=n.effort,
                score=cand.score if cand else 0,
                pinned=n.status != NeedStatus.claimed,  # work started is kept
                kind=by_id[n.id].kind,
            )
        )
        titles[n.id] = n.title
    upcoming = {a.id: a for a in store.list(Activity, filters={"quarter": quarter}, limit=None)}
    for a in store.assignments():
        act = upcoming.get(a.activity_id)
        if act is None or act.date < today:
            continue
        key = f"{a.activity_id}/{a.role.value}"
        decisions.append(
            Decision(
                item=key,
                unit=a.unit_id,
                type="role",
                activity=a.activity_id,
                effort=ROLE_EFFORT,
                score=0,
                pinned=True,  # a published activity role is a promise to a community
                kind=a.role.value,
            )
        )
        titles[key] = f"{act.title} · {a.role.label_zh}"
    problem = compiled.model_copy(update={"needs": [by_id[need.id]]})

    def widened() -> Problem:
        wide = compiled_with([need], last_resorts=True).needs[0]
        return problem.model_copy(update={"needs": [wide]})

    return problem, held_plan(decisions), titles, widened


def _check_reader(user: User, need: Need) -> None:
    if user.role in (UserRole.committee, UserRole.viewer):
        return
    if user.role == UserRole.community and user.community_id == need.community_id:
        return
    raise ForbiddenError(
        f"{user.role.label_zh}角色不能查看该需求的推荐单位（社区只能查看本社区的需求）"
        f" (role '{user.role.value}' may not ask for this need's recommendations)",
        role=user.role.value,
    )


def _out(r: Recommendation, titles: dict[str, str]) -> UnitRecommendation:
    steps = None
    if r.distance_km is None and "distance" in r.parts and FitRules.per_step:
        steps = r.parts["distance"] // FitRules.per_step
    return UnitRecommendation(
        unit=r.unit,
        unit_name=r.unit_name or r.unit,
        score=r.score,
        gain=r.gain,
        parts=[FitPart(part=k, name_zh=part_label(k), value=v) for k, v in r.parts.items()],
        parts_zh=r.parts_zh + (f"（{steps} 步）" if steps is not None else ""),
        kind=r.kind,
        distance_km=r.distance_km,
        distance_steps=steps,
        effort=r.effort,
        capacity=r.capacity,
        remaining_capacity=r.remaining_capacity,
        kind_capacity=r.kind_capacity,
        remaining_uses=r.remaining_uses,
        over_capacity=r.effort > r.remaining_capacity or r.remaining_uses == 0,
        displaces=[HeldItem(item=i, title=titles.get(i, i)) for i in r.displaces],
        last_resort=FitRules.is_last_resort(r.parts),
    )


def recommendations(
    *, store: GraphStore, user: User, need_id: str, limit: int = 5
) -> NeedRecommendations:
    """The ``limit`` best units for an open need now (see the module docstring)."""
    if user.role == UserRole.unit:
        raise ForbiddenError(
            "单位角色不能查看推荐单位 (units may not ask for recommendations)",
            role=user.role.value,
        )
    need = store.get(Need, need_id)
    _check_reader(user, need)
    if need.status != NeedStatus.open:
        raise ConflictError(
            f"交办单 '{need.id}' 状态为 {need.status.label_zh}，只有待认领的需求才有推荐单位"
            f" (only an open need has recommendations; it is {need.status.value})",
            current=need.status.value,
            claimed_by=need.claimed_by,
        )
    problem, held, titles, widened = _need_problem(store, need)
    compiled = problem.needs[0]
    recs = recommend(problem, need.id, held, limit=limit)
    if not recs:
        # no suitable unit can take it (full, or none near): the last resorts the
        # planner leaves out while a suitable unit is near, for dispatching by hand
        recs = recommend(widened(), need.id, held, limit=limit)
    items = [_out(r, titles) for r in recs]
    return NeedRecommendations(
        need_id=need.id,
        title=need.title,
        quarter=max(need.quarter, clock.current_quarter()),
        effort=need.effort,
        priority=compiled.priority,
        carried_from=compiled.carried_from,
        overdue_days=compiled.overdue_days,
        items=items,
    )
