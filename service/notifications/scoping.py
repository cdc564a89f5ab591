"""What a committee sees of the notifications, narrowed to its sub-district (issue 17).

An outbox row (event or delivery) belongs to the sub-districts of the units and
communities in its audience, of the need it is about and of its ``subdistrict:<code>``
audience (a sub-district's daily digest); a row of none (the whole city's digest, for
the city role) is the city's only. A channel belongs to its owner's
sub-district: a unit's or community's, or, for a committee channel, its creator's (the
default sub-district's for a channel of no creator, added before the scopes). A store of
one sub-district is not narrowed.
Unit and community users see only what is addressed to them anyway; the city role
reads everything.

The outbox worker hands a committee channel the event rows of its own sub-district
only, by the same rule (:func:`event_filter`); a unit's or community's channel gets
what is addressed to its owner anyway.

The routes hand the notification service narrowed views of the store and of the
channels (:func:`scoped_outbox`, :func:`scoped_channels`): the service's own rules
(who may list, retry, delete) are applied to what the caller's scope holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gongjian.core.errors import NotFoundError
from gongjian.graph.model import Community, Need, Unit, default_subdistrict
from gongjian.graph.outbox import OutboxRow
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.notifications.channel_store import Channel, ChannelStore
from gongjian.service.notifications.events import tagged
from gongjian.service.scope import NOWHERE, unscoped
from gongjian.service.scope import _codes as store_codes

__all__ = [
    "audiences_of",
    "channel_subdistricts",
    "event_filter",
    "scoped_channels",
    "scoped_outbox",
]


def audiences_of(store: GraphStore, code: str) -> list[str]:
    """The audience names of sub-district ``code``: its units and communities."""
    whole = unscoped(store)
    units = whole.list(Unit, filters={"subdistrict": code}, limit=None)
    communities = whole.list(Community, filters={"subdistrict": code}, limit=None)
    return [*(f"unit:{u.id}" for u in units), *(f"community:{c.id}" for c in communities)]


def _committee_code(store: GraphStore, user: User) -> str | None:
    """The sub-district a committee's lists are narrowed to; None for other roles, and
    when the store holds that sub-district only (nothing to narrow)."""
    code = user.subdistrict if user.role == UserRole.committee else None
    return None if code is None or store_codes(unscoped(store)) == {code} else code


class _Narrowed:
    """What it wraps, narrowed: ``names`` are the sub-district's audience names, ``ids``
    the ids of its needs (outbox) or of its users (channels); the rest passes through."""

    def __init__(self, inner: Any, names: set[str], ids: set[str]) -> None:
        self.inner = inner
        self.names = names
        self.ids = ids

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _ScopedOutbox(_Narrowed):
    """A store whose outbox lists only the rows of one sub-district: addressed to one of
    its units or communities, or about one of its needs (an event's id is
    ``<event>:<need id>:<key>``, a delivery's ``<event id>|<channel>``)."""

    def ours(self, row: OutboxRow) -> bool:
        if self.names & set(row.audience):
            return True
        parts = row.id.split("|", 1)[0].split(":")
        return len(parts) > 2 and parts[1] in self.ids

    def outbox_list(
        self,
        *,
        kind: Any = None,
        status: Any = None,
        audience: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[OutboxRow]:
        fetch = limit
        while True:  # newest first: read further until ``limit`` of ours or the end
            rows = self.inner.outbox_list(kind=kind, status=status, audience=audience, limit=fetch)
            kept = [r for r in rows if self.ours(r)]
            if len(kept) >= limit or len(rows) < fetch:
                return kept[:limit]
            fetch *= 4

    def outbox_update(self, row_id: str, change: Any) -> OutboxRow | None:
        row = self.inner.outbox_get(row_id)
        if row is None or not self.ours(row):
            return None  # another sub-district's row: not found
        return self.inner.outbox_update(row_id, change)  # type: ignore[no-any-return]


def scoped_outbox(store: GraphStore, user: User) -> GraphStore:
    """The store as ``user``'s notification lists read it (a committee: its sub-district's)."""
    code = _committee_code(store, user)
    if code is None:
        return store
    return _outbox_of(store, code)  # type: ignore[return-value]


def _outbox_of(store: GraphStore, code: str) -> _ScopedOutbox:
    needs = unscoped(store).list(Need, filters={"subdistrict": code}, limit=None)
    names = {*audiences_of(store, code), tagged(code)}
    return _ScopedOutbox(store, names, {n.id for n in needs})


def event_filter(store: GraphStore) -> Callable[[OutboxRow, str], bool]:
    """Whether an outbox row belongs to a sub-district (by its code), as that
    sub-district's committee lists it; every row does in a store of one sub-district.
    Each code's units, communities and needs are read once, on first use."""
    codes = store_codes(unscoped(store))
    if len(codes) <= 1:
        return lambda row, code: code in codes or not codes
    outboxes: dict[str, _ScopedOutbox] = {}

    def ours(row: OutboxRow, code: str) -> bool:
        if code not in outboxes:
            outboxes[code] = _outbox_of(store, code)
        return outboxes[code].ours(row)

    return ours


def channel_subdistricts(channels: ChannelStore, listed: Sequence[Channel]) -> dict[str, str]:
    """The sub-district of each committee channel of ``listed`` by id: its creator's
    (disabled or not), the default one for a channel of no creator (added before the
    scopes), ``-`` (no sub-district's) for one of an unknown creator."""
    codes = channels.creators()
    out: dict[str, str] = {}
    for ch in listed:
        if ch.owner != "committee":
            continue
        code = default_subdistrict() if ch.created_by is None else codes.get(ch.created_by)
        out[ch.id] = code or NOWHERE
    return out


class _ScopedChannels(_Narrowed):
    """Channels of one sub-district: owned by its units, communities or committee users."""

    def _ours(self, ch: Channel) -> bool:
        if ch.owner == "committee":
            return ch.created_by in self.ids
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
    code = _committee_code(store, user)
    if code is None:
        return channels
    users = {uid for uid, own in channels.creators().items() if own == code}
    if code == default_subdistrict():
        users.add(None)  # type: ignore[arg-type] # committee channels of before the scopes
    return _ScopedChannels(channels, set(audiences_of(store, code)), users)  # type: ignore[return-value]
