"""我的 (Me): the signed-in user's to-do list and, for a unit, its own calendar and task list.

=================================  ====================  ==========================================
route                              who                   what
=================================  ====================  ==========================================
``GET /me/todo``                   every signed-in role  sections of items waiting for the user
                                                         (:mod:`gongjian.service.me.service`),
                                                         each its count and one page
                                                         (``limit``, ``offset``; ``section``:
                                                         one section only)
``GET /me/calendar.ics``           a unit                its activities and its orders' due dates
``GET /me/tasks.xlsx``             a unit                its orders in hand and activities (台账)
=================================  ====================  ==========================================

The console lands unit and community users on the to-do page.
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gongjian.graph.model import parse_quarter
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.deps import CurrentUser, Store
from gongjian.service.downloads import attachment
from gongjian.service.errors import ForbiddenError
from gongjian.service.me import service
from gongjian.service.me.schemas import Todo
from gongjian.service.scope import ScopedReads

__all__ = ["router"]

router = APIRouter(prefix="/me", tags=["me 我的"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Quarter = Annotated[str | None, Query(max_length=16, description="季度 e.g. 2026Q4 (默认全部 all)")]


@router.get("/todo", summary="我的待办 What waits for the signed-in user's action")
def my_todo(
    user: CurrentUser,
    store: ScopedReads,
    limit: Annotated[int, Query(ge=1, le=500, description="每组最多列出 items per section")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="每组从第几项起 items skipped per section")
    ] = 0,
    section: Annotated[
        str | None,
        Query(max_length=32, description="只看这一组 one section only, e.g. overdue"),
    ] = None,
) -> Todo:
    return service.todo(store=store, user=user, limit=limit, offset=offset, section=section)


def _unit_of(user: User) -> str:
    if user.role != UserRole.unit or not user.unit_id:
        raise ForbiddenError(
            f"只有单位账号有自己的日程和任务清单 (only a unit has its own calendar; role "
            f"'{user.role.value}')",
            role=user.role.value,
        )
    return user.unit_id


#: the unit's downloads: route → (summary, media type, Chinese and ASCII file name stems, maker)
DOWNLOADS = {
    "/calendar.ics": (
        "本单位日程 The unit's calendar (iCalendar)",
        "text/calendar; charset=utf-8",
        ("共建日程", "calendar", "ics"),
        service.unit_calendar,
    ),
    "/tasks.xlsx": (
        "本单位任务清单 The unit's task list (xlsx)",
        XLSX,
        ("任务清单", "tasks", "xlsx"),
        service.unit_tasks_xlsx,
    ),
}


def _download_route(path: str) -> None:
    summary, media_type, (zh, ascii_stem, ext), make = DOWNLOADS[path]

    def download(user: CurrentUser, store: Store, quarter: Quarter = None) -> Response:
        unit_id = _unit_of(user)
        q = None if quarter is None else parse_quarter(quarter)
        body = make(store=store, unit_id=unit_id, quarter=q)
        name = f"{unit_id}-{q or 'all'}.{ext}"
        return attachment(body, media_type, f"{zh}-{name}", f"{ascii_stem}-{name}")

    router.get(
        path,
        summary=summary,
        response_class=Response,
        responses={
            200: {"content": {media_type.split(";")[0]: {}}},
            403: {"description": "不是单位账号 not a unit account"},
        },
        name=f"my_{ascii_stem}",
    )(download)


for _path in DOWNLOADS:
    _download_route(_path)
