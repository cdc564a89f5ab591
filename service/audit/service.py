"""The audit log: recording a write and reading the log (keyword-only functions)."""

from __future__ import annotations

from gongjian.service.audit.schemas import AuditEntry
from gongjian.service.auth.permissions import require_committee
from gongjian.service.auth.schemas import User
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
    *, state: ServiceState, user: User, user_id: str | None, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, and the total (committee only)."""
    require_committee(user, "查看审计日志")
    return state.audit(user_id=user_id, offset=offset, limit=limit)
