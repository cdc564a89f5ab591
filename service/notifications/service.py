"""Notification channels, the outbox and the bell: keyword-only functions.

Who may do what: the committee manages the channels of its sub-district (its own,
and those of the sub-district's units and communities: one for another's is a 403)
and sees the outbox; a unit or community user manages the channels of its own unit /
community; a viewer and the city role manage none. Every signed-in user has a bell:
the events addressed to it (the city role's: the whole city's daily digest).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.core.settings import Settings
from gongjian.graph.model import Community, Unit
from gongjian.graph.outbox import OutboxRow, stamp
from gongjian.graph.store import GraphStore
from gongjian.service.auth.permissions import (
    require_committee,
    require_subdistrict,
    require_writer,
)
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import ForbiddenError
from gongjian.service.notifications.channel_store import Channel, ChannelStore, mask, mask_url
from gongjian.service.notifications.channels import DeliveryError, Message, send
from gongjian.service.notifications.events import CITY, EVENTS
from gongjian.service.notifications.schemas import (
    ChannelCreate,
    ChannelPublic,
    ChannelTest,
    InAppNotification,
    OutboxItem,
)
from gongjian.service.scope import unscoped

__all__ = [
    "audience_of",
    "create_channel",
    "delete_channel",
    "inbox",
    "list_channels",
    "outbox",
    "retry",
    "test_channel",
]


def audience_of(user: User) -> list[str]:
    """The audience names a user answers to (committee, its unit or community, city)."""
    if user.role == UserRole.committee:
        return ["committee"]
    if user.role == UserRole.city:
        return [CITY]
    if user.role == UserRole.unit and user.unit_id:
        return [f"unit:{user.unit_id}"]
    if user.role == UserRole.community and user.community_id:
        return [f"community:{user.community_id}"]
    return []


def _own_scope(user: User) -> str:
    require_writer(user)
    scope = audience_of(user)
    if not scope:
        raise ForbiddenError("此角色不能管理通知渠道 (this role manages no channels)")
    return scope[0]


_OWNER_KINDS: dict[str, type[Unit] | type[Community]] = {"unit": Unit, "community": Community}


def _check_owner(user: User, owner: str | None, store: GraphStore | None = None) -> str:
    """The owner of a new channel: the caller's own; a committee's may be a unit or
    community of its sub-district (404 unknown, 403 another sub-district's, read from
    ``store`` when given)."""
    mine = _own_scope(user)
    owner = owner or mine
    if user.role == UserRole.committee:
        kind, _, ident = owner.partition(":")
        if owner != "committee" and (kind not in ("unit", "community") or not ident):
            raise InvalidInputError(
                "owner 应为 committee、unit:<编号> 或 community:<编号> (invalid owner)",
                [{"field": "owner", "message": "committee | unit:<id> | community:<id>"}],
            )
        if owner != "committee" and store is not None:
            entity = unscoped(store).get(_OWNER_KINDS[kind], ident)
            require_subdistrict(
                user, entity.subdistrict, f"为其他街道的{entity.LABEL_ZH}添加通知渠道"
            )
        return owner
    if owner != mine:
        raise ForbiddenError(
            f"只能管理本{user.role.label_zh}的通知渠道 (only your own channels): {mine}"
        )
    return owner


def _check_url(kind: str, url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        parts = urlsplit("invalid:")
    if kind == "email":
        ok = parts.scheme in ("smtp", "smtps") and bool(parts.hostname)
        to = parse_qs(parts.query).get("to", [""])[-1]
        if not ok or "@" not in to:
            raise InvalidInputError(
                "邮件渠道地址应为 smtp://主机:端口/?from=发件人&to=收件人 (smtp URL with to=)",
                [{"field": "url", "message": "smtp://host:port/?from=…&to=…"}],
            )
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(
            "机器人地址应为完整的 http(s) webhook 地址 (a full http(s) webhook URL)",
            [{"field": "url", "message": "http(s) URL"}],
        )


def _public(ch: Channel) -> ChannelPublic:
    return ChannelPublic(
        id=ch.id,
        kind=ch.kind,  # type: ignore[arg-type]
        name=ch.name,
        url=mask_url(ch.url),
        secret=mask(ch.secret),
        events=ch.events,
        owner=ch.owner,
        created_at=ch.created_at,
    )


def _mine(channels: ChannelStore, user: User, channel_id: str) -> Channel:
    scope = _own_scope(user)
    ch = channels.get_channel(channel_id)
    if user.role != UserRole.committee and ch.owner != scope:
        raise ForbiddenError(
            f"只能管理本{user.role.label_zh}的通知渠道 (only your own channels): {scope}"
        )
    return ch


# --------------------------------------------------------------------------- channels
def create_channel(
    *, channels: ChannelStore, user: User, body: ChannelCreate, store: GraphStore | None = None
) -> ChannelPublic:
    """Store a channel; 422 for an unknown event or a URL that cannot be its kind's, 403
    for a unit or community of another sub-district (``store``: where they are read)."""
    owner = _check_owner(user, body.owner, store)
    unknown = [e for e in body.events if e != "*" and e not in EVENTS]
    if unknown:
        raise InvalidInputError(
            f"未知事件 (unknown events): {', '.join(unknown)}；可选: {', '.join(EVENTS)}",
            [{"field": "events", "message": f"unknown: {', '.join(unknown)}"}],
        )
    _check_url(body.kind, body.url)
    stored = channels.add_channel(
        Channel(
            id="-",
            kind=body.kind,
            name=body.name,
            url=body.url,
            secret=body.secret or None,
            events=list(dict.fromkeys(body.events)),
            owner=owner,
            created_by=user.id,
        )
    )
    return _public(stored)


def list_channels(*, channels: ChannelStore, user: User) -> list[ChannelPublic]:
    scope = _own_scope(user)
    owners = None if user.role == UserRole.committee else [scope]
    return [_public(c) for c in channels.channels(owners=owners)]


def delete_channel(*, channels: ChannelStore, user: User, channel_id: str) -> None:
    _mine(channels, user, channel_id)
    channels.delete_channel(channel_id)


def test_channel(
    *, channels: ChannelStore, user: User, channel_id: str, settings: Settings
) -> ChannelTest:
    """Send a test message now (not through the outbox); the channel's answer."""
    ch = _mine(channels, user, channel_id)
    msg = Message(
        key=f"test:{ch.id}:{stamp()}",
        title="【测试】共建通知渠道",
        lines=[f"这是一条测试消息：渠道 {ch.name or ch.id} 已连通 (test message)"],
        link=settings.console_url.rstrip("/") + "/#/notifications",
    )
    with httpx.Client(timeout=settings.notify_timeout_seconds) as client:
        try:
            send(
                ch.kind,
                ch.url,
                ch.secret,
                msg,
                client=client,
                timeout=settings.notify_timeout_seconds,
            )
        except DeliveryError as exc:
            return ChannelTest(ok=False, error=str(exc))
    return ChannelTest(ok=True)


# --------------------------------------------------------------------------- outbox
def _item(r: OutboxRow) -> OutboxItem:
    """The row as the outbox lists it: its own fields, titled by its payload (else its event)."""
    fields = {name: getattr(r, name) for name in OutboxItem.model_fields if name != "title"}
    return OutboxItem(**fields, title=str(r.payload.get("title") or r.event))


_STATUSES = ("pending", "sending", "sent", "dead", "done")


def outbox(
    *, store: GraphStore, user: User, status: str | None, kind: str | None, limit: int
) -> list[OutboxItem]:
    """The outbox, newest first (committee)."""
    require_committee(user, "查看通知发件箱")
    if status is not None and status not in _STATUSES:
        raise InvalidInputError(
            f"未知状态 (unknown status): {status}；可选: {', '.join(_STATUSES)}",
            [{"field": "status", "message": "unknown"}],
        )
    if kind is not None and kind not in ("event", "delivery"):
        raise InvalidInputError("kind 应为 event 或 delivery", [{"field": "kind", "message": "?"}])
    rows = store.outbox_list(kind=kind, status=status, limit=limit)  # type: ignore[arg-type]
    return [_item(r) for r in rows]


def retry(*, store: GraphStore, user: User, row_id: str) -> OutboxItem:
    """Send a dead (or waiting) delivery again now, with a fresh count of tries (committee)."""
    require_committee(user, "重发通知")

    def change(row: OutboxRow) -> OutboxRow | None:
        if row.kind != "delivery" or row.status not in ("dead", "pending"):
            raise _not_retryable(row)
        return row.model_copy(update={"status": "pending", "attempts": 0, "next_at": stamp()})

    new = store.outbox_update(row_id, change)
    if new is None:
        raise NotFoundError("通知 outbox row", row_id)
    return _item(new)


def _not_retryable(row: OutboxRow) -> ConflictError:
    return ConflictError(
        f"只能重发失败或等待中的投递（当前：{row.status}）(only dead or pending deliveries)",
        current=row.status,
    )


def inbox(*, store: GraphStore, user: User, limit: int) -> list[InAppNotification]:
    """The events addressed to the user, newest first (the bell)."""
    audience = audience_of(user)
    if not audience:
        return []
    rows = store.outbox_list(kind="event", audience=audience, limit=limit)
    return [
        InAppNotification(
            id=r.id,
            event=r.event,
            title=str(r.payload.get("title") or r.event),
            lines=[str(x) for x in r.payload.get("lines") or []],
            path=str(r.payload.get("path") or ""),
            created_at=r.created_at,
        )
        for r in rows
    ]
