"""Planning as a service: build a quarter's problem, solve it in stages, explain, publish.

The functions here are shared by the API (:mod:`gongjian.service.plans.views`,
:mod:`gongjian.service.plans.jobs`) and the CLI (``gongjian plan run|export``), so both
give the same plan for the same request.

* :func:`prepare` — the quarter's planning snapshot (the store's snapshot plus the
  open needs of earlier quarters, carried over with priority rising by age, and the
  follow-ups the satisfaction part reads:
  :func:`~gongjian.matching.from_graph.planning_snapshot`) with the request's
  weights, distance limit, pins and forbids (checked item by item: 422 with
  field-level messages) and the decisions of a previous plan (re-planning: the
  stability weight keeps changes few); :meth:`PlanInput.compile` turns it into a
  :class:`~gongjian.matching.Problem` (in the solver's child process).
* The staged solve (quick plan first, then the full solve) is the planner's:
  :mod:`gongjian.matching.staged`; jobs run it in a child process
  (:mod:`gongjian.service.plans.jobs`), for the API and the CLI alike.
* :func:`explain` — the Chinese account and per-decision fit parts
  (:class:`Explanation`).
* :func:`publish_job` — activity role decisions become ``ASSIGNED`` relationships,
  need decisions become claims (接单); journaled, in
  :mod:`gongjian.service.plans.publish`.

Length: ~510 lines, because the plan's request, its scope, its solve and its publication
are one job's life cycle, read together.
"""

from __future__ import annotations

import datetime as dt
import gzip
import uuid
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gongjian.core import clock
from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.core.gcpause import gc_paused
from gongjian.core.messages import field_message
from gongjian.graph.model import (
    Integer,
    Quarter,
    ResourceKind,
    Snapshot,
    StrictFloat,
    SubdistrictCode,
    default_subdistrict,
)
from gongjian.graph.store import GraphStore
from gongjian.matching.explain import RunnerUp, carry_text, render_plan, runner_ups
from gongjian.matching.from_graph import compile_snapshot, planning_snapshot
from gongjian.matching.labels import left_out_label, part_label, reason_label
from gongjian.matching.problem import Conflict, Pair, Plan, Problem, Weights, item_key
from gongjian.matching.staged import StageProgress
from gongjian.matching.staged import merge_stages as merge_stages  # re-exported (API tests)
from gongjian.service.auth.permissions import require_subdistrict
from gongjian.service.state import Job, ServiceState, User

if TYPE_CHECKING:
    from gongjian.service.plans.publish import PublishReport

__all__ = [
    "ExplainedDecision",
    "ExplainedPart",
    "Explanation",
    "LeftOutItem",
    "PairIn",
    "PlanInput",
    "PlanRequest",
    "UnmetNeed",
    "WeightsIn",
    "explain",
    "item_titles",
    "job_in_scope",
    "job_plan",
    "job_problem",
    "job_subdistrict",
    "kind_zh",
    "merge_stages",
    "new_job_id",
    "pack_input",
    "pack_problem",
    "parse_request",
    "prepare",
    "publish_job",
    "scoped_request",
    "snapshot_items",
    "stage_progress",
    "unpack_input",
    "unpack_problem",
]

#: weights above this are refused: the objective must stay far inside 64-bit integers
MAX_WEIGHT = 100_000


class WeightsIn(BaseModel):
    """The committee's weights of the soft goals (非负整数; see gongjian.matching.problem).

    Integers are strict, as in every request body: ``true``, ``"5"`` and ``5.0`` are 422.
    """

    model_config = ConfigDict(extra="forbid")
    fit: Integer = Field(default=1, ge=0, le=MAX_WEIGHT, description="匹配度 total fit")
    coverage: Integer = Field(
        default=20, ge=0, le=MAX_WEIGHT, description="覆盖 needs covered, by priority"
    )
    fairness: Integer = Field(default=2, ge=0, le=MAX_WEIGHT, description="均衡 fair load")
    joint_coverage: Integer = Field(
        default=50, ge=0, le=MAX_WEIGHT, description="五联覆盖 each community gets each joint"
    )
    stability: Integer = Field(
        default=10, ge=0, le=MAX_WEIGHT, description="稳定 few changes against the previous plan"
    )


class PairIn(BaseModel):
    """An (item, unit) pair: ``item`` is a need id or ``"<activity id>/<role id>"`` (r1, r2…)."""

    model_config = ConfigDict(extra="forbid")
    item: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=64)


class PlanRequest(BaseModel):
    """What the committee asks the planner for (``POST /plans``, ``gongjian plan run``)."""

    model_config = ConfigDict(extra="forbid")
    quarter: Quarter = Field(description="季度，如 2026Q4")
    weights: WeightsIn = Field(default_factory=WeightsIn)
    time_limit: StrictFloat = Field(default=10.0, gt=0, le=600, description="求解时限（秒）")
    seed: Integer = Field(
        default=1, ge=0, le=2**31 - 1, description="随机种子 (same seed, same plan)"
    )
    max_distance: Integer = Field(default=2, ge=0, le=50, description="单位与社区的最大相邻步数")
    pins: list[PairIn] = Field(default_factory=list, max_length=10_000, description="固定分配")
    forbids: list[PairIn] = Field(default_factory=list, max_length=10_000, description="禁止分配")
    previous_plan_id: str | None = Field(
        default=None, max_length=64, description="上一计划编号 (re-plan against it)"
    )
    subdistrict: SubdistrictCode | None = Field(
        default=None,
        description="街道代码：计划只排这个街道（缺省为委员会所在街道）(the sub-district planned)",
    )


def parse_request(data: dict[str, Any]) -> PlanRequest:
    """A :class:`PlanRequest` from plain data, else :class:`InvalidInputError` (for the CLI)."""
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(root)", "message": field_message(e)}
            for e in exc.errors()
        ]
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise InvalidInputError(f"计划请求无效 (invalid plan request): {text}", errors) from None


# --------------------------------------------------------------------------- sub-districts
def job_subdistrict(job: Job) -> str:
    """The sub-district a job plans (recorded in its request; older jobs: the default)."""
    return str(job.request.get("subdistrict") or default_subdistrict())


def scoped_request(user: User, request: PlanRequest) -> PlanRequest:
    """The request as ``user`` may start it: of their own sub-district (named or not); a
    committee naming another one gets 403. The city role names the one it plans."""
    code = request.subdistrict or user.subdistrict
    require_subdistrict(user, code, "为其他街道制定计划")
    return request.model_copy(update={"subdistrict": code})


def job_in_scope(user: User, job: Job, *, write: bool = False) -> Job:
    """``job`` if it plans ``user``'s sub-district (the city role: any); another
    sub-district's plan is a 404 to read (as if unknown) and a 403 to act on."""
    code = job_subdistrict(job)
    if user.subdistrict is not None and user.subdistrict != code:
        if write:
            require_subdistrict(user, code, "操作其他街道的计划")
        raise NotFoundError("Plan", job.id)
    return job


def new_job_id() -> str:
    return f"plan-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------- the problem
class PlanInput(BaseModel):
    """What a solve starts from: the quarter's snapshot and the request's options.

    Reading the snapshot is quick; compiling it is the slow, CPU-bound part (a
    district: ~0.7 s against ~2.5 s), so the service reads and checks in the request
    and compiles in the solver's child process (:meth:`compile`).
    """

    snapshot: Snapshot
    max_distance: int
    weights: WeightsIn
    pins: list[PairIn] = Field(default_factory=list)
    forbids: list[PairIn] = Field(default_factory=list)
    previous: list[PairIn] | None = None
    name: str

    def compile(self) -> Problem:
        """The planning problem (see :func:`gongjian.matching.from_graph.compile_snapshot`)."""

        def pairs(ps: list[PairIn]) -> list[Pair]:
            return [Pair(item=p.item, unit=p.unit) for p in ps]

        return compile_snapshot(
            self.snapshot,
            max_distance=self.max_distance,
            weights=Weights(**self.weights.model_dump()),
            pinned=pairs(self.pins),
            forbidden=pairs(self.forbids),
            previous=pairs(self.previous) if self.previous is not None else None,
            name=self.name,
        )


def snapshot_items(snapshot: Snapshot, today: dt.date | None = None) -> set[str]:
    """The item keys the compiled problem of ``snapshot`` will have.

    Every open need of the snapshot, carried-over ones included, is an item (its id);
    role ``i`` (from 1) of an
    activity is ``"<activity id>/r<i>"`` — as :func:`compile_snapshot` names them. An
    activity dated before ``today`` (default: the clock's) is left out of the plan, as
    the compiler leaves it out, so it cannot be pinned either.
    """
    today = today if today is not None else clock.today()
    items = {n.id for n in [*snapshot.needs, *snapshot.carried]}
    for a in snapshot.activities:
        if a.date < today:
            continue
        items.update(item_key(a.id, f"r{i}") for i in range(1, len(a.roles) + 1))
    return items


def pack_input(plan_input: PlanInput) -> bytes:
    return gzip.compress(plan_input.model_dump_json().encode("utf-8"), compresslevel=6)


def unpack_input(blob: bytes) -> PlanInput:
    # a district's snapshot is ~16 MB of JSON: half of its parsing was the cyclic GC
    with gc_paused():
        return PlanInput.model_validate_json(gzip.decompress(blob))


def pack_problem(problem: Problem) -> bytes:
    """The stored form of a problem: gzip-compressed JSON (a district problem shrinks ~15x)."""
    return gzip.compress(problem.model_dump_json().encode("utf-8"), compresslevel=6)


def unpack_problem(blob: bytes) -> Problem:
    with gc_paused():
        return Problem.model_validate_json(gzip.decompress(blob))


def prepare(store: GraphStore, state: ServiceState, request: PlanRequest) -> PlanInput:
    """Read the quarter's snapshot and check the request against it.

    Raises
    ------
    NotFoundError
        ``previous_plan_id`` names no job.
    InvalidInputError
        A pin or forbid names an unknown item or unit, or the previous plan is of
        another quarter or has no plan (``errors`` hold one message per field).
    """
    previous: list[PairIn] | None = None
    errors: list[dict[str, str]] = []
    if request.previous_plan_id:
        prev = state.get_job(request.previous_plan_id)
        if request.subdistrict is not None and job_subdistrict(prev) != request.subdistrict:
            raise NotFoundError("Plan", request.previous_plan_id)  # another sub-district's
        if prev.quarter != request.quarter:
            errors.append(
                {
                    "field": "previous_plan_id",
                    "message": f"上一计划属于季度 {prev.quarter}，不是 {request.quarter}"
                    " (the previous plan is of another quarter)",
                }
            )
        elif prev.plan is None:
            errors.append(
                {
                    "field": "previous_plan_id",
                    "message": f"上一计划尚无结果（{prev.status.label_zh}）(the previous job has"
                    " no plan)",
                }
            )
        else:
            previous = [
                PairIn(item=a["item"], unit=a["unit"]) for a in prev.plan.get("assignments", [])
            ]
    snapshot = planning_snapshot(store, request.quarter, subdistrict=request.subdistrict)
    items = snapshot_items(snapshot)
    units = {u.id for u in snapshot.units}
    for field, pairs in (("pins", request.pins), ("forbids", request.forbids)):
        for i, p in enumerate(pairs):
            if p.item not in items:
                errors.append(
                    {
                        "field": f"{field}.{i}.item",
                        "message": f"{request.quarter} 没有待分配的条目 '{p.item}'（待认领"
                        "需求的编号，或 活动编号/角色编号 如 a15/r1）(unknown item: an open"
                        " need id or activity/role)",
                    }
                )
            if p.unit not in units:
                errors.append(
                    {
                        "field": f"{field}.{i}.unit",
                        "message": f"没有单位 '{p.unit}' (unknown unit)",
                    }
                )
    if errors:
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise InvalidInputError(f"计划请求无效 (invalid plan request): {text}", errors)
    if previous is not None:
        # decisions on needs that are no longer open (or units gone) cannot be kept
        previous = [p for p in previous if p.item in items and p.unit in units]
    return PlanInput(
        snapshot=snapshot,
        max_distance=request.max_distance,
        weights=request.weights,
        pins=request.pins,
        forbids=request.forbids,
        previous=previous,
        name=f"{request.quarter} 季度共建计划",
    )


# --------------------------------------------------------------------------- solving
def stage_progress(stage: str, plan: Plan | None, elapsed: float) -> dict[str, Any]:
    """The ``progress`` of a job as stored: stage, status, objective, bound, gap, elapsed."""
    return StageProgress.of(stage, plan, elapsed).model_dump()


# --------------------------------------------------------------------------- reading a job
def job_plan(job: Job) -> Plan:
    """The job's (best so far) plan; :class:`ConflictError` (409) while it has none."""
    if job.plan is None:
        raise ConflictError(
            f"计划 {job.id} 尚无结果（{job.status.label_zh}）(the job has no plan yet)",
            status=job.status.value,
        )
    return Plan.model_validate(job.plan)


def job_problem(state: ServiceState, job_id: str) -> Problem | None:
    """The problem a job solved (None for a job recorded without one)."""
    blob = state.job_problem(job_id)
    return unpack_problem(blob) if blob else None


def kind_zh(kind: str) -> str:
    """Chinese name of a resource kind (the code itself when it is not one of ours)."""
    try:
        return ResourceKind(kind).label_zh
    except ValueError:
        return kind


def item_titles(problem: Problem | None) -> dict[str, str]:
    """A readable title per item: need titles, ``活动名 · 角色类别`` for activity roles."""
    if problem is None:
        return {}
    titles = {n.id: n.name or n.id for n in problem.needs}
    for a in problem.activities:
        for r in a.roles:
            titles[item_key(a.id, r.id)] = f"{a.name or a.id} · {kind_zh(r.kind) or r.id}"
    return titles


class ExplainedPart(BaseModel):
    """One part of a decision's fit score, with its Chinese name."""

    part: str
    name_zh: str
    value: int


class ExplainedDecision(BaseModel):
    """A decision of the plan as the explanation shows it."""

    item: str
    item_title: str
    type: str
    activity: str | None = None
    unit: str
    unit_name: str
    effort: int
    score: int
    pinned: bool
    parts: dict[str, int]
    parts_zh: list[ExplainedPart]
    runner_up: RunnerUp | None = Field(
        default=None, description="次选 the best other eligible unit and why it lost (未选原因)"
    )
    carried_from: str | None = Field(default=None, description="遗留 raised in this quarter")
    overdue_days: int = Field(default=0, description="逾期天数 days past its due date")
    carry_zh: str = Field(default="", description="如 2026Q3 遗留需求，已逾期 12 天，优先安排")


class UnmetNeed(BaseModel):
    """A need the plan leaves unmet, with its reason in Chinese."""

    item: str
    title: str
    reason: str
    reason_zh: str
    detail: str = ""
    carried_from: str | None = None
    overdue_days: int = 0
    carry_zh: str = ""


class LeftOutItem(BaseModel):
    """An item the plan left out (an activity already past), with why in Chinese."""

    item: str
    name: str
    reason: str
    reason_zh: str
    detail: str = ""


class Explanation(BaseModel):
    """Why the plan is what it is: the Chinese account, fit parts, unmet reasons, conflicts."""

    plan_id: str
    text_zh: str
    decisions: list[ExplainedDecision]
    unmet: list[UnmetNeed]
    conflicts: list[Conflict]
    left_out: list[LeftOutItem] = Field(
        default_factory=list, description="未纳入计划 items left out (e.g. activities past)"
    )


def explain(plan: Plan, problem: Problem | None, *, plan_id: str) -> Explanation:
    """The explanation of a plan: Chinese text, decisions with fit parts and runner-ups,
    unmet reasons, carried-over needs (逾期), items left out."""
    titles = item_titles(problem)
    names = {u.id: u.name for u in problem.units} if problem else {}
    needs = {n.id: n for n in problem.needs} if problem else {}
    seconds = runner_ups(problem, plan) if problem else {}

    def carry(item: str) -> dict[str, Any]:
        n = needs.get(item)
        if n is None or not n.carried_from:
            return {}
        text = carry_text(n).lstrip("；")
        return {"carried_from": n.carried_from, "overdue_days": n.overdue_days, "carry_zh": text}

    decisions = [
        ExplainedDecision(
            item=a.item,
            item_title=titles.get(a.item, a.item),
            type=a.type,
            activity=a.activity,
            unit=a.unit,
            unit_name=a.unit_name or names.get(a.unit, ""),
            effort=a.effort,
            score=a.score,
            pinned=a.pinned,
            parts=dict(a.parts),
            parts_zh=[
                ExplainedPart(part=k, name_zh=part_label(k), value=v) for k, v in a.parts.items()
            ],
            runner_up=seconds.get(f"{a.item}|{a.unit}"),
            **carry(a.item),
        )
        for a in plan.assignments
    ]
    unmet = [
        UnmetNeed(
            item=u.item,
            title=titles.get(u.item, u.item),
            reason=u.reason,
            reason_zh=reason_label(u.reason),
            detail=u.detail,
            **carry(u.item),
        )
        for u in plan.unmet
    ]
    left_out = [
        LeftOutItem(
            item=lo.item,
            name=lo.name,
            reason=lo.reason,
            reason_zh=left_out_label(lo.reason),
            detail=lo.detail,
        )
        for lo in plan.left_out
    ]
    return Explanation(
        plan_id=plan_id,
        text_zh=render_plan(plan, problem),
        decisions=decisions,
        unmet=unmet,
        conflicts=plan.conflicts,
        left_out=left_out,
    )


# --------------------------------------------------------------------------- publishing
def publish_job(store: GraphStore, state: ServiceState, job_id: str) -> PublishReport:
    """Publish a plan: see :func:`gongjian.service.plans.publish.publish_job`."""
    from gongjian.service.plans.publish import publish_job as publish

    return publish(store, state, job_id)
