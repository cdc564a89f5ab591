"""Bearer tokens, user roles and scopes: who may do what.

* **committee** (共建委员会): everything, including plans, users and the audit log.
* **unit** (驻区单位): reads; writes only its own unit, resources and claims.
* **community** (社区): reads; writes only its own community's needs, grids, members.
* **viewer** (只读): reads only.
* **city** (区/市组织部): reads every sub-district; writes nothing but plans.

Committee, community, unit and viewer users belong to one sub-district: they read and
write only its data (:func:`require_subdistrict`; lists are narrowed by
:func:`gongjian.service.deps.scope_of`).

Every request but ``/health``, ``/docs`` and ``/openapi.json`` needs a token:
401 without a valid one, 403 when it acts outside its role or scope.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request

from gongjian.service.auth import session
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import ForbiddenError, UnauthorizedError
from gongjian.service.state import ServiceState

T = TypeVar("T")

__all__ = [
    "BEARER_SCHEME",
    "current_user",
    "need_in_scope",
    "require_committee",
    "require_community",
    "require_subdistrict",
    "require_unit",
    "require_writer",
    "subdistrict_scope",
    "with_own_subdistrict",
]

#: the OpenAPI security scheme every operation but ``/health`` requires (added by the app)
BEARER_SCHEME: dict[str, dict[str, str]] = {
    "HTTPBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "令牌 token from `gongjian users add`",
    }
}


async def current_user(request: Request) -> User:
    """The user of the request's bearer token (401 otherwise); kept on ``request.state.user``.

    Reads ``Authorization: Bearer …`` itself rather than through FastAPI's
    ``HTTPBearer`` dependency (one dependency less on every request; the scheme is in
    the OpenAPI document all the same, see :data:`BEARER_SCHEME`). ``async``: a known
    token is a dictionary look-up, an unknown one a single indexed SQLite read, both
    cheaper than a hop to a worker thread.
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    token = credentials.strip() if scheme.lower() == "bearer" else ""
    if not token and request.cookies.get(session.COOKIE):
        # the console's session cookie; its writes must carry the CSRF token
        live = session.session_of(request)
        if live is None:
            raise UnauthorizedError("会话已过期，请重新登录 (session expired or signed out)")
        session.check_csrf(request, live)
        request.state.user = live.user
        return live.user
    if not token:
        raise UnauthorizedError("需要登录令牌 (a bearer token is required)")
    state: ServiceState = request.app.state.service_state
    user = state.user_by_token(token)
    if user is None:
        raise UnauthorizedError("令牌无效或已停用 (invalid or disabled token)")
    request.state.user = user
    return user


def _deny(user: User, what: str) -> ForbiddenError:
    return ForbiddenError(
        f"{user.role.label_zh}角色无权{what} (role '{user.role.value}' may not do this)",
        role=user.role.value,
    )


def require_writer(user: User) -> None:
    """Any role but viewer and city (the city reads everything and plans; its plan routes
    check the role themselves)."""
    if user.role in (UserRole.viewer, UserRole.city):
        raise _deny(user, "修改数据")


def require_committee(user: User, what: str = "执行此操作") -> None:
    if user.role != UserRole.committee:
        raise _deny(user, what)


def require_unit(user: User, unit_id: str | None, what: str = "修改其他单位的数据") -> None:
    """The committee, or the unit role of this very unit."""
    if user.role == UserRole.committee:
        return
    if user.role == UserRole.unit and unit_id is not None and user.unit_id == unit_id:
        return
    raise _deny(user, what)


def require_community(
    user: User, community_id: str | None, what: str = "修改其他社区的数据"
) -> None:
    """The committee, or the community role of this very community."""
    if user.role == UserRole.committee:
        return
    if (
        user.role == UserRole.community
        and community_id is not None
        and user.community_id == community_id
    ):
        return
    raise _deny(user, what)


def require_subdistrict(
    user: User, subdistrict: str | None, what: str = "修改其他街道的数据"
) -> None:
    """403 unless ``user`` may act on data of ``subdistrict``: the city role on any, a
    scoped user on their own only (``None``, every sub-district, is the city's)."""
    if user.subdistrict is None or user.subdistrict == subdistrict:
        return
    raise ForbiddenError(
        f"{user.role.label_zh}（{user.subdistrict}）无权{what}（{subdistrict or '全部街道'}）"
        f" (a user of sub-district '{user.subdistrict}' may not act on"
        f" '{subdistrict or 'all sub-districts'}')",
        role=user.role.value,
        subdistrict=user.subdistrict,
    )


def subdistrict_scope(user: User, entity: Any) -> None:
    """403 when ``entity`` (one with a ``subdistrict``) lies outside ``user``'s sub-district."""
    if "subdistrict" in type(entity).model_fields:
        require_subdistrict(user, entity.subdistrict, f"修改其他街道的{type(entity).LABEL_ZH}")


def with_own_subdistrict(user: User, entity: T, old: Any = None) -> T:
    """``entity`` placed in a sub-district when it names none: the stored version's
    (``old``), else the writer's own (a committee of YB creates YB's units)."""
    fields = type(entity).model_fields  # type: ignore[attr-defined]
    if "subdistrict" not in fields or "subdistrict" in entity.model_fields_set:  # type: ignore[attr-defined]
        return entity
    code = getattr(old, "subdistrict", None) or user.subdistrict
    if code is None:
        return entity
    return entity.model_copy(update={"subdistrict": code})  # type: ignore[attr-defined]


def need_in_scope(user: User, need: Any) -> None:
    """403 when a committee or community user acts on another sub-district's need; a
    unit may serve a neighbouring sub-district's needs (where adjacency lets it claim)."""
    if user.role != UserRole.unit:
        require_subdistrict(user, need.subdistrict, "办理其他街道的交办单")
