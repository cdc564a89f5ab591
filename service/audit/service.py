"""The audit log: recording a write and reading the log (keyword-only functions)."""

from __future__ import annotations

import datetime as dt

from gongjian.core.clock import as_utc, day_end
from gongjian.core.errors import InvalidInputError
from gongjian.service.audit.schemas import AuditEntry
from gongjian.service.auth.permissions import require_committee
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.state import ServiceState

__all__ = ["entries", "record"]


def record(
    *,
    state: ServiceState,
    user: User,
    method: str,
    path: str,
    status: int,
    summary: str | None = None,
) -> None:
    """Append one write to the log."""
    state.record(user=user, method=method, path=path, status=status, summary=summary)


def entries(
    *,
    state: ServiceState,
    user: User,
    user_id: str | None,
    offset: int,
    limit: int,
    text: str | None = None,
    method: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, and the total (the committee: the entries of
    its sub-district's users; the city role: everyone's).

    ``since`` / ``until`` are Beijing days, both included; ``text`` is found in the
    path or the summary.
    """
    if user.role != UserRole.city:
        require_committee(user, "查看审计日志")
    if since and until and since > until:
        raise InvalidInputError(
            "开始日期晚于结束日期 (since is after until)",
            [{"field": "since", "message": "since must not be after until"}],
        )
    return state.audit(
        user_id=user_id,
        text=text or None,
        method=method,
        since=None if since is None else as_utc(day_end(since - dt.timedelta(days=1))).isoformat(),
        until=None if until is None else as_utc(day_end(until)).isoformat(),
        subdistrict=user.subdistrict,
        offset=offset,
        limit=limit,
    )
