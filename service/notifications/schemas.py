"""Request and response models of the notification routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "ChannelCreate",
    "ChannelPublic",
    "ChannelTest",
    "InAppNotification",
    "OutboxItem",
]

ChannelKind = Literal["wecom", "dingtalk", "feishu", "email"]


class ChannelCreate(BaseModel):
    """A new channel: a robot webhook (the whole URL) or ``smtp://host:port/?from=&to=``."""

    kind: ChannelKind = Field(
        description="wecom 企业微信 | dingtalk 钉钉 | feishu 飞书 | email 邮件"
    )
    name: str = Field(default="", max_length=100, description="名称")
    url: str = Field(
        min_length=1, max_length=2000, description="完整的 webhook 地址或 smtp:// 地址"
    )
    secret: str | None = Field(
        default=None, max_length=500, description="加签密钥 / SMTP 密码（保存后不再完整显示）"
    )
    events: list[str] = Field(min_length=1, max_length=20, description="订阅的事件（* 为全部）")
    owner: str | None = Field(
        default=None,
        max_length=120,
        description="committee | unit:<id> | community:<id>；缺省为本人所属",
    )


class ChannelPublic(BaseModel):
    """A channel as shown: URL and secret masked."""

    id: str
    kind: ChannelKind
    name: str
    url: str = Field(description="地址（查询参数已遮盖）")
    secret: str | None = Field(description="密钥（遮盖，如 SEC…a1b2）")
    events: list[str]
    owner: str
    created_at: str


class ChannelTest(BaseModel):
    """The outcome of a test message."""

    ok: bool
    error: str | None = None


class OutboxItem(BaseModel):
    """One outbox row (an event, or its delivery to one channel)."""

    id: str
    kind: Literal["event", "delivery"]
    event: str
    status: str
    title: str
    channel_id: str | None
    attempts: int
    next_at: str
    last_error: str | None
    created_at: str
    sent_at: str | None


class InAppNotification(BaseModel):
    """An event addressed to the signed-in user (the bell)."""

    id: str
    event: str
    title: str
    lines: list[str]
    path: str
    created_at: str
