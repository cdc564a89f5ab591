"""Plan jobs in the service's state file (:class:`~gongjian.service.state.ServiceState`).

The job runner (:mod:`gongjian.service.plans.jobs`) drives their life; this
module only stores them.

Publishing (:mod:`gongjian.service.plans.publish`) is journaled here: claiming a
publication records its intent (``published_at``, the owner process and the
plan it supersedes) before anything is written to the graph; setting the
``publish_report`` marks it complete. A publication whose owner process is gone
(``kill -9``) is unfinished and any later claim may take it over and complete it.

Length: ~500 lines, because the job records and the publish journal are one table's
rules, each read-check-write one SQLite transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

from gongjian.core.clock import utc_iso
from gongjian.core.errors import NotFoundError
from gongjian.graph.model import default_subdistrict

__all__ = [
    "JOBS_SCHEMA",
    "Job",
    "JobStatus",
    "JobStore",
    "JsonText",
    "PublishClaim",
    "process_alive",
    "process_tag",
]

JOBS_SCHEMA = """
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
    plan_input BLOB,
    publish_owner TEXT,
    publish_journal TEXT
);
CREATE INDEX IF NOT EXISTS jobs_quarter ON jobs(quarter, created_at);
"""


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


def _job_from_row(row: tuple[Any, ...]) -> Job:
    """A :class:`Job` from a row of the jobs table's columns named like its fields, in
    their order; the JSON columns (:data:`_JOB_JSON`) decoded, empty ones None."""
    values = dict(zip(Job.model_fields, row, strict=True))
    for name in _JOB_JSON:
        values[name] = json.loads(values[name]) if values[name] else None
    return Job(**values)


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


class JsonText(str):
    """A JSON column's value already serialised (a plan as the solver child sent it):
    stored as it is, not dumped again."""


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
        if isinstance(v, JsonText):
            v = str(v)
        elif k in _JOB_JSON and v is not None:
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


class JobStore:
    """The jobs table (a part of the state file)."""

    # the state file's plumbing (:class:`gongjian.service.state.ServiceState`)
    _conn: Callable[[], sqlite3.Connection]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def _migrate_jobs(self) -> None:
        """Add the columns later versions gave the jobs table (idempotent)."""
        conn = self._conn()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
        for column, kind in (
            ("problem", "BLOB"),
            ("owner", "TEXT"),
            ("plan_input", "BLOB"),
            ("publish_owner", "TEXT"),
            ("publish_journal", "TEXT"),
        ):
            if column not in columns:
                conn.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")

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
            created_at=utc_iso(),
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

    def get_job(self, job_id: str, *, with_plan: bool = True) -> Job:
        """The job; ``with_plan=False`` leaves its plan out (``plan`` None): a status poll
        does not read and parse a district plan of several megabytes."""
        rows = self._jobs("WHERE id = ?", [job_id], with_plan=with_plan)
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
        self,
        *,
        quarter: str | None = None,
        offset: int = 0,
        limit: int = 50,
        published_only: bool = False,
        subdistrict: str | None = None,
    ) -> list[Job]:
        """Jobs newest first (by insertion order), without their plans.

        ``published_only`` leaves out drafts (jobs never published); ``subdistrict``
        keeps the plans of one sub-district.
        """
        where, params = _job_filter(quarter, published_only, subdistrict)
        return self._jobs(
            f"{where} ORDER BY rowid DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
            with_plan=False,
        )

    def count_jobs(
        self,
        *,
        quarter: str | None = None,
        published_only: bool = False,
        subdistrict: str | None = None,
    ) -> int:
        where, params = _job_filter(quarter, published_only, subdistrict)
        return int(self._conn().execute(f"SELECT count(*) FROM jobs {where}", params).fetchone()[0])

    def claim_publish(
        self,
        job_id: str,
        owner: str,
        *,
        busy: Callable[[str, str | None], bool] | None = None,
    ) -> PublishClaim:
        """Atomically take the publication of a job for ``owner`` (one current plan per
        quarter), recording its intent first (the journal).

        ``busy(job id, owner tag)`` says whether a recorded publication is still in
        progress (default: its owner process is alive, :func:`process_alive`); one
        that is not was cut short (a crash) and is taken over (``resumed``).

        Outcomes (:class:`PublishClaim`): ``taken`` (``other``: the quarter's current
        plan it supersedes, or None), ``resumed`` (this job's unfinished publication,
        ``other`` as recorded), ``published`` (already, completely), ``busy``
        (``other`` — this job or another of the quarter — is being published now),
        ``recover`` (``other``, the quarter's current plan, was cut short: complete it
        first, then claim again).
        """
        alive = busy or (lambda _job, tag: process_alive(tag))
        with self._write() as conn:
            row = conn.execute(
                "SELECT quarter, published_at, publish_report, publish_owner, publish_journal"
                " FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError("Plan", job_id)
            quarter, published_at, report, tag, journal = row
            if report is not None:
                return PublishClaim("published")
            if published_at is not None:  # this job's publication, unfinished
                if alive(job_id, tag):
                    return PublishClaim("busy", job_id)
                recorded = json.loads(journal) if journal else _legacy_journal(conn, job_id)
                conn.execute(
                    "UPDATE jobs SET publish_owner = ?, publish_journal = ? WHERE id = ?",
                    (owner, json.dumps({**recorded, "resumed_at": utc_iso()}), job_id),
                )
                return PublishClaim("resumed", recorded.get("supersedes"), recorded)
            current = _current_plan(conn, quarter, job_id)
            if current is not None and current[1] is None:  # its publication is unfinished
                if alive(current[0], current[2]):
                    return PublishClaim("busy", current[0])
                return PublishClaim("recover", current[0])
            supersedes = current[0] if current is not None else None
            recorded = {"supersedes": supersedes, "started_at": utc_iso()}
            conn.execute(
                "UPDATE jobs SET published_at = ?, publish_owner = ?, publish_journal = ?"
                " WHERE id = ?",
                (recorded["started_at"], owner, json.dumps(recorded), job_id),
            )
            return PublishClaim("taken", supersedes, recorded)

    def journal_publish(self, job_id: str, **entries: Any) -> None:
        """Add ``entries`` to the journal of a publication in progress."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT publish_journal FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            recorded = json.loads(row[0]) if row and row[0] else {}
            conn.execute(
                "UPDATE jobs SET publish_journal = ? WHERE id = ?",
                (json.dumps({**recorded, **entries}), job_id),
            )

    def finish_publish(self, job_id: str, report: dict[str, Any]) -> None:
        """Mark a publication complete: its report is stored, its owner dropped."""
        with self._write() as conn:
            _set_job(conn, job_id, None, {"publish_report": report})
            conn.execute("UPDATE jobs SET publish_owner = NULL WHERE id = ?", (job_id,))

    def release_publish(self, job_id: str) -> None:
        """Give up a publication that failed half-way (the store failed): its journal
        stays, so the next claim (a retry, or the next start) completes it."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET publish_owner = NULL WHERE id = ? AND publish_report IS NULL",
                (job_id,),
            )

    def unfinished_publications(self) -> list[tuple[str, str | None]]:
        """``(job id, owner)`` of every publication begun and not complete."""
        rows = self._conn().execute(
            "SELECT id, publish_owner FROM jobs WHERE published_at IS NOT NULL"
            " AND publish_report IS NULL ORDER BY published_at, rowid"
        )
        return [(str(r[0]), r[1]) for r in rows.fetchall()]

    def _jobs(self, tail: str, params: list[Any], *, with_plan: bool = True) -> list[Job]:
        columns = ", ".join(c if with_plan or c != "plan" else "NULL" for c in Job.model_fields)
        rows = self._conn().execute(f"SELECT {columns} FROM jobs {tail}", params).fetchall()
        return [_job_from_row(r) for r in rows]

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
                    (utc_iso(), job_id),
                )
            return len(stale)


class PublishClaim(NamedTuple):
    """What :meth:`JobStore.claim_publish` decided (see there)."""

    outcome: Literal["taken", "resumed", "published", "busy", "recover"]
    other: str | None = None
    journal: dict[str, Any] | None = None


#: a job's sub-district in SQL (its request's; older jobs: the default one, a parameter)
_JOB_SUBDISTRICT = "COALESCE(json_extract(request, '$.subdistrict'), ?)"


def _job_filter(
    quarter: str | None, published_only: bool, subdistrict: str | None = None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if quarter:
        clauses.append("quarter = ?")
        params.append(quarter)
    if subdistrict:
        clauses.append(f"{_JOB_SUBDISTRICT} = ?")
        params.extend([default_subdistrict(), subdistrict])
    if published_only:
        clauses.append("published_at IS NOT NULL")
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _current_plan(
    conn: sqlite3.Connection, quarter: str, job_id: str
) -> tuple[str, str | None, str | None] | None:
    """(id, publish_report, publish_owner) of the quarter's current published plan
    other than ``job_id`` (begun, not superseded) of ``job_id``'s sub-district (each
    sub-district has its own current plan), None if there is none."""
    code = default_subdistrict()
    row = conn.execute(
        "SELECT id, publish_report, publish_owner FROM jobs WHERE quarter = ? AND id <> ?"
        f" AND {_JOB_SUBDISTRICT} = (SELECT {_JOB_SUBDISTRICT} FROM jobs WHERE id = ?)"
        " AND published_at IS NOT NULL AND (publish_report IS NULL"
        " OR json_extract(publish_report, '$.superseded_by') IS NULL)"
        " ORDER BY published_at DESC, rowid DESC LIMIT 1",
        (quarter, job_id, code, code, job_id),
    ).fetchone()
    return (str(row[0]), row[1], row[2]) if row is not None else None


def _legacy_journal(conn: sqlite3.Connection, job_id: str) -> dict[str, Any]:
    """The journal of a publication begun before journals were kept: the plan it
    supersedes is the one marked so, else the quarter's plan published before it."""
    row = conn.execute(
        "SELECT id FROM jobs WHERE json_extract(publish_report, '$.superseded_by') = ?",
        (job_id,),
    ).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT o.id FROM jobs o JOIN jobs j ON j.id = ? WHERE o.quarter = j.quarter"
            " AND o.id <> j.id AND o.publish_report IS NOT NULL"
            " AND json_extract(o.publish_report, '$.superseded_by') IS NULL"
            " AND o.published_at <= j.published_at ORDER BY o.published_at DESC LIMIT 1",
            (job_id,),
        ).fetchone()
    return {"supersedes": str(row[0]) if row else None}


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
