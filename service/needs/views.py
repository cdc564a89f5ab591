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
``GET /templates/needs.xlsx``      any signed-in role
``POST /needs/import``             the committee, or a community (own rows)    ``upsert_many``
=================================  ==========================================  ===============

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

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import (
    NEED_TRANSITIONS,
    Need,
    NeedStatus,
    Unit,
    check_transition,
    now_utc,
)
from gongjian.graph.store import GraphStore
from gongjian.service.auth.permissions import (
    require_committee,
    require_community,
    require_writer,
)
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.deps import CurrentUser, Page, Paging, Store, audit_note, paging
from gongjian.service.errors import ForbiddenError, PayloadTooLargeError
from gongjian.service.needs.importing import (
    SHANGHAI,
    TEMPLATE_ASCII_FILENAME,
    TEMPLATE_FILENAME,
    XLSX_MEDIA_TYPE,
    build_template,
    import_needs,
)

__all__ = ["SHANGHAI", "as_utc", "router"]

router = APIRouter()
TAG = "needs 民情交办单"

_CLOSED = frozenset({NeedStatus.resolved, NeedStatus.followed_up, NeedStatus.cancelled})
#: multipart framing allowed on top of the file itself
_MULTIPART_SLACK = 64 * 1024


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC, to the second; a naive value is taken as Asia/Shanghai time.

    >>> as_utc(datetime(2026, 12, 1, 18, 0)).isoformat()
    '2026-12-01T10:00:00+00:00'
    """
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=SHANGHAI)
    try:
        return value.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        raise InvalidInputError(
            f"时间超出范围 (date-time out of range): {value.isoformat()}",
            [{"field": "deadline", "message": "out of range"}],
        ) from None


# --------------------------------------------------------------------------- bodies
class ClaimIn(BaseModel):
    """接单: a unit claims for itself (empty body); the committee names the unit."""

    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, max_length=64, description="认领单位（委员会代认领）")


class FollowUpIn(BaseModel):
    """回访: the residents' satisfaction 1–5 and an optional note (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid")
    satisfaction: int = Field(ge=1, le=5, description="满意度 1（很不满意）– 5（很满意）")
    note: str | None = Field(default=None, max_length=500, description="回访记录")


class WhistleIn(BaseModel):
    """吹哨: the deadline to report by and the units summoned."""

    model_config = ConfigDict(extra="forbid")
    deadline: datetime = Field(
        description="报到截止时间；不带时区按北京时间 (naive = Asia/Shanghai)"
    )
    units: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=200, description="召集的单位编号"
    )

    @field_validator("units")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class ReportIn(BaseModel):
    """报到: a unit reports for itself (empty body); the committee names the unit."""

    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, max_length=64)


UnitState = Literal["reported", "late", "pending", "overdue", "cancelled"]


class WhistleUnit(BaseModel):
    unit_id: str
    reported_at: datetime | None
    state: UnitState


class WhistleView(BaseModel):
    """A whistled need with, per summoned unit, when it reported or whether it is overdue."""

    need_id: str
    title: str
    community_id: str
    status: NeedStatus
    claimed_by: str | None
    deadline: datetime | None
    overdue: bool
    overdue_units: list[str]
    units: list[WhistleUnit]


class RowErrorOut(BaseModel):
    row: int = Field(description="Excel 行号 (row number as Excel shows it)")
    field: str
    message: str


class ImportReportOut(BaseModel):
    """导入结果. ``imported`` needs were written (0 in a dry run: see ``valid``)."""

    imported: int
    skipped: int
    errors: list[RowErrorOut]
    ids: list[str]
    rows: int
    valid: int
    dry_run: bool
    format: str
    warnings: list[str]


# --------------------------------------------------------------------------- helpers
def _acting_unit(user: User, requested: str | None, what: str) -> str:
    """The unit a claim / report is for: the unit role's own, or the one the committee names."""
    if user.role == UserRole.unit:
        if requested is not None and requested != user.unit_id:
            raise ForbiddenError(
                f"单位只能为本单位{what} (a unit may only {what} for itself)", role=user.role.value
            )
        assert user.unit_id is not None
        return user.unit_id
    if user.role == UserRole.committee:
        if not requested:
            raise InvalidInputError(
                f"委员会代{what}需要 unit_id (the committee must name the unit_id)",
                [{"field": "unit_id", "message": "required for the committee"}],
            )
        return requested
    raise ForbiddenError(
        f"{user.role.label_zh}角色不能{what} (role '{user.role.value}' may not do this)",
        role=user.role.value,
    )


def _with_allowed(exc: ConflictError) -> ConflictError:
    """Add the allowed next states to a conflict that names the current one."""
    current = exc.details.get("current")
    if "allowed" not in exc.details and current in NeedStatus.__members__:
        exc.details["allowed"] = sorted(s.value for s in NEED_TRANSITIONS[NeedStatus(current)])
    return exc


def _claimer_acts(user: User, need: Need, target: NeedStatus, what: str) -> str | None:
    """Check the claiming unit (or committee) may move ``need`` to ``target``; its unit id."""
    require_writer(user)
    if user.role == UserRole.committee:
        check_transition(need.id, need.status, target)
        return None
    if user.role != UserRole.unit:
        raise ForbiddenError(
            f"{user.role.label_zh}角色不能{what}交办单 (only the claiming unit or the committee)",
            role=user.role.value,
        )
    if need.claimed_by is not None and need.claimed_by != user.unit_id:
        raise ForbiddenError(
            f"交办单 '{need.id}' 由单位 {need.claimed_by} 认领，本单位不能{what} (claimed by"
            " another unit)",
            claimed_by=need.claimed_by,
        )
    check_transition(need.id, need.status, target)
    return user.unit_id


def _transition(
    store: GraphStore,
    need_id: str,
    target: NeedStatus,
    *,
    unit_id: str | None = None,
    satisfaction: int | None = None,
) -> Need:
    try:
        return store.transition_need(need_id, target, unit_id=unit_id, satisfaction=satisfaction)
    except ConflictError as exc:
        raise _with_allowed(exc) from None


# --------------------------------------------------------------------------- life cycle
_CONFLICT = {409: {"description": "状态冲突；`allowed` 列出允许的下一状态 (allowed next states)"}}


@router.post(
    "/needs/{need_id}/claim",
    tags=[TAG],
    summary="接单 Claim (unit for itself; committee for a unit)",
    responses=_CONFLICT,
)
def claim_need(
    need_id: str,
    user: CurrentUser,
    store: Store,
    request: Request,
    body: Annotated[ClaimIn | None, Body()] = None,
) -> Need:
    """Claim an open need. Atomic: of concurrent claims exactly one wins, the others get 409
    naming the unit that holds it (``claimed_by``)."""
    unit_id = _acting_unit(user, body.unit_id if body else None, "接单")
    try:
        need = store.claim_need(need_id, unit_id)
    except ConflictError as exc:
        raise _with_allowed(exc) from None
    audit_note(request, f"claim need {need_id} by unit {unit_id}")
    return need


def _claimer_step(
    store: GraphStore,
    user: User,
    request: Request,
    need_id: str,
    target: NeedStatus,
    *,
    what: str,
    verb: str,
) -> Need:
    """A step only the claiming unit (or the committee) takes: start, resolve."""
    need = store.get(Need, need_id)
    unit_id = _claimer_acts(user, need, target, what)
    need = _transition(store, need_id, target, unit_id=unit_id)
    audit_note(request, f"{verb} need {need_id}")
    return need


@router.post(
    "/needs/{need_id}/start",
    tags=[TAG],
    summary="开始办理 Start (claiming unit or committee)",
    responses=_CONFLICT,
)
def start_need(need_id: str, user: CurrentUser, store: Store, request: Request) -> Need:
    return _claimer_step(
        store, user, request, need_id, NeedStatus.in_progress, what="办理", verb="start"
    )


@router.post(
    "/needs/{need_id}/resolve",
    tags=[TAG],
    summary="办结 Resolve (claiming unit or committee)",
    responses=_CONFLICT,
)
def resolve_need(need_id: str, user: CurrentUser, store: Store, request: Request) -> Need:
    return _claimer_step(
        store, user, request, need_id, NeedStatus.resolved, what="办结", verb="resolve"
    )


@router.post(
    "/needs/{need_id}/follow-up",
    tags=[TAG],
    summary="回访 Follow up with satisfaction 1–5 (the need's community or committee)",
    responses=_CONFLICT,
)
def follow_up_need(
    need_id: str, body: FollowUpIn, user: CurrentUser, store: Store, request: Request
) -> Need:
    """Record the residents' satisfaction; the note goes into the audit log entry."""
    require_writer(user)
    need = store.get(Need, need_id)
    require_community(user, need.community_id, "回访其他社区的交办单")
    check_transition(need_id, need.status, NeedStatus.followed_up)
    need = _transition(store, need_id, NeedStatus.followed_up, satisfaction=body.satisfaction)
    note = f": {body.note.strip()[:300]}" if body.note and body.note.strip() else ""
    audit_note(request, f"follow up need {need_id}, satisfaction {body.satisfaction}{note}")
    return need


@router.post(
    "/needs/{need_id}/cancel",
    tags=[TAG],
    summary="撤销 Cancel (the need's community or committee)",
    responses=_CONFLICT,
)
def cancel_need(need_id: str, user: CurrentUser, store: Store, request: Request) -> Need:
    require_writer(user)
    need = store.get(Need, need_id)
    require_community(user, need.community_id, "撤销其他社区的交办单")
    check_transition(need_id, need.status, NeedStatus.cancelled)
    need = _transition(store, need_id, NeedStatus.cancelled)
    audit_note(request, f"cancel need {need_id}")
    return need


# --------------------------------------------------------------------------- whistle / report
@router.post(
    "/needs/{need_id}/whistle",
    tags=[TAG],
    summary="吹哨 Whistle: summon units to report by a deadline (committee)",
    responses=_CONFLICT,
)
def whistle_need(
    need_id: str, body: WhistleIn, user: CurrentUser, store: Store, request: Request
) -> Need:
    """Flag the need as a whistle. Naive ``deadline`` = Beijing time; it must lie ahead.
    Unknown unit ids → 422 (nothing written). A resolved, followed-up or cancelled need → 409."""
    require_committee(user, "吹哨")
    deadline = as_utc(body.deadline)
    now = now_utc()
    if deadline <= now:
        raise InvalidInputError(
            f"截止时间 {deadline.isoformat()} 已过，应晚于现在 {now.isoformat()} (the deadline"
            " must be in the future)",
            [{"field": "deadline", "message": "must be in the future"}],
        )
    store.get(Need, need_id)
    unknown = []
    for unit_id in body.units:
        try:
            store.get(Unit, unit_id)
        except NotFoundError:
            unknown.append(unit_id)
    if unknown:
        raise InvalidInputError(
            f"未知单位 (unknown units): {', '.join(unknown)}",
            [
                {"field": f"units.{body.units.index(u)}", "message": f"未知单位 '{u}' (unknown)"}
                for u in unknown
            ],
        )
    units = body.units

    def change(need: Need) -> Need:
        if need.status in _CLOSED:
            raise ConflictError(
                f"交办单 '{need.id}' 已{need.status.label_zh}，不能吹哨 (a {need.status.value}"
                " need cannot be whistled)",
                current=need.status.value,
                allowed=sorted(s.value for s in NEED_TRANSITIONS[need.status]),
            )
        reports = {u: t for u, t in need.reports.items() if u in units}
        return need.model_copy(
            update={
                "whistle": True,
                "whistle_deadline": deadline,
                "summoned": list(units),
                "reports": reports,
            }
        )

    need = store.modify(Need, need_id, change)
    audit_note(request, f"whistle need {need_id}: {', '.join(units)} by {deadline.isoformat()}")
    return need


@router.post(
    "/needs/{need_id}/report",
    tags=[TAG],
    summary="报到 Report for a whistle (summoned unit; committee for a unit)",
    responses={409: {"description": "未吹哨或未被召集 (not whistled / unit not summoned)"}},
)
def report_need(
    need_id: str,
    user: CurrentUser,
    store: Store,
    request: Request,
    body: Annotated[ReportIn | None, Body()] = None,
) -> Need:
    """Record that the unit reported (``reports[unit] = now``). Reporting again is
    idempotent: the first time is kept. Late reports are recorded too (``GET /whistles``
    shows them as ``late``)."""
    unit_id = _acting_unit(user, body.unit_id if body else None, "报到")
    store.get(Need, need_id)
    at = now_utc()

    def change(need: Need) -> Need:
        if not need.whistle:
            raise ConflictError(
                f"交办单 '{need.id}' 没有吹哨，无需报到 (the need is not a whistle)",
                whistle=False,
            )
        if need.status == NeedStatus.cancelled:
            raise ConflictError(
                f"交办单 '{need.id}' 已撤销 (the need was cancelled)", current=need.status.value
            )
        if unit_id not in need.summoned:
            raise ConflictError(
                f"单位 {unit_id} 未被召集，不能报到 (unit {unit_id} was not summoned)",
                summoned=list(need.summoned),
            )
        if unit_id in need.reports:
            return need
        return need.model_copy(update={"reports": {**need.reports, unit_id: at}})

    need = store.modify(Need, need_id, change)
    audit_note(request, f"report unit {unit_id} for whistle {need_id}")
    return need


def _stored_time(value: datetime | None) -> datetime | None:
    """A stored time as aware UTC (a naive one, written by an old client, is Beijing time)."""
    if value is None:
        return None
    try:
        return as_utc(value)
    except InvalidInputError:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def whistle_view(need: Need, now: datetime) -> WhistleView:
    """A whistled need as the whistle list shows it, at time ``now``."""
    deadline = _stored_time(need.whistle_deadline)
    passed = deadline is not None and now > deadline
    units = []
    for unit_id in need.summoned:
        at = _stored_time(need.reports.get(unit_id))
        state: UnitState
        if at is not None:
            state = "late" if deadline is not None and at > deadline else "reported"
        elif need.status == NeedStatus.cancelled:
            state = "cancelled"
        else:
            state = "overdue" if passed else "pending"
        units.append(WhistleUnit(unit_id=unit_id, reported_at=at, state=state))
    overdue = [u.unit_id for u in units if u.state == "overdue"]
    return WhistleView(
        need_id=need.id,
        title=need.title,
        community_id=need.community_id,
        status=need.status,
        claimed_by=need.claimed_by,
        deadline=deadline,
        overdue=bool(overdue),
        overdue_units=overdue,
        units=units,
    )


@router.get("/whistles", tags=[TAG], summary="吹哨清单 Whistled needs, reports and overdue units")
def list_whistles(
    user: CurrentUser,
    store: Store,
    page: Annotated[Paging, Depends(paging)],
    overdue: Annotated[
        bool | None, Query(description="true: 仅有超期未报到单位的; false: 仅无超期的")
    ] = None,
    community_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[WhistleView]:
    """Whistled needs ordered by deadline then id, each with its units' report states."""
    filters: dict[str, Any] = {"whistle": True}
    if community_id:
        filters["community_id"] = community_id
    now = now_utc()
    views = [whistle_view(n, now) for n in store.list(Need, filters=filters, limit=None)]
    if overdue is not None:
        views = [v for v in views if v.overdue == overdue]
    far = datetime.max.replace(tzinfo=UTC)
    views.sort(key=lambda v: (v.deadline or far, v.need_id))
    items = views[page.offset : page.offset + page.limit]
    return Page[WhistleView](items=items, total=len(views), offset=page.offset, limit=page.limit)


# --------------------------------------------------------------------------- import
@router.get(
    "/templates/needs.xlsx",
    tags=[TAG],
    summary="导入模板 Download the xlsx template for importing needs",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
    },
)
def needs_template(user: CurrentUser, store: Store) -> Response:
    """Header row ``标题 title`` …, one example row (ignored on import), the options sheet
    (categories, communities, grids) and a help sheet."""
    disposition = (
        f'attachment; filename="{TEMPLATE_ASCII_FILENAME}";'
        f" filename*=UTF-8''{quote(TEMPLATE_FILENAME)}"
    )
    return Response(
        build_template(store),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The ``file`` part of a multipart body, reading at most ``limit`` + framing bytes."""
    too_large = PayloadTooLargeError(
        f"文件超过上传上限 {limit} 字节 (the upload exceeds {limit} bytes)", max_bytes=limit
    )
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidInputError(
            "请用 multipart/form-data 上传，文件字段名为 file (upload the file as multipart"
            " form field 'file')",
            [{"field": "file", "message": "multipart/form-data with a 'file' part required"}],
        )
    cap = limit + _MULTIPART_SLACK
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise too_large
    except ClientDisconnect:
        raise InvalidInputError("上传中断 (the upload was interrupted)") from None
    data = bytes(body)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": data, "more_body": False}

    try:
        form = await StarletteRequest(request.scope, replay).form(max_files=1, max_fields=20)
    except StarletteHTTPException as exc:
        raise InvalidInputError(
            f"multipart 请求格式错误 (malformed multipart body): {exc.detail}",
            [{"field": "file", "message": str(exc.detail)}],
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(
                "缺少文件字段 file (the multipart body has no 'file' part)",
                [{"field": "file", "message": "required"}],
            )
        content = await upload.read(limit + 1)
        if len(content) > limit:
            raise too_large
        return content, upload.filename
    finally:
        await form.close()


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "xlsx 或 UTF-8 CSV (xlsx or UTF-8 CSV)",
                        }
                    },
                }
            }
        },
    }
}


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
    require_writer(user)
    if user.role == UserRole.unit:
        raise ForbiddenError(
            "单位角色不能导入交办单 (units may not import needs)", role=user.role.value
        )
    scope = None
    if user.role == UserRole.community:
        require_community(user, user.community_id, "导入交办单")
        scope = user.community_id
    limit = int(request.app.state.settings.max_upload_bytes)
    data, filename = await _read_upload(request, limit)
    report = await run_in_threadpool(
        import_needs,
        store,
        data,
        filename,
        community_scope=scope,
        skip_errors=skip_errors,
        dry_run=dry_run,
    )
    if not dry_run:
        audit_note(
            request,
            f"import {report.imported} needs from {(filename or 'upload')[:80]}"
            f" ({report.skipped} rows skipped)",
        )
    return ImportReportOut.model_validate(report.as_dict())
