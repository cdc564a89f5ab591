"""Work orders (民情交办单): life cycle, whistle (吹哨) and report (报到), Excel / CSV import.

The plain CRUD of ``/needs`` is in :mod:`gongjian.service.registry.views`; this
router adds what moves a need along (every route returns the updated
:class:`~gongjian.graph.model.Need`):

=================================  ==========================================  ===============
route                              who                                         store call
=================================  ==========================================  ===============
``POST /needs/{id}/claim`` 接单     the unit (for itself) or the committee      ``claim_need``
                                   (``{"unit_id"}``)
``POST /needs/{id}/start``          the claiming unit or the committee          ``transition_need``
``POST /needs/{id}/resolve``        the claiming unit or the committee          ``transition_need``
``POST /needs/{id}/follow-up`` 回访  the need's community or the committee       ``transition_need``
``POST /needs/{id}/cancel``         the need's community or the committee       ``transition_need``
``POST /needs/{id}/whistle`` 吹哨   the committee                               ``modify``
``POST /needs/{id}/report`` 报到    a summoned unit (or the committee for it)   ``modify``
``GET /whistles``                  any signed-in role
``GET /needs/{id}/recommendations`` the committee, the viewer; a community      snapshot, reads
推荐                                 (own needs)
``GET /templates/needs.xlsx``      any signed-in role
``POST /needs/import``             the committee, or a community (own rows)    ``upsert_many``
=================================  ==========================================  ===============

What the routes do beyond parsing is in :mod:`gongjian.service.needs.service`.

* A second claim gets 409 naming who holds the need; an illegal transition gets 409
  whose body lists the ``allowed`` next states. Another unit acting on a claimed need
  gets 403.
* **Time zones.** Every time the service records or returns is timezone-aware UTC.
  A date-time a client sends *without* an offset (``2026-12-01T18:00:00``) is read
  as Beijing time, Asia/Shanghai (UTC+8, no daylight saving): the people who set
  deadlines are in China.
* **Report twice** (报到): idempotent — the first report time is kept and the call
  answers 200 with the need unchanged.
* **Re-whistle**: whistling a whistled need replaces deadline and summoned units;
  reports of units that stay summoned are kept.
* ``GET /whistles``: per summoned unit a ``state``: ``reported`` (on time),
  ``late`` (reported after the deadline), ``pending`` (deadline not reached),
  ``overdue`` (deadline passed, not reported) or ``cancelled`` (the need was
  cancelled: nobody is overdue). ``overdue=true`` keeps needs with at least one
  overdue unit, ``overdue=false`` those with none; absent, all whistled needs.
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from gongjian.graph.model import Need
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User
from gongjian.service.deps import CurrentUser, Page, PageParams, Store, audit_note
from gongjian.service.downloads import attachment, file_responses
from gongjian.service.needs import service, steps
from gongjian.service.needs.importing import (
    TEMPLATE_ASCII_FILENAME,
    TEMPLATE_FILENAME,
    XLSX_MEDIA_TYPE,
    build_template,
)
from gongjian.service.needs.privacy import PresentingRoute
from gongjian.service.needs.recommend import NeedRecommendations, recommendations
from gongjian.service.needs.schemas import (
    ClaimedNeed,
    ClaimIn,
    DecideIn,
    DispatchIn,
    ExtensionIn,
    FollowUpIn,
    ImportReportOut,
    NoteIn,
    ReasonIn,
    ReportIn,
    StepOut,
    SuperviseIn,
    WhistleIn,
    WhistleView,
)
from gongjian.service.needs.upload import file_body, read_upload
from gongjian.service.scope import ScopedReads

__all__ = ["router"]

router = APIRouter(route_class=PresentingRoute)  # every need answered as the user may read it
TAG = "needs 民情交办单"


# --------------------------------------------------------------------------- life cycle
_CONFLICT = {409: {"description": "状态冲突；`allowed` 列出允许的下一状态 (allowed next states)"}}


def _need_post(
    verb: str, summary: str, responses: dict[int | str, dict[str, Any]] = _CONFLICT
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The route decorator of ``POST /needs/{need_id}/<verb>``, a step in a need's life."""
    return router.post(
        f"/needs/{{need_id}}/{verb}", tags=[TAG], summary=summary, responses=responses
    )


@dataclass
class NeedStep:
    """What every step route takes: who acts on which need, in which store, and the request
    whose audit note says what the step did."""

    need_id: str
    user: User
    store: GraphStore
    request: Request

    @property
    def args(self) -> dict[str, Any]:
        """The keyword arguments every step of :mod:`gongjian.service.needs.steps` takes."""
        return {"store": self.store, "user": self.user, "need_id": self.need_id}

    def done(self, need: Need, note: str) -> Need:
        """Record ``note`` for the audit log and answer with the stepped ``need``."""
        audit_note(self.request, note)
        return need


async def need_step(need_id: str, user: CurrentUser, store: Store, request: Request) -> NeedStep:
    return NeedStep(need_id, user, store, request)


Step = Annotated[NeedStep, Depends(need_step)]


@_need_post("claim", "接单 Claim (unit for itself; committee for a unit)")
def claim_need(at: Step, body: Annotated[ClaimIn | None, Body()] = None) -> ClaimedNeed:
    """Claim an open need. Atomic: of concurrent claims exactly one wins, the others get 409
    naming the unit that holds it (``claimed_by``); beyond the unit's remaining capacity
    this quarter 409 says how much is left (the committee may ``override``, audited)."""
    unit_id = service.acting_unit(
        user=at.user, requested=body.unit_id if body else None, what="接单"
    )
    override = bool(body and body.override)
    need = service.claim(**at.args, unit_id=unit_id, override=override)
    note = f"claim need {at.need_id} by unit {unit_id}"
    return at.done(need, note + (" (override: beyond capacity)" if override else ""))


@_need_post("start", "开始办理 Start (holding unit or committee)")
def start_need(at: Step) -> Need:
    """claimed → in_progress."""
    return at.done(steps.start(**at.args), f"start need {at.need_id}")


@_need_post("resolve", "办结 Resolve with a resolution note (holding unit or committee)")
def resolve_need(at: Step, body: Annotated[NoteIn | None, Body()] = None) -> Need:
    """in_progress → resolved; ``note`` (办结说明) is required (422 without)."""
    need = steps.resolve(**at.args, note=body.note if body else "")
    return at.done(need, f"resolve need {at.need_id}")


@_need_post(
    "follow-up",
    "回访 Follow up with satisfaction 1–5; 1–2 reopens it (the need's community or committee)",
)
def follow_up_need(body: FollowUpIn, at: Step) -> Need:
    """Record the residents' satisfaction (and note, in the timeline); 1–2 (不满意) sends the
    order back to its unit as 重办 (in_progress, ``reopens`` + 1)."""
    need = steps.follow_up(**at.args, satisfaction=body.satisfaction, note=body.note)
    note = f": {body.note.strip()[:300]}" if body.note and body.note.strip() else ""
    return at.done(need, f"follow up need {at.need_id}, satisfaction {body.satisfaction}{note}")


def _reason_route(verb: str, step: Callable[..., Need], summary: str, doc: str) -> None:
    """``POST /needs/{id}/<verb> {reason}``: release, return, reopen, cancel."""

    def route(at: Step, body: Annotated[ReasonIn | None, Body()] = None) -> Need:
        need = step(**at.args, reason=body.reason if body else "")
        return at.done(need, f"{verb} need {at.need_id}")

    route.__name__ = f"{verb}_need"  # the operation id
    route.__doc__ = doc
    _need_post(verb, summary)(route)


_reason_route(
    "cancel",
    steps.cancel,
    "撤销 Cancel with a reason (the need's community or committee)",
    "open / claimed / in_progress → cancelled; ``reason`` (撤销原因) is required.",
)
_reason_route(
    "release",
    steps.release,
    "收回 Release a claimed order back to open (committee)",
    "claimed / in_progress (also a plan's claim) → open; ``reason`` required.",
)
_reason_route(
    "return",
    steps.return_need,
    "退单 Return the order (the holding unit)",
    "claimed / in_progress → open, ``returns`` + 1; ``reason`` required.",
)
_reason_route(
    "reopen",
    steps.reopen,
    "重办 Reopen a resolved order (the need's community or committee)",
    "resolved / followed_up → in_progress for the same unit, ``reopens`` + 1.",
)


@_need_post("dispatch", "派单/改派 Dispatch or reassign to a unit (committee)")
def dispatch_need(body: DispatchIn, at: Step) -> Need:
    """open → claimed by ``unit_id``, or a claimed / in-progress order (a plan's claim too)
    to another unit; within the unit's capacity this quarter unless ``override``."""
    need = steps.dispatch(**at.args, unit_id=body.unit_id, note=body.note, override=body.override)
    return at.done(need, f"dispatch need {at.need_id} to unit {body.unit_id}")


@_need_post("extension", "申请延期 Ask for a later due date (the holding unit)")
def extension_need(body: ExtensionIn, at: Step) -> Need:
    """One pending request at a time; the new due date must be later than the current one."""
    need = steps.request_extension(**at.args, due=body.due, reason=body.reason or "")
    return at.done(need, f"request extension of need {at.need_id} to {body.due.isoformat()}")


@_need_post("extension/decide", "批准/驳回延期 Decide an extension request (committee)")
def decide_extension_need(body: DecideIn, at: Step) -> Need:
    """Approve (``due`` moves, ``extensions`` + 1) or refuse the pending request."""
    need = steps.decide_extension(**at.args, approve=body.approve, note=body.note)
    verdict = "approve" if body.approve else "refuse"
    return at.done(need, f"{verdict} extension of {at.need_id}")


@_need_post("supervise", "督办 Supervise with a deadline and a note (committee)")
def supervise_need(body: SuperviseIn, at: Step) -> Need:
    """Flag the order as supervised (``supervisions`` + 1); naive deadline = Beijing time."""
    need = steps.supervise(**at.args, deadline=body.deadline, note=body.note or "")
    return at.done(need, f"supervise need {at.need_id}")


@router.get(
    "/needs/{need_id}/timeline",
    tags=[TAG],
    summary="办理记录 Timeline: every step of the order, oldest first",
    responses={404: {"description": "交办单不存在"}},
)
def need_timeline(need_id: str, user: CurrentUser, store: ScopedReads) -> list[StepOut]:
    """``[{seq, at, by, by_name, by_role, action, action_zh, note, unit_id, unit_name}]``."""
    return steps.timeline_out(store=store, need_id=need_id)


# --------------------------------------------------------------------------- ask the planner
@router.get(
    "/needs/{need_id}/recommendations",
    tags=[TAG],
    summary="推荐单位 The best units for an open need now (committee, viewer; community: own)",
    responses={
        403: {"description": "单位角色或其他社区 (units; another community's need)"},
        409: {"description": "需求不是待认领状态 (the need is not open)"},
    },
)
def need_recommendations(
    need_id: str,
    user: CurrentUser,
    store: ScopedReads,
    limit: Annotated[int, Query(ge=1, le=20, description="推荐数量 how many units")] = 5,
) -> NeedRecommendations:
    """Per unit: name, total fit score and its parts in Chinese (适配度, 距离, 结对, 以往合作,
    以往满意度), remaining capacity this quarter, distance, and which claims it would give up
    when taking the need exceeds its capacity. Best first, as the planner would place the need
    alone (see :mod:`gongjian.service.needs.recommend`)."""
    return recommendations(store=store, user=user, need_id=need_id, limit=limit)


# --------------------------------------------------------------------------- whistle / report
@_need_post("whistle", "吹哨 Whistle: summon units to report by a deadline (committee)")
def whistle_need(body: WhistleIn, at: Step) -> Need:
    """Flag the need as a whistle. Naive ``deadline`` = Beijing time; it must lie ahead.
    Unknown unit ids → 422 (nothing written). A resolved, followed-up or cancelled need → 409."""
    need, deadline = service.whistle(**at.args, deadline=body.deadline, units=body.units)
    summoned = ", ".join(body.units)
    return at.done(need, f"whistle need {at.need_id}: {summoned} by {deadline.isoformat()}")


@_need_post(
    "report",
    "报到 Report for a whistle (summoned unit; committee for a unit)",
    {409: {"description": "未吹哨或未被召集 (not whistled / unit not summoned)"}},
)
def report_need(at: Step, body: Annotated[ReportIn | None, Body()] = None) -> Need:
    """Record that the unit reported (``reports[unit] = now``). Reporting again is
    idempotent: the first time is kept. Late reports are recorded too (``GET /whistles``
    shows them as ``late``)."""
    unit_id = service.acting_unit(
        user=at.user, requested=body.unit_id if body else None, what="报到"
    )
    need = service.report(**at.args, unit_id=unit_id)
    return at.done(need, f"report unit {unit_id} for whistle {at.need_id}")


@router.get("/whistles", tags=[TAG], summary="吹哨清单 Whistled needs, reports and overdue units")
def list_whistles(
    user: CurrentUser,
    store: ScopedReads,
    page: PageParams,
    overdue: Annotated[
        bool | None, Query(description="true: 仅有超期未报到单位的; false: 仅无超期的")
    ] = None,
    community_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[WhistleView]:
    """Whistled needs ordered by deadline then id, each with its units' report states."""
    views = service.whistles(store=store, overdue=overdue, community_id=community_id)
    return page.cut(views)


# --------------------------------------------------------------------------- import
@router.get(
    "/templates/needs.xlsx",
    tags=[TAG],
    summary="导入模板 Download the xlsx template for importing needs",
    response_class=Response,
    responses=file_responses(XLSX_MEDIA_TYPE),
)
def needs_template(user: CurrentUser, store: Store) -> Response:
    """Header row ``标题 title`` …, one example row (ignored on import), the options sheet
    (categories, communities, grids) and a help sheet."""
    content = build_template(store)
    return attachment(
        content, XLSX_MEDIA_TYPE, TEMPLATE_FILENAME, TEMPLATE_ASCII_FILENAME, no_store=True
    )


_UPLOAD_BODY = file_body("xlsx 或 UTF-8 CSV (xlsx or UTF-8 CSV)")


@router.post(
    "/needs/import",
    tags=[TAG],
    summary="批量导入交办单 Import needs from xlsx / csv (committee; community: own rows)",
    openapi_extra=_UPLOAD_BODY,
    responses={
        413: {"description": "文件过大或行数过多 (file or row count too large)"},
        422: {"description": "有错误行：不导入任何数据，`error.report` 为完整报告"},
    },
)
async def import_needs_route(
    request: Request,
    user: CurrentUser,
    store: Store,
    skip_errors: Annotated[bool, Query(description="跳过错误行，导入其余行")] = False,
    dry_run: Annotated[bool, Query(description="只校验，不写入 (validate only)")] = False,
) -> ImportReportOut:
    """Import every row or none: any bad row (and ``skip_errors`` false) → 422 with the full
    report, nothing written. Format is detected from the content; CSV must be UTF-8."""
    scope = service.import_scope(user=user)
    limit = int(request.app.state.settings.max_upload_bytes)
    data, filename = await read_upload(request, limit)
    report = await run_in_threadpool(
        functools.partial(
            service.import_file,
            store=store,
            data=data,
            filename=filename,
            scope=scope,
            skip_errors=skip_errors,
            dry_run=dry_run,
        )
    )
    if not dry_run:
        audit_note(
            request,
            f"import {report.imported} needs from {(filename or 'upload')[:80]}"
            f" ({report.skipped} rows skipped)",
        )
    return ImportReportOut.model_validate(report.as_dict())
