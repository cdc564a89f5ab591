"""Who am I, users and tokens (committee), the audit log (committee)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from gongjian.service.auth.service import Role, User, require_committee
from gongjian.service.deps import CurrentUser, Page, Paging, State, Store, audit_note, paging

__all__ = ["router"]

router = APIRouter(tags=["users & audit 用户与审计"])


@router.get("/me", summary="当前用户 Who am I")
def me(user: CurrentUser) -> User:
    return user


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="姓名或岗位")
    role: Role
    unit_id: str | None = Field(default=None, max_length=64)
    community_id: str | None = Field(default=None, max_length=64)


class CreatedUser(BaseModel):
    user: User
    token: str = Field(description="只显示这一次 (shown only once)")


@router.get("/users", summary="用户列表 Users (committee)")
def list_users(user: CurrentUser, state: State) -> list[User]:
    require_committee(user, "查看用户")
    return state.users()


@router.post("/users", status_code=201, summary="新建用户并发放令牌 Add a user (committee)")
def add_user(
    body: NewUser, user: CurrentUser, state: State, store: Store, request: Request
) -> CreatedUser:
    require_committee(user, "管理用户")
    from gongjian.graph.model import Community, Unit

    if body.role == Role.unit and body.unit_id:
        store.get(Unit, body.unit_id)
    if body.role == Role.community and body.community_id:
        store.get(Community, body.community_id)
    created, token = state.add_user(
        body.name, body.role, unit_id=body.unit_id, community_id=body.community_id
    )
    audit_note(request, f"add user {created.id} role={created.role.value}")
    return CreatedUser(user=created, token=token)


@router.delete("/users/{user_id}", status_code=204, summary="停用用户 Disable a user (committee)")
def disable_user(user_id: str, user: CurrentUser, state: State, request: Request) -> None:
    require_committee(user, "管理用户")
    state.disable_user(user_id)
    audit_note(request, f"disable user {user_id}")


@router.get("/audit", summary="审计日志 Audit log (committee)")
def audit_log(
    user: CurrentUser,
    state: State,
    page: Annotated[Paging, Depends(paging)],
    user_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[dict]:
    require_committee(user, "查看审计日志")
    entries, total = state.audit(user_id=user_id, offset=page.offset, limit=page.limit)
    return Page[dict](
        items=[e.model_dump() for e in entries], total=total, offset=page.offset, limit=page.limit
    )
