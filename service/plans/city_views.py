"""全市计划 (city role): one plan job per sub-district, followed in one place.

* ``POST /plans/city`` (city role only, 403 otherwise) ``{quarter, subdistricts?,
  time_limit?, seed?}``: one plan job per sub-district (all of them when
  ``subdistricts`` is left out); **202** with the run and its ``Location``. On the
  local engine the jobs wait their turn in the service's job manager (one solve at a
  time on the machine, as every plan); with ``GONGJIAN_RAY_ADDRESS`` set they run on
  Ray in parallel. An unknown code is a failed sub-district of the run; the others go on.
* ``GET /plans/city/{run_id}``: per sub-district status, objective, bound, gap,
  seconds, coverage (met needs / needs) and error; the run's counts by status.
* ``GET /plans/city``: the newest runs (of ``?quarter=``).
* ``POST /plans/city/{run_id}/cancel``: the run's unfinished sub-districts become
  ``cancelled`` and their work stops (a queued solve is dropped, a running one
  killed: its child process, or its Ray task force-cancelled); finished ones keep
  their plans. The city role cancels the whole run, a committee the sub-district
  of its own (403 when the run has none of it, or for the other roles); an unknown
  run is a 404, a run with nothing left to cancel a 409.

The sub-districts' plans are ordinary jobs (``/plans/{id}``: explain, export, publish
by the sub-district's committee). See :mod:`gongjian.service.plans.city`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import Integer, Quarter, StrictFloat, SubdistrictCode, parse_quarter
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.deps import CurrentUser, State, Store
from gongjian.service.errors import ForbiddenError
from gongjian.service.plans import city as runs
from gongjian.service.plans.views import Desk
from gongjian.service.state import JobStatus, ServiceState

__all__ = ["router"]

router = APIRouter(tags=["plans 季度计划"])

#: sub-districts one run may name
MAX_SUBDISTRICTS = 1000


class CityPlanRequest(BaseModel):
    """What the city asks for: a quarter, its sub-districts (default all), the options."""

    model_config = ConfigDict(extra="forbid")
    quarter: Quarter = Field(description="季度，如 2026Q4")
    subdistricts: list[SubdistrictCode] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SUBDISTRICTS,
        description="街道代码 (默认全部) sub-district codes, default all",
    )
    time_limit: StrictFloat = Field(
        default=10.0, gt=0, le=600, description="每个街道的求解时限（秒）"
    )
    seed: Integer = Field(default=1, ge=0, le=2**31 - 1, description="随机种子")


class CitySubdistrict(BaseModel):
    """One sub-district of a run."""

    id: str = Field(description="街道代码")
    name: str
    job_id: str = Field(description="该街道的计划任务 (/plans/{job_id})")
    status: JobStatus
    status_zh: str
    stage: str | None = None
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    seconds: float | None = None
    met_needs: int | None = Field(default=None, description="已满足需求数")
    needs: int | None = Field(default=None, description="需求数")
    coverage: float | None = Field(default=None, description="覆盖率 met needs / needs")
    error: str | None = None
    lat: float | None = Field(default=None, description="街道中心纬度 (its communities' mean)")
    lon: float | None = Field(default=None, description="街道中心经度")


class CityRunOut(BaseModel):
    """A city run: its sub-districts and how many are at each status."""

    id: str
    quarter: str
    engine: str = Field(description="local (one solve at a time) or ray")
    finished: bool = Field(description="每个街道都已结束 every sub-district has finished")
    counts: dict[str, int]
    subdistricts: list[CitySubdistrict]


class CityRunBrief(BaseModel):
    id: str
    quarter: str
    created_at: str
    engine: str
    subdistricts: int
    counts: dict[str, int]


def _require_city(user: User, what: str) -> None:
    if user.role != UserRole.city:
        raise ForbiddenError(
            f"{user.role.label_zh}角色无权{what}，仅区/市组织部可以 (only the city role may"
            " do this)",
            role=user.role.value,
        )


def _run_out(state: ServiceState, run_id: str) -> CityRunOut:
    jobs = runs.run_jobs(state, run_id)
    if not jobs:
        raise NotFoundError("CityRun", run_id)
    rows = [CitySubdistrict(**runs.job_row(state, j)) for j in jobs]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    return CityRunOut(
        id=run_id,
        quarter=jobs[0].quarter,
        engine=str(jobs[0].request.get("engine", "local")),
        finished=all(r.status.finished for r in rows),
        counts=counts,
        subdistricts=rows,
    )


@router.post(
    "/plans/city",
    status_code=202,
    summary="全市计划 One plan per sub-district (city role)",
    responses={
        202: {"description": "已开始 started; poll the Location"},
        422: {"description": "请求无效 invalid request, or no known sub-district named"},
    },
)
def create_city_plan(
    body: CityPlanRequest, desk: Desk, store: Store, response: Response
) -> CityRunOut:
    user = desk.user
    _require_city(user, "制定全市计划")
    known = {s.id: s.name for s in store.subdistricts()}
    wanted = list(dict.fromkeys(body.subdistricts)) if body.subdistricts else list(known)
    found = {sd: known[sd] for sd in wanted if sd in known}
    if not found:
        raise InvalidInputError(
            f"没有可计划的街道 (no known sub-district): {', '.join(wanted) or '-'}",
            [{"field": "subdistricts", "message": "未知街道 (unknown sub-districts)"}],
        )
    run = runs.CityRun(
        run_id=runs.new_run_id(body.quarter),
        quarter=body.quarter,
        subdistricts=found,
        unknown=[sd for sd in wanted if sd not in known],
        time_limit=body.time_limit,
        seed=body.seed,
        created_by=user.id,
        centroids=runs.centroids(store, found),
    )
    engine = runs.start_run(desk.request.app.state.store, desk.state, desk.jobs, run)
    desk.note(f"city plan {run.run_id}: {len(wanted)} sub-districts on {engine}")
    response.headers["Location"] = f"/plans/city/{run.run_id}"
    return _run_out(desk.state, run.run_id)


@router.get("/plans/city", summary="全市计划列表 City runs, newest first (city role)")
def list_city_plans(
    user: CurrentUser,
    state: State,
    quarter: Annotated[str | None, Query(max_length=10, description="季度，如 2026Q4")] = None,
) -> list[CityRunBrief]:
    _require_city(user, "查看全市计划")
    if quarter is not None:
        quarter = parse_quarter(quarter)
    return [CityRunBrief(**r) for r in runs.list_runs(state, quarter)]


@router.get(
    "/plans/city/{run_id}",
    summary="查看全市计划 A city run: each sub-district's status and figures (city role)",
)
def get_city_plan(run_id: str, user: CurrentUser, state: State) -> CityRunOut:
    _require_city(user, "查看全市计划")
    return _run_out(state, run_id)


@router.post(
    "/plans/city/{run_id}/cancel",
    summary="取消全市计划 Cancel a city run's unfinished sub-districts (city; a committee: its own)",
    responses={
        403: {
            "description": "无权取消 not the city role, nor the committee of a sub-district of the run"
        },
        404: {"description": "没有这个全市计划 unknown run"},
        409: {"description": "已结束 every sub-district (of the committee's) has finished"},
    },
)
def cancel_city_plan(run_id: str, desk: Desk) -> CityRunOut:
    user, state = desk.user, desk.state
    if user.role not in (UserRole.city, UserRole.committee):
        raise ForbiddenError(
            f"{user.role.label_zh}角色无权取消全市计划，仅区/市组织部或本街道共建委员会可以"
            " (only the city role, or the committee of a sub-district of the run, may cancel it)",
            role=user.role.value,
        )
    jobs = runs.run_jobs(state, run_id)
    if not jobs:
        raise NotFoundError("CityRun", run_id)
    mine = jobs
    if user.role == UserRole.committee:
        mine = [
            j
            for j in jobs
            if user.subdistrict is None or j.request.get("subdistrict") == user.subdistrict
        ]
        if not mine:
            raise ForbiddenError(
                f"共建委员会（{user.subdistrict}）无权取消不含本街道的全市计划 (a committee may"
                " cancel only its own sub-district of a city run)",
                role=user.role.value,
                subdistrict=user.subdistrict,
            )
    open_ = [j.id for j in mine if not j.status.finished]
    if not open_:
        raise ConflictError(
            f"全市计划 {run_id} 已结束，无法取消 (the run has finished and cannot be cancelled)",
            run_id=run_id,
        )
    cancelled = runs.cancel_run(state, desk.jobs, run_id, open_)
    desk.note(f"cancel city plan {run_id}: {len(cancelled)} sub-districts")
    return _run_out(state, run_id)
