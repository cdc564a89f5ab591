"""Who am I, users and tokens (committee)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gongjian.service.auth import service
from gongjian.service.auth.passwords import set_login
from gongjian.service.auth.permissions import require_committee
from gongjian.service.auth.schemas import CreatedUser, NewUser, User
from gongjian.service.deps import CurrentUser, State, Store, audit_note

__all__ = ["TAG", "router"]

#: users and the audit log share one section of the API documentation
TAG = "users & audit 用户与审计"

router = APIRouter(tags=[TAG])


@router.get("/me", summary="当前用户 Who am I")
def me(user: CurrentUser) -> User:
    return user


@router.get("/users", summary="用户列表 Users (committee)")
def list_users(user: CurrentUser, state: State) -> list[User]:
    return service.list_users(state=state, user=user)


@router.post("/users", status_code=201, summary="新建用户并发放令牌 Add a user (committee)")
def add_user(
    body: NewUser, user: CurrentUser, state: State, store: Store, request: Request
) -> CreatedUser:
    created = service.add_user(state=state, store=store, user=user, new=body)
    audit_note(request, f"add user {created.user.id} role={created.user.role.value}")
    return created


@router.delete("/users/{user_id}", status_code=204, summary="停用用户 Disable a user (committee)")
def disable_user(user_id: str, user: CurrentUser, state: State, request: Request) -> None:
    service.disable_user(state=state, user=user, user_id=user_id)
    audit_note(request, f"disable user {user_id}")


class Login(BaseModel):
    """A user name and password for signing in to the console (the token keeps working)."""

    username: str = Field(min_length=1, max_length=64, description="用户名 3–32 位 a-z 0-9 . _ -")
    password: str = Field(min_length=1, max_length=200, description="密码，至少 10 位")


class LoginSet(BaseModel):
    user_id: str
    username: str


@router.put(
    "/users/{user_id}/login",
    summary="设置登录用户名和密码 Give a user a user name and password (committee)",
    responses={409: {"description": "用户名已被使用 user name taken"}},
)
def set_user_login(
    user_id: str, body: Login, user: CurrentUser, state: State, request: Request
) -> LoginSet:
    require_committee(user, "设置登录密码")
    name = set_login(state, user_id=user_id, username=body.username, password=body.password)
    audit_note(request, f"set login {name} for user {user_id}")  # never the password
    return LoginSet(user_id=user_id, username=name)
