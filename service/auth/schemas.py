"""Users and their roles: the stored user, and the request / response models of ``/users``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator

from gongjian.core.labels import LabelledEnum
from gongjian.graph.model import NodeId, SubdistrictCode, check_name, default_subdistrict

__all__ = ["CreatedUser", "NewUser", "User", "UserRole"]


class UserRole(LabelledEnum):
    """Who a token belongs to (用户角色); not an activity's role slot."""

    committee = "committee", "共建委员会"
    unit = "unit", "驻区单位"
    community = "community", "社区"
    viewer = "viewer", "只读"
    city = "city", "区/市组织部"


class User(BaseModel):
    """A token holder; ``unit_id`` / ``community_id`` scope the unit and community roles."""

    id: str
    name: str
    role: UserRole
    unit_id: str | None = None
    community_id: str | None = None
    #: the sub-district a committee, community or unit user is scoped to (None: the
    #: city role, which reads everything); old users load into the default one
    subdistrict: str | None = Field(default_factory=default_subdistrict)
    created_at: str = ""

    @model_validator(mode="after")
    def _city_unscoped(self) -> User:
        if self.role == UserRole.city:
            self.subdistrict = None
        return self


class NewUser(BaseModel):
    name: Annotated[str, Field(max_length=100), AfterValidator(check_name)] = Field(
        description="姓名或岗位"
    )
    role: UserRole
    unit_id: NodeId | None = None
    community_id: NodeId | None = None
    subdistrict: SubdistrictCode | None = Field(
        default=None,
        description="所属街道代码；缺省为所属单位或社区的街道，否则为创建者的街道 (sub-district)",
    )


class CreatedUser(BaseModel):
    user: User
    token: str = Field(description="只显示这一次 (shown only once)")
