"""Users and tokens: what ``/users`` does beyond parsing (keyword-only functions)."""

from __future__ import annotations

from gongjian.core.errors import InvalidInputError
from gongjian.graph.model import Community, Unit
from gongjian.graph.store import GraphStore
from gongjian.service.auth.passwords import set_login
from gongjian.service.auth.permissions import require_committee, require_subdistrict
from gongjian.service.auth.schemas import CreatedUser, NewUser, User, UserRole
from gongjian.service.state import ServiceState

__all__ = ["add_user", "disable_user", "list_users"]


def list_users(*, state: ServiceState, user: User) -> list[User]:
    """The active users of the committee's sub-district (committee only)."""
    require_committee(user, "查看用户")
    return [u for u in state.users() if u.subdistrict == user.subdistrict]


def add_user(*, state: ServiceState, store: GraphStore, user: User, new: NewUser) -> CreatedUser:
    """Create a user and its token; a scoped role's unit / community must exist (404).

    The new user's sub-district is the one named, else its unit's or community's, else
    the creating committee's; a committee adds users of its own sub-district only (403),
    and a unit or community user belongs to the sub-district of its unit or community (400).
    """
    require_committee(user, "管理用户")
    home: str | None = None
    if new.role == UserRole.unit and new.unit_id:
        home = store.get(Unit, new.unit_id).subdistrict
    if new.role == UserRole.community and new.community_id:
        home = store.get(Community, new.community_id).subdistrict
    code = new.subdistrict or home or user.subdistrict
    if home is not None and code != home:
        raise InvalidInputError(
            f"用户的街道 {code} 与其{'单位' if new.role == UserRole.unit else '社区'}所属街道"
            f" {home} 不一致 (the user's sub-district must be its unit's or community's)",
            [{"field": "subdistrict", "message": f"must be {home}"}],
        )
    require_subdistrict(user, None if new.role == UserRole.city else code, "新建其他街道的用户")
    created, token = state.add_user(
        new.name,
        new.role,
        unit_id=new.unit_id,
        community_id=new.community_id,
        subdistrict=code,
    )
    return CreatedUser(user=created, token=token)


def _own_user(state: ServiceState, user: User, user_id: str) -> None:
    """403 when the active user ``user_id`` belongs to another sub-district than the
    committee's (or is the city's); an unknown id is left to the caller (404)."""
    target = next((u for u in state.users() if u.id == user_id), None)
    if target is not None:
        require_subdistrict(user, target.subdistrict, "管理其他街道的用户")


def disable_user(*, state: ServiceState, user: User, user_id: str) -> None:
    """Disable a user: its token stops working at once (404 for an unknown user)."""
    require_committee(user, "管理用户")
    _own_user(state, user, user_id)
    state.disable_user(user_id)


def set_user_login(
    *, state: ServiceState, user: User, user_id: str, username: str, password: str
) -> str:
    """Give a user a user name and password (committee only); the name as stored."""
    require_committee(user, "设置登录密码")
    _own_user(state, user, user_id)
    return set_login(state, user_id=user_id, username=username, password=password)
