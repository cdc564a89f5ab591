"""The audit log (the committee: its sub-district's users' entries; the city: all)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from gongjian.service.audit import service
from gongjian.service.auth.views import TAG
from gongjian.service.deps import CurrentUser, Page, PageParams, State

__all__ = ["router"]

router = APIRouter(tags=[TAG])


@router.get("/audit", summary="审计日志 Audit log (committee: own sub-district; city: all)")
def audit_log(
    user: CurrentUser,
    state: State,
    page: PageParams,
    user_id: Annotated[str | None, Query(max_length=64, description="谁 who (user id)")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="做了什么 text in the path or summary")
    ] = None,
    method: Annotated[
        Literal["POST", "PUT", "PATCH", "DELETE"] | None, Query(description="写操作类型 method")
    ] = None,
    since: Annotated[dt.date | None, Query(description="从哪天起 from (Beijing day)")] = None,
    until: Annotated[
        dt.date | None, Query(description="到哪天止 to (Beijing day, included)")
    ] = None,
) -> Page[dict]:
    entries, total = service.entries(
        state=state,
        user=user,
        user_id=user_id,
        text=q,
        method=method,
        since=since,
        until=until,
        offset=page.offset,
        limit=page.limit,
    )
    return page.of([e.model_dump() for e in entries], total)
