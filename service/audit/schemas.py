"""The audit log's entry model."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["AuditEntry"]


class AuditEntry(BaseModel):
    """One recorded write: who, when, what."""

    seq: int
    at: str
    user_id: str | None
    role: str | None
    method: str
    path: str
    status: int
    summary: str | None = None
