"""The whistle rule (吹哨报到), in one place: who is late, who reported, who is pending.

Used by the whistle list (``GET /whistles``) and by the dashboard metrics
(``overdue_whistles``), so the two cannot disagree about the same need.

Times are read with :mod:`gongjian.core.clock`: a stored deadline or report
time without a zone is Beijing time, as typed into a form (:func:`as_utc`); a
naive ``now`` is UTC, what the clock hands out (:func:`stored_utc`). Per
summoned unit the state is

* ``reported`` — reported by the deadline (exactly on it counts as in time);
* ``late`` — reported after the deadline;
* ``overdue`` — not reported and the deadline has passed (``now > deadline``);
* ``pending`` — not reported, deadline not reached (or no deadline);
* ``cancelled`` — not reported and the need was cancelled: nobody is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from gongjian.core.clock import as_utc, stored_utc
from gongjian.graph.model import Need, NeedStatus

__all__ = ["UnitState", "WhistleState", "WhistleUnitState", "read_time", "whistle_state"]

UnitState = Literal["reported", "late", "pending", "overdue", "cancelled"]


def read_time(value: datetime | None) -> datetime | None:
    """A stored whistle time as aware UTC; a naive one is Beijing time.

    A naive time so close to the ends of the calendar that it has no UTC
    equivalent is kept as UTC instead of failing.

    >>> read_time(datetime(2025, 1, 1, 8, 0)).isoformat()
    '2025-01-01T00:00:00+00:00'
    >>> read_time(datetime.min).isoformat()
    '0001-01-01T00:00:00+00:00'
    """
    if value is None:
        return None
    try:
        return as_utc(value)
    except OverflowError:
        return stored_utc(value)


@dataclass(frozen=True)
class WhistleUnitState:
    """One summoned unit of a whistle: when it reported (UTC) and its state."""

    unit_id: str
    reported_at: datetime | None
    state: UnitState


@dataclass(frozen=True)
class WhistleState:
    """A whistled need at one moment: its deadline (UTC) and every summoned unit's state."""

    deadline: datetime | None
    units: tuple[WhistleUnitState, ...]
    cancelled: bool = False

    @property
    def overdue_units(self) -> list[str]:
        """Units that have not reported although the deadline has passed."""
        return [u.unit_id for u in self.units if u.state == "overdue"]

    @property
    def overdue(self) -> bool:
        """Whether some summoned unit is overdue (the whistle list's ``overdue`` filter)."""
        return any(u.state == "overdue" for u in self.units)

    @property
    def late_units(self) -> list[str]:
        """Units that missed the deadline: overdue, or reported late; none once cancelled.

        The dashboard's overdue whistles are the needs with late units.
        """
        if self.cancelled:
            return []
        return sorted({u.unit_id for u in self.units if u.state in ("late", "overdue")})


def whistle_state(need: Need, now: datetime) -> WhistleState:
    """The state of the need's whistle at ``now`` (rules in the module docstring).

    >>> from datetime import UTC
    >>> n = Need(id="n1", title="消防隐患", category="fire_safety", community_id="c1",
    ...          quarter="2026Q4", whistle=True, summoned=["u1", "u2", "u3"],
    ...          whistle_deadline=datetime(2026, 11, 1, 8, 0),  # naive: Beijing time
    ...          reports={"u1": datetime(2026, 10, 31, tzinfo=UTC),
    ...                   "u2": datetime(2026, 11, 2, tzinfo=UTC)})
    >>> st = whistle_state(n, datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC))
    >>> st.deadline.isoformat(), [u.state for u in st.units]
    ('2026-11-01T00:00:00+00:00', ['reported', 'late', 'overdue'])
    >>> st.overdue_units, st.late_units
    (['u3'], ['u2', 'u3'])
    """
    now = stored_utc(now)
    deadline = read_time(need.whistle_deadline)
    passed = deadline is not None and now > deadline
    cancelled = need.status == NeedStatus.cancelled
    units = []
    for unit_id in need.summoned:
        at = read_time(need.reports.get(unit_id))
        state: UnitState
        if at is not None:
            state = "late" if deadline is not None and at > deadline else "reported"
        elif cancelled:
            state = "cancelled"
        else:
            state = "overdue" if passed else "pending"
        units.append(WhistleUnitState(unit_id=unit_id, reported_at=at, state=state))
    return WhistleState(deadline=deadline, units=tuple(units), cancelled=cancelled)
