"""Users and tokens: what ``/users`` does beyond parsing (keyword-only functions)."""

from __future__ import annotations

from gongjian.graph.model import Community, Unit
from gongjian.graph.store import GraphStore
from gongjian.service.auth.passwords import set_login
from gongjian.service.auth.permissions import require_committee
from gongjian.service.auth.schemas import CreatedUser, NewUser, User, UserRole
from gongjian.service.state import ServiceState

__all__ = ["add_user", "disable_user", "list_users"]


def list_users(*, state: ServiceState, user: User) -> list[User]:
    """The active users (committee only)."""
    require_committee(user, "查看用户")
    return state.users()


def add_user(*, state: ServiceState, store: GraphStore, user: User, new: NewUser) -> CreatedUser:
    """Create a user and its token; a scoped role's unit / community must exist (404)."""
    require_committee(user, "管理用户")
    if new.role == UserRole.unit and new.unit_id:
        store.get(Unit, new.unit_id)
    if new.role == UserRole.community and new.community_id:
        store.get(Community, new.community_id)
    created, token = state.add_user(
        new.name, new.role, unit_id=new.unit_id, community_id=new.community_id
    )
    return CreatedUser(user=created, token=token)


def disable_user(*, state: ServiceState, user: User, user_id: str) -> None:
    """Disable a user: its token stops working at once (404 for an unknown user)."""
    require_committee(user, "管理用户")
    state.disable_user(user_id)


def set_user_login(
    *, state: ServiceState, user: User, user_id: str, username: str, password: str
) -> str:
    """Give a user a user name and password (committee only); the name as stored."""
    require_committee(user, "设置登录密码")
    return set_login(state, user_id=user_id, username=username, password=password)
