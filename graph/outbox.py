"""The transactional outbox (通知发件箱): notification rows written with the change.

A write that should tell someone something (a claim, a whistle, a publication)
passes ``outbox=`` rows to the store method, and the store inserts them in the
SAME transaction as the change: both are committed or neither is, so a crash
(``kill -9``) can neither lose a notification of a committed change nor send one
for a change that was rolled back. A delivery worker
(:mod:`gongjian.service.notifications.worker`) reads the rows later.

Two kinds of row share one table / label:

* ``event`` — one per happening (``need.dispatched``, ``whistle.summoned`` …),
  its audience (``unit:u01``, ``community:c01``, ``committee``) and payload; it
  is also what the in-app bell lists. Its id is derived from the change (the need
  and its new version, the plan and unit …), so writing it again — a retried
  transaction, a resumed publication — adds nothing.
* ``delivery`` — one per event and channel, id ``{event id}|{channel id}``: the
  idempotency key sent with the message. The worker creates them when it expands
  an event (in one transaction with marking the event ``done``).

A row is due when its status is ``pending`` or ``sending`` and ``next_at`` has
passed: for ``pending`` it is the time of the next try (back-off), for
``sending`` the end of the lease taken by :meth:`OutboxRules.outbox_claim`, so a
row whose sender died is claimed again once its lease ends.

:class:`OutboxRules` holds the rules once for both stores over five primitives
each store implements next to its other statements.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

__all__ = [
    "DUE",
    "OutboxKind",
    "OutboxQuery",
    "OutboxRow",
    "OutboxRules",
    "OutboxSpec",
    "OutboxStatus",
    "outbox_rows",
    "stamp",
]

Tx = TypeVar("Tx")
T = TypeVar("T")

OutboxKind = Literal["event", "delivery"]
OutboxStatus = Literal["pending", "sending", "sent", "dead", "done"]
#: the statuses of a row that still has to be handled
DUE: tuple[str, ...] = ("pending", "sending")


def stamp(at: datetime | None = None) -> str:
    """A UTC time as fixed-width ISO text, so that text order is time order.

    >>> stamp(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    '2026-12-01T08:00:00.000000Z'
    """
    at = datetime.now(UTC) if at is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class OutboxRow(BaseModel):
    """One outbox row: an event, or the delivery of one event to one channel."""

    id: str = Field(min_length=1, max_length=400)
    kind: OutboxKind
    event: str
    status: OutboxStatus = "pending"
    audience: list[str] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)
    channel_id: str | None = None
    attempts: int = 0
    next_at: str = Field(default_factory=stamp)
    last_error: str | None = None
    created_at: str = Field(default_factory=stamp)
    sent_at: str | None = None


#: what a write method accepts as ``outbox=``: rows, or a function of the written
#: result giving the rows (called inside the transaction, maybe more than once)
OutboxSpec = Sequence[OutboxRow] | Callable[[Any], Sequence[OutboxRow]] | None


def outbox_rows(spec: OutboxSpec, result: Any) -> list[OutboxRow]:
    """The rows ``spec`` stands for, given the result of the write."""
    if spec is None:
        return []
    rows = spec(result) if callable(spec) else spec
    return list(rows)


@dataclass(frozen=True)
class OutboxQuery:
    """A listing of the outbox: rows of ``kind`` and ``status`` (None: any), addressed to
    any of ``audience`` (None: everyone's), at most ``limit``."""

    kind: str | None
    status: str | None
    audience: Sequence[str] | None
    limit: int


class OutboxRules:
    """The outbox operations of a store, each ONE store transaction."""

    # -- primitives (per store) ---------------------------------------------------
    @abstractmethod
    def _write_tx(self, work: Callable[[Any], T], *, data: bool = True) -> T: ...

    @abstractmethod
    def _outbox_insert(self, tx: Any, rows: Sequence[OutboxRow]) -> int:
        """Insert the rows whose ids are not stored yet; how many were new."""

    @abstractmethod
    def _outbox_due(self, tx: Any, kind: str, now: str, limit: int) -> list[OutboxRow]:
        """Up to ``limit`` due rows of ``kind`` (oldest ``next_at`` first), write-locked."""

    @abstractmethod
    def _outbox_locked(self, tx: Any, ids: Sequence[str]) -> list[OutboxRow]:
        """The stored rows of ``ids``, write-locked."""

    @abstractmethod
    def _outbox_put(self, tx: Any, rows: Sequence[OutboxRow]) -> None:
        """Overwrite stored rows."""

    @abstractmethod
    def _outbox_select(self, query: OutboxQuery) -> list[OutboxRow]:
        """Rows newest first (``created_at``), filtered by ``query``."""

    # -- rules --------------------------------------------------------------------
    def enqueue(self, rows: Sequence[OutboxRow]) -> int:
        """Insert rows on their own (scans, digests); existing ids are left alone."""
        if not rows:
            return 0
        return self._write_tx(lambda tx: self._outbox_insert(tx, rows), data=False)

    def outbox_claim(
        self, kind: OutboxKind, *, limit: int = 50, lease_seconds: float = 60.0
    ) -> list[OutboxRow]:
        """Take up to ``limit`` due rows: each becomes ``sending`` until its lease ends.

        Counted as one more attempt. A row whose lease ended (its sender died) is due
        again, so nothing is lost; two workers never hold the same row at once.
        """
        now = datetime.now(UTC)
        lease = stamp(now + timedelta(seconds=lease_seconds))

        def work(tx: Any) -> list[OutboxRow]:
            rows = [
                r.model_copy(
                    update={"status": "sending", "attempts": r.attempts + 1, "next_at": lease}
                )
                for r in self._outbox_due(tx, kind, stamp(now), limit)
            ]
            if rows:
                self._outbox_put(tx, rows)
            return rows

        return self._write_tx(work, data=False)

    def outbox_update(
        self, row_id: str, change: Callable[[OutboxRow], OutboxRow | None]
    ) -> OutboxRow | None:
        """Read-check-write one row under its lock; ``change`` returns None to leave it."""

        def work(tx: Any) -> OutboxRow | None:
            found = self._outbox_locked(tx, [row_id])
            if not found:
                return None
            new = change(found[0])
            if new is None:
                return found[0]
            self._outbox_put(tx, [new])
            return new

        return self._write_tx(work, data=False)

    def outbox_expand(self, event: OutboxRow, deliveries: Sequence[OutboxRow]) -> int:
        """Write an event's deliveries and mark it ``done``, in one transaction.

        Only while the event is still held by the caller (same attempt): a worker whose
        lease ran out and whose event another worker took writes nothing. Deliveries
        already stored (by an earlier, cut-short expansion) are left as they are.
        """

        def work(tx: Any) -> int:
            found = self._outbox_locked(tx, [event.id])
            if not found or found[0].status != "sending" or found[0].attempts != event.attempts:
                return 0
            n = self._outbox_insert(tx, deliveries)
            self._outbox_put(
                tx, [found[0].model_copy(update={"status": "done", "sent_at": stamp()})]
            )
            return n

        return self._write_tx(work, data=False)

    def outbox_list(
        self,
        *,
        kind: OutboxKind | None = None,
        status: OutboxStatus | None = None,
        audience: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[OutboxRow]:
        """Rows newest first; ``audience``: rows addressed to any of these."""
        return self._outbox_select(OutboxQuery(kind, status, audience, limit))

    def outbox_get(self, row_id: str) -> OutboxRow | None:
        """One row, or None."""
        found = self._write_tx(lambda tx: self._outbox_locked(tx, [row_id]), data=False)
        return found[0] if found else None
