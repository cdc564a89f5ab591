"""Notification channels (通知渠道) and their subscriptions, in the service's state file.

A channel is a robot webhook or an SMTP address, owned by the committee, a unit
(``unit:<id>``) or a community (``community:<id>``), with the events it wants.
Its secret (and the webhook URL, whose query holds the robot's token) are
stored as given and only ever shown masked (:func:`mask`). The table lives in
the service state file (users, audit, jobs), not in the graph: both stores'
outboxes name channels by id, and the worker reads them from here.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, Field

from gongjian.core.clock import utc_iso
from gongjian.core.errors import NotFoundError

__all__ = ["CHANNELS_SCHEMA", "Channel", "ChannelStore", "mask", "mask_url"]

CHANNELS_SCHEMA = """
CREATE TABLE IF NOT EXISTS notify_channels(
    id      TEXT PRIMARY KEY,
    owner   TEXT NOT NULL,
    created TEXT NOT NULL,
    props   TEXT NOT NULL
);
"""


class Channel(BaseModel):
    """A stored channel (with its secret: never hand this out; see ``ChannelPublic``)."""

    id: str
    kind: str
    name: str = ""
    url: str
    secret: str | None = None
    events: list[str] = Field(default_factory=list)
    owner: str = "committee"
    created_at: str = ""
    created_by: str | None = None

    def wants(self, event: str, audience: list[str], subdistrict: str | None = None) -> bool:
        """Whether this channel gets ``event`` addressed to ``audience``: a unit's or
        community's when addressed to it; a committee's (of ``subdistrict``, None: not
        known) every event but the city's own and those kept to another sub-district
        (``subdistrict:<code>`` in the audience)."""
        if event not in self.events and "*" not in self.events:
            return False
        if self.owner != "committee":
            return self.owner in audience
        if audience == ["city"]:
            return False
        kept = [a.partition(":")[2] for a in audience if a.startswith("subdistrict:")]
        return not kept or subdistrict is None or subdistrict in kept


def mask(secret: str | None) -> str | None:
    """A secret as shown after it was stored: its first 3 and last 4 characters.

    >>> mask("SECd4f0a1b2c3e5f6a7b8a1b2")
    'SEC…a1b2'
    >>> mask("short")
    '…'
    """
    if not secret:
        return None
    return f"{secret[:3]}…{secret[-4:]}" if len(secret) >= 12 else "…"


def mask_url(url: str) -> str:
    """A webhook URL with every query value masked (the robots' tokens travel there).

    >>> mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=73febdcb-1b38-4d1b")
    'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=73f%E2%80%A64d1b'
    """
    parts = urlsplit(url)
    query = urlencode([(k, mask(v) or "") for k, v in parse_qsl(parts.query)])
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":…@")
    path = parts.path
    if "/hook/" in path:  # Feishu puts the token in the path
        head, _, token = path.rpartition("/")
        path = f"{head}/{mask(token) or '…'}"
    return urlunsplit((parts.scheme, netloc, path, query, ""))


class ChannelStore:
    """The channels table (a part of the state file, :class:`~gongjian.service.state.ServiceState`)."""

    # the state file's plumbing
    _conn: Callable[[], sqlite3.Connection]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def add_channel(self, channel: Channel) -> Channel:
        """Store a new channel (a fresh id)."""
        stored = channel.model_copy(
            update={"id": f"ch-{uuid.uuid4().hex[:12]}", "created_at": utc_iso()}
        )
        with self._write() as conn:
            conn.execute(
                "INSERT INTO notify_channels(id, owner, created, props) VALUES (?, ?, ?, ?)",
                (stored.id, stored.owner, stored.created_at, stored.model_dump_json()),
            )
        return stored

    def creators(self) -> dict[str, str | None]:
        """Every user's sub-district by user id, disabled users too (a committee channel
        is of its creator's sub-district); empty in a state file without users."""
        try:
            rows = self._conn().execute("SELECT id, subdistrict FROM users").fetchall()
        except sqlite3.OperationalError:  # no users table
            return {}
        return {str(uid): code for uid, code in rows}

    def channels(self, *, owners: list[str] | None = None) -> list[Channel]:
        """Channels by creation; ``owners``: only those owned by one of them."""
        rows = self._conn().execute("SELECT owner, props FROM notify_channels ORDER BY created, id")
        return [
            Channel.model_validate(json.loads(props))
            for owner, props in rows.fetchall()
            if owners is None or owner in owners
        ]

    def get_channel(self, channel_id: str) -> Channel:
        found = self.find_channel(channel_id)
        if found is None:
            raise NotFoundError("通知渠道 channel", channel_id)
        return found

    def find_channel(self, channel_id: str) -> Channel | None:
        row = (
            self._conn()
            .execute("SELECT props FROM notify_channels WHERE id = ?", (channel_id,))
            .fetchone()
        )
        return None if row is None else Channel.model_validate(json.loads(row[0]))

    def delete_channel(self, channel_id: str) -> None:
        with self._write() as conn:
            if (
                conn.execute("DELETE FROM notify_channels WHERE id = ?", (channel_id,)).rowcount
                == 0
            ):
                raise NotFoundError("通知渠道 channel", channel_id)
