"""Quarterly plans (季度计划) as background jobs: create → poll → explain → publish → export.

* ``POST /plans`` (committee) reads the quarter's snapshot from the store and
  checks the request against it at once — unknown pins, forbids and previous
  plans are a 422 / 404 right away — stores it with the job and answers **202**
  with the queued job and its ``Location``. Compiling (slow for a district) and
  solving happen in the job's child process; the compiled problem is kept with
  the job for explanations and exports. Jobs run one at a time in a child process
  (:mod:`gongjian.service.plans.jobs`) and survive the client going away.
* ``GET /plans/{id}``: status, ``progress`` (stage, objective, bound, gap,
  elapsed) and the best plan so far.
* ``GET /plans/{id}/status``: the same without the plan (a few hundred bytes, not
  megabytes at district size), with an ``ETag``; ``If-None-Match`` gets a 304 while
  nothing changed. The console polls this while a job runs and reads the plan once.
* ``DELETE /plans/{id}`` (committee): a queued job is dropped, a running one is
  stopped (its child process killed) and keeps the plan of its last finished
  stage; both become ``cancelled``. A finished job is never deleted: **409**.
* ``POST /plans/{id}/publish`` (committee, once): decisions → activity
  assignments and claims (接单).
* ``GET /plans/{id}/export?format=xlsx|csv|ics``.

The committee and the viewer read every plan; unit and community users read
published plans only: a draft (not yet published) is left out of their list and is
a 404 for them, as if it did not exist.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from gongjian.core.errors import ConflictError, GongjianError, NotFoundError
from gongjian.graph.model import Community, Subdistrict, content_etag, parse_quarter
from gongjian.matching.problem import Plan
from gongjian.service.auth.permissions import require_committee
from gongjian.service.deps import CurrentUser, Page, PageParams, State, Store, audit_note
from gongjian.service.downloads import attachment
from gongjian.service.plans.exports import PlanDocument, export_plan
from gongjian.service.plans.jobs import JobManager
from gongjian.service.plans.naming import plan_name, plan_version, versions
from gongjian.service.plans.publish import PublishReport, publish_job
from gongjian.service.plans.service import (
    Explanation,
    PlanRequest,
    explain,
    job_in_scope,
    job_plan,
    job_problem,
    new_job_id,
    pack_input,
    prepare,
    scoped_request,
)
from gongjian.service.scope import effective_scope
from gongjian.service.state import Job, JobStatus, ServiceState, User, UserRole

__all__ = ["router"]

router = APIRouter(tags=["plans 季度计划"])

#: jobs allowed to wait at once; more are refused (409) until the queue drains
MAX_QUEUED = 20


class PlanJobBrief(BaseModel):
    """A planning job without its plan (for lists)."""

    id: str
    quarter: str
    name: str = Field(default="", description="计划名称，如 2026年第四季度计划（第2版）")
    version: int | None = Field(default=None, description="本季度第几版 (1 = first)")
    status: JobStatus
    status_zh: str
    progress: dict[str, Any] | None = Field(
        default=None,
        description="求解进展 stage, status, objective, bound, gap, elapsed (s), time_limit (s),"
        " started (Unix time) and series [{t, objective, bound, gap}] of the figures as the"
        " solver improved them (t: seconds since the job started)",
    )
    created_at: str
    created_by: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    published_at: str | None = None
    request: dict[str, Any]


class PlanJob(PlanJobBrief):
    """A planning job with its (best so far) plan and, once published, the report."""

    queue_position: int | None = Field(default=None, description="0 running, 1… waiting")
    publish_report: dict[str, Any] | None = None
    plan: Plan | None = None


def _jobs(request: Request) -> JobManager:
    return request.app.state.jobs


#: roles that see plans before they are published (drafts; the city reads everything)
DRAFT_READERS = frozenset({UserRole.committee, UserRole.viewer, UserRole.city})


def _visible(state: ServiceState, plan_id: str, user: User, *, with_plan: bool = True) -> Job:
    """The job, unless it is a draft and ``user`` may not see drafts (404, as if unknown)."""
    job = job_in_scope(user, state.get_job(plan_id, with_plan=with_plan))
    if job.published_at is None and user.role not in DRAFT_READERS:
        raise NotFoundError("Plan", plan_id)
    return job


@dataclass
class PlanDesk:
    """What the plan routes take: who asks, the job records, the job runner, and the
    request whose audit note says what a write did."""

    user: User
    state: ServiceState
    request: Request

    @property
    def jobs(self) -> JobManager:
        return _jobs(self.request)

    def visible(self, plan_id: str, *, with_plan: bool = True) -> Job:
        """The job as the user may see it (:func:`_visible`)."""
        return _visible(self.state, plan_id, self.user, with_plan=with_plan)

    def full(self, job: Job) -> PlanJob:
        return _full(job, self.jobs, self.state)

    def note(self, summary: str) -> None:
        audit_note(self.request, summary)


async def _desk(user: CurrentUser, state: State, request: Request) -> PlanDesk:
    return PlanDesk(user, state, request)


Desk = Annotated[PlanDesk, Depends(_desk)]


def _named(job: Job, version: int | None) -> dict[str, Any]:
    return {"name": plan_name(job.quarter, version), "version": version}


def _brief(job: Job, version: int | None = None) -> PlanJobBrief:
    return PlanJobBrief(
        status_zh=job.status.label_zh,
        **_named(job, version),
        **job.model_dump(exclude={"plan", "publish_report"}),
    )


def _full(job: Job, jobs: JobManager, state: ServiceState) -> PlanJob:
    progress = job.progress
    if job.status == JobStatus.running and progress and progress.get("started"):
        # seconds running until now, not until the solver's last report
        progress = {**progress, "elapsed": round(time.time() - float(progress["started"]), 3)}
    return PlanJob(
        status_zh=job.status.label_zh,
        **_named(job, plan_version(state, job.id, job.quarter)),
        queue_position=jobs.queue_position(job.id) if not job.status.finished else None,
        **job.model_dump(exclude={"plan", "progress"}),
        progress=progress,
        plan=Plan.model_validate(job.plan) if job.plan is not None else None,
    )


@router.post(
    "/plans",
    status_code=202,
    summary="制定季度计划 Start a planning job (committee)",
    responses={
        202: {"description": "已排队 queued; poll the Location"},
        404: {"description": "上一计划不存在 unknown previous_plan_id"},
        422: {"description": "请求无效 invalid request, unknown pin/forbid item or unit"},
    },
)
def create_plan(body: PlanRequest, desk: Desk, store: Store, response: Response) -> PlanJob:
    require_committee(desk.user, "制定计划")
    body = scoped_request(desk.user, body)
    jobs = desk.jobs
    if jobs.queued_count() >= MAX_QUEUED:
        raise ConflictError(
            f"已有 {MAX_QUEUED} 个计划在排队，请稍后再试 (too many queued jobs; try later)"
        )
    t0 = time.monotonic()
    plan_input = pack_input(prepare(store, desk.state, body))
    job_id = new_job_id()
    jobs.enqueue(
        job_id,
        body.quarter,
        body.model_dump(mode="json"),
        desk.user.id,
        plan_input,
        spent=time.monotonic() - t0,  # the snapshot came out of the user's time limit
    )
    desk.note(f"plan job {job_id} for {body.quarter}")
    response.headers["Location"] = f"/plans/{job_id}"
    return desk.full(desk.state.get_job(job_id))


@router.get("/plans", summary="计划列表 Planning jobs, newest first")
def list_plans(
    desk: Desk,
    page: PageParams,
    quarter: Annotated[str | None, Query(max_length=10, description="季度，如 2026Q4")] = None,
    subdistrict: Annotated[str | None, Query(max_length=10, description="街道代码")] = None,
) -> Page[PlanJobBrief]:
    if quarter is not None:
        quarter = parse_quarter(quarter)
    state = desk.state
    published_only = desk.user.role not in DRAFT_READERS
    scope = {
        "published_only": published_only,
        "subdistrict": effective_scope(desk.user, subdistrict),
    }
    items = state.list_jobs(quarter=quarter, offset=page.offset, limit=page.limit, **scope)
    numbers = versions(items, state)
    total = state.count_jobs(quarter=quarter, **scope)
    return page.of([_brief(j, numbers.get(j.id)) for j in items], total)


@router.get("/plans/{plan_id}", summary="查看计划 A job: status, progress, best plan so far")
def get_plan(plan_id: str, desk: Desk) -> PlanJob:
    return desk.full(desk.visible(plan_id))


@router.get(
    "/plans/{plan_id}/status",
    summary="计划进度 A job's status and progress, without its plan (ETag; for polling)",
    response_model=PlanJob,
    responses={304: {"description": "未变化 unchanged since the ETag sent in If-None-Match"}},
)
def get_plan_status(plan_id: str, desk: Desk, request: Request) -> Response:
    job = desk.full(desk.visible(plan_id, with_plan=False))
    # the tag leaves out the running clock (elapsed), which changes at every call
    progress = {k: v for k, v in (job.progress or {}).items() if k != "elapsed"}
    etag = content_etag(job.model_copy(update={"progress": progress}).model_dump_json())
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(job.model_dump_json(), media_type="application/json", headers=headers)


@router.delete(
    "/plans/{plan_id}",
    summary="停止计划 Stop a queued or running job (committee)",
    responses={409: {"description": "已结束的任务不能取消 the job has finished"}},
)
def cancel_plan(plan_id: str, desk: Desk) -> PlanJob:
    require_committee(desk.user, "停止计划")
    job_in_scope(desk.user, desk.state.get_job(plan_id), write=True)
    job = desk.jobs.cancel(plan_id)
    desk.note(f"cancel plan job {plan_id}")
    return desk.full(job)


@router.get("/plans/{plan_id}/explain", summary="计划说明 Explain the plan")
def explain_plan(plan_id: str, desk: Desk) -> Explanation:
    job = desk.visible(plan_id)
    return explain(job_plan(job), job_problem(desk.state, plan_id), plan_id=plan_id)


@router.post(
    "/plans/{plan_id}/publish",
    summary="发布计划 Publish: decisions become assignments and claims (committee, once)",
    responses={409: {"description": "未完成或已发布 not finished, or already published"}},
)
def publish_plan(plan_id: str, desk: Desk, store: Store) -> PublishReport:
    require_committee(desk.user, "发布计划")
    job_in_scope(desk.user, desk.state.get_job(plan_id), write=True)
    report = publish_job(store, desk.state, plan_id)
    desk.note(f"publish plan {plan_id}: {report.assignments} assignments, {report.claims} claims")
    return report


def _community_names(request: Request) -> dict[str, str]:
    """Community names for exports; the ids alone when the store cannot answer."""
    try:
        return {c.id: c.name for c in request.app.state.store.list(Community, limit=None)}
    except GongjianError:
        return {}


def _org(request: Request) -> str:
    """The sub-district's name for printed titles ("" when there is none or several)."""
    try:
        names = {d.name for d in request.app.state.store.list(Subdistrict, limit=None)}
    except GongjianError:
        return ""
    return names.pop() if len(names) == 1 else ""


def _stamp(job: Job) -> datetime | None:
    try:
        return datetime.fromisoformat(job.finished_at or job.created_at)
    except ValueError:
        return None


@router.get(
    "/plans/{plan_id}/export",
    summary="导出计划 Export the plan as xlsx, csv or ics",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "text/csv": {},
                "text/calendar": {},
                "application/pdf": {},
            }
        },
        409: {"description": "尚无计划 no plan yet"},
    },
)
def export_plan_file(
    plan_id: str,
    desk: Desk,
    format: Annotated[
        Literal["xlsx", "csv", "ics", "pdf"],
        Query(description="xlsx (Excel)、csv、ics (日历) 或 pdf (打印归档与一单位一页任务通知书)"),
    ] = "xlsx",
) -> Response:
    state, request = desk.state, desk.request
    job = desk.visible(plan_id)
    plan = job_plan(job)
    doc = PlanDocument(
        plan=plan,
        problem=job_problem(state, plan_id),
        job_id=job.id,
        quarter=job.quarter,
        community_names=_community_names(request),
        job_status=job.status.label_zh,
        stamp=_stamp(job),
        org=_org(request),
        version=plan_version(state, job.id, job.quarter),
    )
    out = export_plan(doc, format)
    return attachment(out.content, out.media_type, out.filename, out.ascii_filename)
