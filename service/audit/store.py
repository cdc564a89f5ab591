"""The audit log in the service's state file (:class:`~gongjian.service.state.ServiceState`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from gongjian.core.clock import utc_iso
from gongjian.service.audit.schemas import AuditEntry
from gongjian.service.auth.schemas import User

__all__ = ["AUDIT_SCHEMA", "AuditStore"]

AUDIT_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_id TEXT,
    role TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    summary TEXT
);
CREATE INDEX IF NOT EXISTS audit_user ON audit(user_id);
"""


class AuditStore:
    """The audit table (a part of the state file)."""

    # the state file's plumbing (:class:`gongjian.service.state.ServiceState`)
    _conn: Callable[[], sqlite3.Connection]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def record(
        self,
        *,
        user: User | None,
        method: str,
        path: str,
        status: int,
        summary: str | None = None,
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO audit(at, user_id, role, method, path, status, summary)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_iso(),
                    user.id if user else None,
                    user.role.value if user else None,
                    method,
                    path[:500],
                    status,
                    (summary or None) and summary[:1000],
                ),
            )

    def audit(
        self,
        *,
        user_id: str | None = None,
        text: str | None = None,
        method: str | None = None,
        since: str | None = None,
        until: str | None = None,
        subdistrict: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[list[AuditEntry], int]:
        """Entries newest first: by user, by text in path or summary, by method, in
        ``[since, until)`` (UTC ISO text, compared as stored), of the users of
        ``subdistrict`` (the users table of the same file); and how many match."""
        clauses: list[str] = []
        params: list[object] = []
        if subdistrict is not None:
            clauses.append("user_id IN (SELECT id FROM users WHERE subdistrict = ?)")
            params.append(subdistrict)
        if user_id:
            clauses.append("user_id = ?")
            params.append(user_id)
        if text:
            # LIKE with the user's text escaped: % and _ are literal here
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append("(path LIKE ? ESCAPE '\\' OR summary LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        if method:
            clauses.append("method = ?")
            params.append(method)
        if since:
            clauses.append("at >= ?")
            params.append(since)
        if until:
            clauses.append("at < ?")
            params.append(until)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = (
            self._conn()
            .execute(
                f"SELECT seq, at, user_id, role, method, path, status, summary FROM audit {where}"
                " ORDER BY seq DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            )
            .fetchall()
        )
        total = self._conn().execute(f"SELECT count(*) FROM audit {where}", params).fetchone()[0]
        entries = [
            AuditEntry(
                seq=r[0],
                at=r[1],
                user_id=r[2],
                role=r[3],
                method=r[4],
                path=r[5],
                status=r[6],
                summary=r[7],
            )
            for r in rows
        ]
        return entries, int(total)
