"""What ``GET /me/todo`` returns: sections of items waiting for the signed-in user."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["Todo", "TodoItem", "TodoSection"]


class TodoItem(BaseModel):
    """One thing to act on: a work order, a whistle to report to, an activity to attend."""

    kind: Literal["need", "whistle", "activity"]
    id: str
    number: str | None = Field(default=None, description="交办单号 the order's number")
    title: str
    community_id: str
    community_name: str
    status: str | None = Field(default=None, description="交办单状态 need status")
    priority: int | None = None
    due: dt.date | None = Field(default=None, description="截止日期 / 活动日期")
    overdue_days: int | None = Field(
        default=None, description="已逾期天数 days past the due date (None when not overdue)"
    )
    unit_id: str | None = Field(default=None, description="认领单位 the claiming unit")
    unit_name: str | None = None
    address: str | None = Field(
        default=None, description="地址（门牌），按权限脱敏 (masked unless the user may see it)"
    )
    action: str = Field(description="要做的事 the next step, e.g. claim, resolve, follow_up")
    action_zh: str
    link: str = Field(description="控制台链接 console link (hash route)")


class TodoSection(BaseModel):
    """A group of items (待接单, 待办结, 已逾期 …); ``count`` is the whole group, ``items``
    one page of it from ``offset``."""

    key: str
    label: str
    label_en: str
    count: int
    offset: int = Field(default=0, description="items 从第几项起 (0 = the most urgent)")
    items: list[TodoItem]


class Todo(BaseModel):
    """The signed-in user's to-do list (我的待办) on ``today`` (Beijing)."""

    role: str
    scope_id: str | None = Field(default=None, description="单位或社区 the unit or community")
    scope_name: str | None = None
    today: dt.date
    quarter: str
    total: int = Field(description="所有分组的件数之和 items over all sections")
    sections: list[TodoSection]
