"""What a committee sees of the notifications, narrowed to its sub-district (issue 17).

An outbox row (event or delivery) belongs to the sub-districts of the units and
communities in its audience; a row addressed to the committee alone (the daily digest)
names no sub-district and is the city's only. A channel belongs to its owner's
sub-district: a unit's or community's, or, for a committee channel, its creator's.
Unit and community users see only what is addressed to them anyway; the city role
reads everything.

The routes hand the notification service narrowed views of the store and of the
channels (:func:`scoped_outbox`, :func:`scoped_channels`): the service's own rules
(who may list, retry, delete) are applied to what the caller's scope holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gongjian.core.errors import NotFoundError
from gongjian.graph.model import Community, Unit
from gongjian.graph.outbox import OutboxRow
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.notifications.channel_store import Channel, ChannelStore
from gongjian.service.scope import unscoped

__all__ = ["audiences_of", "scoped_channels", "scoped_outbox"]


def audiences_of(store: GraphStore, code: str) -> list[str]:
    """The audience names of sub-district ``code``: its units and communities."""
    whole = unscoped(store)
    units = whole.list(Unit, filters={"subdistrict": code}, limit=None)
    communities = whole.list(Community, filters={"subdistrict": code}, limit=None)
    return [*(f"unit:{u.id}" for u in units), *(f"community:{c.id}" for c in communities)]


def _committee_code(user: User) -> str | None:
    return user.subdistrict if user.role == UserRole.committee else None


class _ScopedOutbox:
    """A store whose outbox lists only rows addressed to some of ``names``."""

    def __init__(self, store: GraphStore, names: list[str]) -> None:
        self.store = store
        self.names = names

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def outbox_list(
        self,
        *,
        kind: Any = None,
        status: Any = None,
        audience: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[OutboxRow]:
        if not self.names:
            return []
        fetch = limit
        while True:  # rows of the scope, then those also addressed to ``audience``
            rows = self.store.outbox_list(
                kind=kind, status=status, audience=self.names, limit=fetch
            )
            kept = [r for r in rows if audience is None or set(audience) & set(r.audience)]
            if len(kept) >= limit or len(rows) < fetch:
                return kept[:limit]
            fetch *= 4

    def outbox_update(self, row_id: str, change: Any) -> OutboxRow | None:
        row = self.store.outbox_get(row_id)
        if row is None or not set(self.names) & set(row.audience):
            return None  # another sub-district's row: not found
        return self.store.outbox_update(row_id, change)  # type: ignore[no-any-return]


def scoped_outbox(store: GraphStore, user: User) -> GraphStore:
    """The store as ``user``'s notification lists read it (a committee: its sub-district's)."""
    code = _committee_code(user)
    if code is None:
        return store
    return _ScopedOutbox(store, audiences_of(store, code))  # type: ignore[return-value]


class _ScopedChannels:
    """Channels of one sub-district: owned by its units, communities or committee users."""

    def __init__(self, channels: ChannelStore, names: set[str], users: set[str]) -> None:
        self.inner = channels
        self.names = names
        self.users = users

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _ours(self, ch: Channel) -> bool:
        if ch.owner == "committee":
            return ch.created_by in self.users
        return ch.owner in self.names

    def channels(self, *, owners: list[str] | None = None) -> list[Channel]:
        return [c for c in self.inner.channels(owners=owners) if self._ours(c)]

    def find_channel(self, channel_id: str) -> Channel | None:
        found = self.inner.find_channel(channel_id)
        return found if found is not None and self._ours(found) else None

    def get_channel(self, channel_id: str) -> Channel:
        found = self.find_channel(channel_id)
        if found is None:
            raise NotFoundError("通知渠道 channel", channel_id)
        return found


def scoped_channels(channels: ChannelStore, store: GraphStore, user: User) -> ChannelStore:
    """The channels as ``user`` manages them (a committee: its sub-district's)."""
    code = _committee_code(user)
    if code is None:
        return channels
    users = {u.id for u in channels.users() if u.subdistrict == code}  # type: ignore[attr-defined]
    return _ScopedChannels(channels, set(audiences_of(store, code)), users)  # type: ignore[return-value]
