"""The service's own state in one SQLite file: users and tokens, the audit log, plan jobs.

The graph (either store) holds the joint-building network; this file holds what
only the service needs. Tokens are stored as SHA-256 hashes: a token is shown
once, when it is created, and cannot be read back.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from gongjian.core.errors import InvalidInputError, NotFoundError, StoreUnavailableError
from gongjian.core.sqlite import connect_durable, immediate

__all__ = [
    "AuditEntry",
    "Job",
    "JobStatus",
    "Role",
    "ServiceState",
    "User",
    "hash_token",
    "process_alive",
    "process_tag",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id TEXT,
    community_id TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
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
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    quarter TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    started_at TEXT,
    finished_at TEXT,
    request TEXT NOT NULL,
    progress TEXT,
    plan TEXT,
    error TEXT,
    published_at TEXT,
    publish_report TEXT,
    problem BLOB,
    owner TEXT,
    plan_input BLOB
);
CREATE INDEX IF NOT EXISTS jobs_quarter ON jobs(quarter, created_at);
"""


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Role(StrEnum):
    """Who a token belongs to (角色)."""

    committee = "committee"
    unit = "unit"
    community = "community"
    viewer = "viewer"

    @property
    def label_zh(self) -> str:
        return {
            "committee": "共建委员会",
            "unit": "驻区单位",
            "community": "社区",
            "viewer": "只读",
        }[self.value]


class User(BaseModel):
    """A token holder; ``unit_id`` / ``community_id`` scope the unit and community roles."""

    id: str
    name: str
    role: Role
    unit_id: str | None = None
    community_id: str | None = None
    created_at: str = ""


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


class JobStatus(StrEnum):
    """Life of a planning job: queued → running → done | failed | cancelled | interrupted."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"
    interrupted = "interrupted"

    @property
    def label_zh(self) -> str:
        return {
            "queued": "排队中",
            "running": "求解中",
            "done": "已完成",
            "failed": "失败",
            "cancelled": "已取消",
            "interrupted": "已中断",
        }[self.value]

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.queued, JobStatus.running)


class Job(BaseModel):
    """A planning job as stored (``plan`` is the solver's Plan as JSON when finished)."""

    id: str
    quarter: str
    status: JobStatus
    created_at: str
    created_by: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    request: dict[str, Any]
    progress: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    error: str | None = None
    published_at: str | None = None
    publish_report: dict[str, Any] | None = None


_JOB_JSON = ("request", "progress", "plan", "publish_report")
_JOB_FIELDS = frozenset(
    {
        "status",
        "started_at",
        "finished_at",
        "progress",
        "plan",
        "error",
        "published_at",
        "publish_report",
        "plan_input",
    }
)


def _set_job(
    conn: sqlite3.Connection,
    job_id: str,
    only_if: tuple[JobStatus, ...] | None,
    fields: dict[str, Any],
) -> bool:
    bad = set(fields) - _JOB_FIELDS
    if bad:
        raise ValueError(f"unknown job fields {bad}")
    cols, values = [], []
    for k, v in fields.items():
        if k in _JOB_JSON and v is not None:
            v = json.dumps(v, ensure_ascii=False)
        elif isinstance(v, StrEnum):
            v = v.value
        cols.append(f"{k} = ?")
        values.append(v)
    where, params = "id = ?", [job_id]
    if only_if is not None:
        where += f" AND status IN ({', '.join('?' for _ in only_if)})"
        params += [JobStatus(s).value for s in only_if]
    sql = f"UPDATE jobs SET {', '.join(cols)} WHERE {where}"
    return conn.execute(sql, (*values, *params)).rowcount > 0


class ServiceState:
    """Users, audit log and jobs in a SQLite file (WAL, synchronous=FULL)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"无法创建目录 {self.path.parent}: {exc}") from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._token_cache: dict[str, User | None] = {}
        try:
            self._conn().executescript(_SCHEMA)
            self._migrate_jobs()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailableError(f"服务数据库无法使用 {self.path}: {exc}") from exc

    # ------------------------------------------------------------------ plumbing
    def _migrate_jobs(self) -> None:
        """Add the columns later versions gave the jobs table (idempotent)."""
        conn = self._conn()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
        for column, kind in (("problem", "BLOB"), ("owner", "TEXT"), ("plan_input", "BLOB")):
            if column not in columns:
                conn.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_durable(self.path, what="服务数据库")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with immediate(self._conn(), self._lock) as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    # ------------------------------------------------------------------ users
    def add_user(
        self,
        name: str,
        role: Role | str,
        *,
        unit_id: str | None = None,
        community_id: str | None = None,
    ) -> tuple[User, str]:
        """Create a user; returns it and its token (the only time the token is visible)."""
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInputError(
                f"未知角色 '{role}' (unknown role); 可选: {', '.join(r.value for r in Role)}",
                [{"field": "role", "message": "unknown role"}],
            ) from None
        if role == Role.unit and not unit_id:
            raise InvalidInputError("单位角色需要 --unit (the unit role needs a unit id)")
        if role == Role.community and not community_id:
            raise InvalidInputError(
                "社区角色需要 --community (the community role needs a community id)"
            )
        if role != Role.unit:
            unit_id = None
        if role != Role.community:
            community_id = None
        name = (name or "").strip() or role.label_zh
        token = "gj_" + secrets.token_urlsafe(32)
        user = User(
            id="user-" + secrets.token_hex(6),
            name=name[:100],
            role=role,
            unit_id=unit_id,
            community_id=community_id,
            created_at=_now(),
        )
        with self._write() as conn:
            conn.execute(
                "INSERT INTO users(id, name, role, unit_id, community_id, token_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    user.id,
                    user.name,
                    user.role.value,
                    unit_id,
                    community_id,
                    hash_token(token),
                    user.created_at,
                ),
            )
        return user, token

    def user_by_token(self, token: str) -> User | None:
        """The user a token belongs to (None: unknown or disabled); cached per process."""
        digest = hash_token(token)
        if digest in self._token_cache:
            return self._token_cache[digest]
        row = (
            self._conn()
            .execute(
                "SELECT id, name, role, unit_id, community_id, created_at FROM users"
                " WHERE token_hash = ? AND disabled = 0",
                (digest,),
            )
            .fetchone()
        )
        user = None
        if row is not None:
            user = User(
                id=row[0],
                name=row[1],
                role=Role(row[2]),
                unit_id=row[3],
                community_id=row[4],
                created_at=row[5],
            )
            if len(self._token_cache) > 10_000:
                self._token_cache.clear()
            self._token_cache[digest] = user
        return user

    def users(self) -> list[User]:
        rows = (
            self._conn()
            .execute(
                "SELECT id, name, role, unit_id, community_id, created_at FROM users"
                " WHERE disabled = 0 ORDER BY created_at, id"
            )
            .fetchall()
        )
        return [
            User(
                id=r[0],
                name=r[1],
                role=Role(r[2]),
                unit_id=r[3],
                community_id=r[4],
                created_at=r[5],
            )
            for r in rows
        ]

    def disable_user(self, user_id: str) -> None:
        with self._write() as conn:
            if conn.execute("UPDATE users SET disabled = 1 WHERE id = ?", (user_id,)).rowcount == 0:
                raise NotFoundError("User", user_id)
        self._token_cache.clear()

    # ------------------------------------------------------------------ audit
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
                    _now(),
                    user.id if user else None,
                    user.role.value if user else None,
                    method,
                    path[:500],
                    status,
                    (summary or None) and summary[:1000],
                ),
            )

    def audit(
        self, *, user_id: str | None = None, offset: int = 0, limit: int = 100
    ) -> tuple[list[AuditEntry], int]:
        where, params = ("WHERE user_id = ?", [user_id]) if user_id else ("", [])
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

    # ------------------------------------------------------------------ jobs
    def create_job(
        self,
        job_id: str,
        quarter: str,
        request: dict[str, Any],
        created_by: str | None,
        *,
        problem: bytes | None = None,
        plan_input: bytes | None = None,
        status: JobStatus = JobStatus.queued,
        owner: str | None = None,
        **fields: Any,
    ) -> Job:
        """Record a new job; ``problem`` is the compiled problem (gzip JSON) it solves.

        ``plan_input`` is what the problem is compiled from while the job waits
        (dropped once the problem is stored, :meth:`set_job_problem`). ``owner`` names the process that will run it (:func:`process_tag`), so that
        another process starting up does not take it for a leftover. ``fields`` (as
        for :meth:`update_job`) are set in the same transaction.
        """
        job = Job(
            id=job_id,
            quarter=quarter,
            status=status,
            created_at=_now(),
            created_by=created_by,
            request=request,
        )
        with self._write() as conn:
            conn.execute(
                "INSERT INTO jobs(id, quarter, status, created_at, created_by, request, problem,"
                " owner, plan_input) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    quarter,
                    job.status.value,
                    job.created_at,
                    created_by,
                    json.dumps(request, ensure_ascii=False),
                    problem,
                    owner,
                    plan_input,
                ),
            )
            if fields:
                _set_job(conn, job_id, None, fields)
        return job

    def update_job(
        self, job_id: str, *, only_if: tuple[JobStatus, ...] | None = None, **fields: Any
    ) -> bool:
        """Set job columns; dict values are stored as JSON, ``status`` may be a JobStatus.

        With ``only_if`` the row changes only while its status is one of those
        (a compare-and-set). Returns whether a row changed.
        """
        with self._write() as conn:
            return _set_job(conn, job_id, only_if, fields)

    def get_job(self, job_id: str) -> Job:
        rows = self._jobs("WHERE id = ?", [job_id])
        if not rows:
            raise NotFoundError("Plan", job_id)
        return rows[0]

    def job_problem(self, job_id: str) -> bytes | None:
        """The compiled problem a job solves (gzip JSON), None if none was stored."""
        row = self._conn().execute("SELECT problem FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFoundError("Plan", job_id)
        return bytes(row[0]) if row[0] is not None else None

    def job_input(self, job_id: str) -> bytes | None:
        """What a waiting job's problem is compiled from (None once compiled)."""
        row = self._conn().execute("SELECT plan_input FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFoundError("Plan", job_id)
        return bytes(row[0]) if row[0] is not None else None

    def set_job_problem(self, job_id: str, problem: bytes) -> None:
        """Store the compiled problem of a job and drop its input."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET problem = ?, plan_input = NULL WHERE id = ?", (problem, job_id)
            )

    def list_jobs(
        self, *, quarter: str | None = None, offset: int = 0, limit: int = 50
    ) -> list[Job]:
        """Jobs newest first (by insertion order), without their plans."""
        where, params = ("WHERE quarter = ?", [quarter]) if quarter else ("", [])
        return self._jobs(
            f"{where} ORDER BY rowid DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
            with_plan=False,
        )

    def count_jobs(self, *, quarter: str | None = None) -> int:
        where, params = ("WHERE quarter = ?", [quarter]) if quarter else ("", [])
        return int(self._conn().execute(f"SELECT count(*) FROM jobs {where}", params).fetchone()[0])

    def claim_publish(self, job_id: str) -> tuple[bool, str | None]:
        """Atomically mark a job as being published (one current plan per quarter).

        Returns ``(False, None)`` when this job is already published, ``(False, other)``
        while another plan of the quarter is still being published, else ``(True,
        previous)`` where ``previous`` is the quarter's current published plan that this
        one supersedes (None if there is none).
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT quarter, published_at FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            if row is None or row[1] is not None:
                return False, None
            current = conn.execute(
                "SELECT id, publish_report FROM jobs WHERE quarter = ? AND id <> ?"
                " AND published_at IS NOT NULL AND (publish_report IS NULL"
                " OR json_extract(publish_report, '$.superseded_by') IS NULL)"
                " ORDER BY published_at DESC, rowid DESC LIMIT 1",
                (row[0], job_id),
            ).fetchone()
            if current is not None and current[1] is None:
                return False, str(current[0])  # its publication has not finished yet
            conn.execute("UPDATE jobs SET published_at = ? WHERE id = ?", (_now(), job_id))
            return True, (str(current[0]) if current is not None else None)

    def release_publish(self, job_id: str) -> None:
        """Undo :meth:`claim_publish` after a publication that failed half-way."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET published_at = NULL WHERE id = ? AND publish_report IS NULL",
                (job_id,),
            )

    def _jobs(self, tail: str, params: list[Any], *, with_plan: bool = True) -> list[Job]:
        plan_col = "plan" if with_plan else "NULL"
        rows = (
            self._conn()
            .execute(
                "SELECT id, quarter, status, created_at, created_by, started_at, finished_at, request,"
                f" progress, {plan_col}, error, published_at, publish_report FROM jobs {tail}",
                params,
            )
            .fetchall()
        )
        out = []
        for r in rows:
            out.append(
                Job(
                    id=r[0],
                    quarter=r[1],
                    status=JobStatus(r[2]),
                    created_at=r[3],
                    created_by=r[4],
                    started_at=r[5],
                    finished_at=r[6],
                    request=json.loads(r[7]),
                    progress=json.loads(r[8]) if r[8] else None,
                    plan=json.loads(r[9]) if r[9] else None,
                    error=r[10],
                    published_at=r[11],
                    publish_report=json.loads(r[12]) if r[12] else None,
                )
            )
        return out

    def job_status(self, job_id: str) -> JobStatus:
        """Just the status of a job (cheap: no plan is read)."""
        row = self._conn().execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFoundError("Plan", job_id)
        return JobStatus(row[0])

    def interrupt_unfinished(self) -> int:
        """At start-up: jobs left queued or running by a previous process become ``interrupted``.

        A job whose owner process is still alive (another worker of the same
        service) is left alone; jobs without an owner count as left over.
        """
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, owner FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchall()
            stale = [job_id for job_id, owner in rows if not process_alive(owner)]
            for job_id in stale:
                conn.execute(
                    "UPDATE jobs SET status = 'interrupted', finished_at = ?, plan_input = NULL,"
                    " error = coalesce(error, '服务重启，计划未完成 (the service restarted before"
                    " the job finished)') WHERE id = ? AND status IN ('queued', 'running')",
                    (_now(), job_id),
                )
            return len(stale)


def process_tag(pid: int | None = None) -> str:
    """``"<pid>:<start time>"`` of a process: unlike a pid alone, never reused."""
    import psutil

    pid = os.getpid() if pid is None else pid
    return f"{pid}:{psutil.Process(pid).create_time():.2f}"


def process_alive(tag: str | None) -> bool:
    """Whether the process a :func:`process_tag` names is still running."""
    import psutil

    if not tag:
        return False
    try:
        pid_text, started = tag.split(":", 1)
        proc = psutil.Process(int(pid_text))
        return f"{proc.create_time():.2f}" == started and proc.status() != psutil.STATUS_ZOMBIE
    except (ValueError, psutil.Error):
        return False
