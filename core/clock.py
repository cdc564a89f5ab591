"""One clock for the whole project: instants in UTC, days and quarters in Beijing time.

Stores record aware UTC instants to the second. People read and type times in
Asia/Shanghai (UTC+8, no daylight saving): a due day ends at 24:00 Beijing time, a
naive time typed into a form is Beijing time, and "this quarter" is the quarter of
today's Beijing date. The tz database comes from the ``tzdata`` package, so this
holds on machines without a system one.

``GONGJIAN_TODAY=YYYY-MM-DD`` fixes the date the service takes as today (days and
quarters only; instants stay real): a demo or a test seeded with one quarter's data
keeps opening on that quarter whatever the calendar says.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "SHANGHAI",
    "as_utc",
    "current_quarter",
    "day_end",
    "now_utc",
    "quarter_of",
    "stored_utc",
    "today",
    "utc_iso",
]

#: the time zone people read and type times in
SHANGHAI: tzinfo = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    """The current time, timezone-aware UTC, to the second (what the stores record)."""
    return datetime.now(UTC).replace(microsecond=0)


def utc_iso() -> str:
    """:func:`now_utc` as ISO 8601 text (``2026-12-01T10:00:00+00:00``)."""
    return now_utc().isoformat()


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC, to the second; a naive value is taken as Beijing time.

    >>> as_utc(datetime(2026, 12, 1, 18, 0)).isoformat()
    '2026-12-01T10:00:00+00:00'
    >>> as_utc(datetime(2026, 12, 1, 18, 0, tzinfo=UTC)).isoformat()
    '2026-12-01T18:00:00+00:00'
    """
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(UTC).replace(microsecond=0)


def stored_utc(value: datetime) -> datetime:
    """A time read back from a store: naive means UTC (what the stores write)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def day_end(day: date) -> datetime:
    """The instant a Beijing day ends (exclusive): due dates are met before it.

    >>> day_end(date(2026, 3, 31)).isoformat()
    '2026-04-01T00:00:00+08:00'
    """
    nxt = day + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=SHANGHAI)


def today(now: datetime | None = None) -> date:
    """Today's date in Beijing (or ``GONGJIAN_TODAY`` when set and no ``now`` is given).

    >>> today(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    datetime.date(2027, 1, 1)
    """
    if now is None:
        fixed = os.environ.get("GONGJIAN_TODAY", "").strip()
        if fixed:
            return date.fromisoformat(fixed)
    return (now or now_utc()).astimezone(SHANGHAI).date()


def quarter_of(day: date) -> str:
    """The quarter code of a date (``2026Q4``).

    >>> quarter_of(date(2026, 12, 1))
    '2026Q4'
    """
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def current_quarter(now: datetime | None = None) -> str:
    """The quarter of today's Beijing date.

    >>> current_quarter(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    '2027Q1'
    """
    return quarter_of(today(now))
