"""The notification routes: channels, the outbox, the bell.

=========================================  =================================================
``POST /notifications/channels``            add a channel (committee: its own, or of a unit
                                            or community of its sub-district; a unit or
                                            community: its own) — URL + secret kept, shown
                                            masked from then on
``GET /notifications/channels``             channels (masked): the committee's sub-district's,
                                            a unit's or community's own
``DELETE /notifications/channels/{id}``     remove one
``POST /notifications/channels/{id}/test``  send a test message now; the robot's answer
``GET /notifications/outbox?status=``       the outbox with errors (committee)
``POST /notifications/outbox/{id}/retry``   send a dead delivery again (committee)
``GET /me/notifications``                   the bell: events addressed to the signed-in user
                                            (the city role: the whole city's daily digest)
=========================================  =================================================

A committee sees the outbox, the bell and the channels of its own sub-district only
(:mod:`gongjian.service.notifications.scoping`).
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, Request, Response

from gongjian.service.deps import CurrentUser, Store
from gongjian.service.notifications import service
from gongjian.service.notifications.channel_store import ChannelStore
from gongjian.service.notifications.schemas import (
    ChannelCreate,
    ChannelPublic,
    ChannelTest,
    InAppNotification,
    OutboxItem,
)
from gongjian.service.notifications.scoping import scoped_channels, scoped_outbox

__all__ = ["router"]

TAG = "notifications 通知"
router = APIRouter(tags=[TAG])


def get_channels(request: Request, user: CurrentUser, store: Store) -> ChannelStore:
    """The channels as the caller manages them (a committee: its sub-district's)."""
    return scoped_channels(request.app.state.service_state, store, user)


Channels = Annotated[ChannelStore, Depends(get_channels)]
Limit = Annotated[int, Query(ge=1, le=500, description="条数上限")]


@router.post("/notifications/channels", status_code=201, summary="添加通知渠道 Add a channel")
def create_channel(
    body: ChannelCreate, user: CurrentUser, channels: Channels, store: Store
) -> ChannelPublic:
    """A WeCom / DingTalk / Feishu robot (whole webhook URL, optional signing secret) or an
    SMTP address, with the events it subscribes to; a committee's for a unit or community
    of another sub-district is refused (403)."""
    return service.create_channel(channels=channels, user=user, body=body, store=store)


@router.get("/notifications/channels", summary="通知渠道 Channels")
def list_channels(user: CurrentUser, channels: Channels) -> list[ChannelPublic]:
    return service.list_channels(channels=channels, user=user)


@router.delete(
    "/notifications/channels/{channel_id}", status_code=204, summary="删除渠道 Delete a channel"
)
def delete_channel(channel_id: str, user: CurrentUser, channels: Channels) -> Response:
    service.delete_channel(channels=channels, user=user, channel_id=channel_id)
    return Response(status_code=204)


@router.post(
    "/notifications/channels/{channel_id}/test", summary="发送测试消息 Send a test message"
)
async def test_channel(
    channel_id: str, user: CurrentUser, channels: Channels, request: Request
) -> ChannelTest:
    """Sent at once, not through the outbox: ``ok`` and, if not, the channel's answer."""
    settings = request.app.state.settings
    return await anyio.to_thread.run_sync(
        lambda: service.test_channel(
            channels=channels, user=user, channel_id=channel_id, settings=settings
        )
    )


@router.get("/notifications/outbox", summary="通知发件箱 The outbox (committee)")
def outbox(
    user: CurrentUser,
    store: Store,
    status: Annotated[
        str | None, Query(description="pending | sending | sent | dead | done")
    ] = None,
    kind: Annotated[str | None, Query(description="event | delivery")] = None,
    limit: Limit = 200,
) -> list[OutboxItem]:
    scoped = scoped_outbox(store, user)
    return service.outbox(store=scoped, user=user, status=status, kind=kind, limit=limit)


@router.post("/notifications/outbox/{row_id:path}/retry", summary="重发 Retry a delivery")
def retry(row_id: str, user: CurrentUser, store: Store) -> OutboxItem:
    return service.retry(store=scoped_outbox(store, user), user=user, row_id=row_id)


@router.get("/me/notifications", summary="我的通知 My notifications (the bell)")
def inbox(user: CurrentUser, store: Store, limit: Limit = 50) -> list[InAppNotification]:
    return service.inbox(store=scoped_outbox(store, user), user=user, limit=limit)
