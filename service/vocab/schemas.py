"""What ``GET /vocab`` returns: each vocabulary as its values with both labels."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gongjian.matching.problem import Weights

__all__ = ["Term", "Vocab"]


class Term(BaseModel):
    """One value of a vocabulary with its Chinese and English labels."""

    value: str = Field(description="存储的值 stored value, e.g. medical")
    zh: str = Field(description="中文名称 Chinese label")
    en: str = Field(description="English label")


class Vocab(BaseModel):
    """Every vocabulary the console shows, in the domain's order, and the defaults."""

    resource_kinds: list[Term] = Field(description="资源类别 resource kinds")
    unit_types: list[Term] = Field(description="单位类型 unit types")
    joint_types: list[Term] = Field(description="五联 joint types")
    need_categories: list[Term] = Field(description="需求类别 need categories")
    need_statuses: list[Term] = Field(description="交办单状态 need statuses")
    need_sources: list[Term] = Field(description="交办单来源渠道 where an order came from")
    user_roles: list[Term] = Field(description="用户角色 user roles")
    weights: Weights = Field(description="规划目标权重默认值 planner weight defaults")
    current_quarter: str = Field(description="当前季度（北京时间）current quarter, Asia/Shanghai")
