"""The service's own state in one SQLite file: users and tokens, the audit log, plan jobs.

The graph (either store) holds the joint-building network; this file holds what
only the service needs. Each domain keeps its table in its own module —
users in :mod:`gongjian.service.auth.store`, the audit log in
:mod:`gongjian.service.audit.store`, plan jobs in
:mod:`gongjian.service.plans.job_store`, notification channels in
:mod:`gongjian.service.notifications.channel_store` — and :class:`ServiceState` joins them
over one durable connection per thread. The names below are re-exported so
that ``from gongjian.service.state import …`` keeps working.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path

from gongjian.core.errors import StoreUnavailableError
from gongjian.core.sqlite import DurableFile
from gongjian.service.audit.schemas import AuditEntry
from gongjian.service.audit.store import AUDIT_SCHEMA, AuditStore
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.auth.store import USERS_SCHEMA, UserStore, hash_token, migrate_users
from gongjian.service.notifications.channel_store import CHANNELS_SCHEMA, ChannelStore
from gongjian.service.plans.job_store import (
    JOBS_SCHEMA,
    Job,
    JobStatus,
    JobStore,
    PublishClaim,
    process_alive,
    process_tag,
)

__all__ = [
    "AuditEntry",
    "Job",
    "JobStatus",
    "PublishClaim",
    "ServiceState",
    "User",
    "UserRole",
    "hash_token",
    "process_alive",
    "process_tag",
]


class ServiceState(UserStore, AuditStore, JobStore, ChannelStore):
    """Users, audit log, jobs and notification channels in a SQLite file (WAL, synchronous=FULL)."""

    def __init__(self, path: str | Path) -> None:
        self._file = DurableFile(path, what="服务数据库")
        self.path = self._file.path
        self._token_cache: dict[str, User | None] = {}
        try:
            self._conn().executescript(USERS_SCHEMA + AUDIT_SCHEMA + JOBS_SCHEMA + CHANNELS_SCHEMA)
            self._migrate_jobs()
            with self._write() as conn:
                migrate_users(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailableError(f"服务数据库无法使用 {self.path}: {exc}") from exc

    def _conn(self) -> sqlite3.Connection:  # type: ignore[override]
        return self._file.connection()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:  # type: ignore[override]
        return self._file.write()

    def close(self) -> None:
        self._file.close()
