"""Users and their roles: the stored user, and the request / response models of ``/users``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from gongjian.core.labels import LabelledEnum
from gongjian.graph.model import NodeId, check_name

__all__ = ["CreatedUser", "NewUser", "User", "UserRole"]


class UserRole(LabelledEnum):
    """Who a token belongs to (用户角色); not an activity's role slot."""

    committee = "committee", "共建委员会"
    unit = "unit", "驻区单位"
    community = "community", "社区"
    viewer = "viewer", "只读"


class User(BaseModel):
    """A token holder; ``unit_id`` / ``community_id`` scope the unit and community roles."""

    id: str
    name: str
    role: UserRole
    unit_id: str | None = None
    community_id: str | None = None
    created_at: str = ""


class NewUser(BaseModel):
    name: Annotated[str, Field(max_length=100), AfterValidator(check_name)] = Field(
        description="姓名或岗位"
    )
    role: UserRole
    unit_id: NodeId | None = None
    community_id: NodeId | None = None


class CreatedUser(BaseModel):
    user: User
    token: str = Field(description="只显示这一次 (shown only once)")
