"""The delivery worker: outbox events → per-channel deliveries → robots and mail.

One pass (:meth:`NotificationWorker.run_once`):

1. **expand** — lease due ``event`` rows; for each, the channels that want it
   (event subscribed, owner in the audience or a committee of the event's
   sub-district) become ``delivery`` rows ``{event}|{channel}``, written with
   marking the event ``done`` in one store transaction (:meth:`~gongjian.graph.outbox.OutboxRules.outbox_expand`);
2. **deliver** — lease due deliveries and send each; right after the channel
   answered, the row is marked ``sent`` (before anything else, so a crash can
   only re-send what was in flight); a failure is retried after
   ``backoff × 2^(attempt-1)`` seconds, and after ``notify_max_attempts`` tries the
   row is ``dead`` with its last error. A row held by a worker that died is due
   again when its lease ends: ``kill -9`` loses nothing.

Every ``notify_scan_seconds`` (the first time one period after start) the worker also scans the needs for due dates
(``need.due_soon``: due today; ``need.overdue``: past due, once a day) and, from
``notify_digest_hour`` (Beijing), enqueues the daily digests: one per sub-district
for its committee (its needs only), and the whole city's for the city role. Their ids
are per need (sub-district) and day, so scans by several workers add each once.

A committee channel gets the events of its own sub-district only — of its units,
communities and needs, and its own digest, never the city's — as that sub-district's
committee lists them (its sub-district: the committee user's who created it;
:func:`~gongjian.service.notifications.scoping.channel_subdistricts`,
:func:`~gongjian.service.notifications.scoping.event_filter`).

Started with the service (:func:`start_worker`, one per process; leases keep
several apart) or alone by ``gongjian notify run``.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx

from gongjian.core import clock
from gongjian.core.settings import Settings
from gongjian.graph.model import Need, NeedStatus, Subdistrict
from gongjian.graph.outbox import OutboxRow, stamp
from gongjian.graph.store import GraphStore
from gongjian.graph.whistle import whistle_state
from gongjian.service.notifications import events
from gongjian.service.notifications.channel_store import Channel, ChannelStore
from gongjian.service.notifications.channels import DeliveryError, Message, send
from gongjian.service.notifications.scoping import channel_subdistricts, event_filter

__all__ = ["NotificationWorker", "WorkerStats", "message_of", "start_worker"]

log = logging.getLogger("gongjian.service.notifications")

_OPEN = (NeedStatus.open, NeedStatus.claimed, NeedStatus.in_progress)


def _by_id(need: Need) -> str:
    return need.id


@dataclass
class WorkerStats:
    """What this worker did since it started."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    #: deliveries created from events
    expanded: int = 0
    started: float = field(default_factory=time.monotonic)


def message_of(row: OutboxRow, console_url: str) -> Message:
    """The message of an outbox row, its link into the console."""
    p = row.payload
    path = str(p.get("path") or "")
    link = console_url.rstrip("/") + "/" + path if path else None
    return Message(
        key=row.id,
        title=str(p.get("title") or row.event),
        lines=list(p.get("lines") or []),
        link=link,
    )


class NotificationWorker:
    """Sends what the outbox holds (see the module docstring)."""

    def __init__(self, store: GraphStore, channels: ChannelStore, settings: Settings) -> None:
        self.store = store
        self.channels = channels
        self.settings = settings
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(timeout=settings.notify_timeout_seconds)
        self._pool = ThreadPoolExecutor(settings.notify_senders, thread_name_prefix="gongjian-send")
        self._stats_lock = threading.Lock()
        # the first scan waits a period too: a start-up has other work (resuming
        # publications) that must not queue behind hundreds of due-date events
        self._last_scan = time.monotonic()

    # -- one pass -----------------------------------------------------------------
    def run_once(self) -> int:
        """Expand due events and send due deliveries; how many rows were handled."""
        handled = self.expand()
        handled += self.deliver()
        if time.monotonic() - self._last_scan >= self.settings.notify_scan_seconds:
            self._last_scan = time.monotonic()
            self.scan()
        return handled

    def expand(self) -> int:
        rows = self.store.outbox_claim(
            "event", limit=20, lease_seconds=self.settings.notify_lease_seconds
        )
        if not rows:
            return 0
        channels = self.channels.channels()
        scopes = channel_subdistricts(self.channels, channels)
        ours = event_filter(self.store)
        for event in rows:
            deliveries = [
                OutboxRow(
                    id=f"{event.id}|{ch.id}",
                    kind="delivery",
                    event=event.event,
                    audience=event.audience,
                    payload=event.payload,
                    channel_id=ch.id,
                )
                for ch in channels
                if ch.wants(event.event, event.audience, scopes.get(ch.id))
                and (ch.id not in scopes or ours(event, scopes[ch.id]))
            ]
            self.stats.expanded += self.store.outbox_expand(event, deliveries)
        return len(rows)

    def deliver(self) -> int:
        # two rounds of the senders per claim: a batch ends well within its lease
        rows = self.store.outbox_claim(
            "delivery",
            limit=2 * self.settings.notify_senders,
            lease_seconds=self.settings.notify_lease_seconds,
        )
        # a few at once: each waits on the robot and on its own store write
        list(self._pool.map(self._deliver_one, rows))
        return len(rows)

    def _deliver_one(self, row: OutboxRow) -> None:
        # not once stopping, nor when the lease would end before a send could: the lease
        # runs out and a later claim takes the row (another worker may hold it by then)
        latest = stamp(datetime.now(UTC) + timedelta(seconds=self.settings.notify_timeout_seconds))
        if self._stop.is_set() or latest >= row.next_at:
            return
        channel = self.channels.find_channel(row.channel_id or "")
        try:
            if channel is None:
                raise DeliveryError("渠道已删除 (the channel was deleted)")
            self._send(channel, row)
        except DeliveryError as exc:
            self._failed(row, str(exc), final=channel is None)
        except Exception as exc:  # a bug must not stop the worker: the row says why
            log.exception("delivery %s failed", row.id)
            self._failed(row, f"{type(exc).__name__}: {exc}")
        else:
            self._finish(row, status="sent", sent_at=stamp())
            self._count("sent")

    def _count(self, what: str) -> None:
        with self._stats_lock:
            setattr(self.stats, what, getattr(self.stats, what) + 1)

    def _send(self, channel: Channel, row: OutboxRow) -> None:
        send(
            channel.kind,
            channel.url,
            channel.secret,
            message_of(row, self.settings.console_url),
            client=self._client,
            timeout=self.settings.notify_timeout_seconds,
        )

    def _failed(self, row: OutboxRow, error: str, *, final: bool = False) -> None:
        if final or row.attempts >= self.settings.notify_max_attempts:
            self._finish(row, status="dead", last_error=error)
            self._count("dead")
            log.warning("delivery %s dead after %d tries: %s", row.id, row.attempts, error)
            return
        delay = min(
            self.settings.notify_backoff_seconds * 2 ** (row.attempts - 1),
            self.settings.notify_backoff_max,
        )
        retry = stamp(datetime.now(UTC) + timedelta(seconds=delay))
        self._finish(row, status="pending", next_at=retry, last_error=error)
        self._count("retried")

    def _finish(self, row: OutboxRow, **update: object) -> None:
        """Write the outcome while the row is still ours (same attempt, still sending)."""

        def change(stored: OutboxRow) -> OutboxRow | None:
            if stored.status != "sending" or stored.attempts != row.attempts:
                return None
            return stored.model_copy(update=update)

        self.store.outbox_update(row.id, change)

    # -- scans --------------------------------------------------------------------
    def scan(self) -> int:
        """Enqueue due-date events and, once a day, the digest; how many were new."""
        today = clock.today()
        needs = [n for n in self.store.list(Need, limit=None) if n.status in _OPEN]
        rows: list[OutboxRow] = []
        for need in needs:
            if need.due is None:
                continue
            if need.due == today:
                rows.append(events.due_soon(need))
            elif need.due < today:
                rows.append(events.overdue(need, today))
        local_hour = clock.now_utc().astimezone(clock.SHANGHAI).hour
        if local_hour >= self.settings.notify_digest_hour:
            rows.extend(self._digests(today, needs))
        return self.store.enqueue(rows)

    def _digests(self, today: date, needs: list[Need]) -> list[OutboxRow]:
        """Today's digests of the open ``needs``: each sub-district's, then the city's."""
        now = clock.now_utc()
        overdue = sorted((n for n in needs if n.due is not None and n.due < today), key=_by_id)
        supervised = sorted(
            (n for n in needs if n.whistle and whistle_state(n, now).overdue_units), key=_by_id
        )
        unclaimed = [n for n in needs if n.status == NeedStatus.open]
        named = {d.id: d for d in self.store.subdistricts()}
        codes = sorted(set(named) | {n.subdistrict for n in needs})
        rows = [
            events.digest(
                today,
                [n for n in overdue if n.subdistrict == code],
                [n for n in supervised if n.subdistrict == code],
                sum(1 for n in unclaimed if n.subdistrict == code),
                named.get(code) or Subdistrict(id=code, name=code),
            )
            for code in codes
        ]
        rows.append(events.digest(today, overdue, supervised, len(unclaimed)))
        return rows

    # -- the loop -----------------------------------------------------------------
    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception as exc:  # the store may be down: wait and try again
                log.warning("notification pass failed: %s", exc)
                busy = 0
            if not busy:
                self._stop.wait(self.settings.notify_poll_seconds)

    def start(self) -> NotificationWorker:
        self._thread = threading.Thread(
            target=self.run_forever, name="gongjian-notify", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=timeout > 0)
        self._client.close()


def start_worker(
    store: GraphStore, channels: ChannelStore, settings: Settings
) -> NotificationWorker:
    """The worker of this process, running in a daemon thread."""
    return NotificationWorker(store, channels, settings).start()
