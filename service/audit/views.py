"""The audit log (committee)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gongjian.service.audit import service
from gongjian.service.auth.views import TAG
from gongjian.service.deps import CurrentUser, Page, Paging, State, paging

__all__ = ["router"]

router = APIRouter(tags=[TAG])


@router.get("/audit", summary="审计日志 Audit log (committee)")
def audit_log(
    user: CurrentUser,
    state: State,
    page: Annotated[Paging, Depends(paging)],
    user_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[dict]:
    entries, total = service.entries(
        state=state, user=user, user_id=user_id, offset=page.offset, limit=page.limit
    )
    return Page[dict](
        items=[e.model_dump() for e in entries], total=total, offset=page.offset, limit=page.limit
    )
