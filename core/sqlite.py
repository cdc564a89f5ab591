"""SQLite opened for durability, shared by the embedded store and the service state.

WAL journal with ``synchronous=FULL``: a transaction that returned from COMMIT
survives ``kill -9`` and power loss. Each thread gets its own connection (SQLite
connections are not shared across threads); writes are ``BEGIN IMMEDIATE``
transactions serialised by a process-wide lock, rolled back on any error.
:class:`DurableFile` holds both for one file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from gongjian.core.errors import StoreUnavailableError

__all__ = ["DurableFile", "connect_durable", "immediate"]


def connect_durable(
    path: str | Path, *, pragmas: Sequence[str] = (), what: str = "数据库"
) -> sqlite3.Connection:
    """A new autocommit connection in WAL mode with ``synchronous=FULL``.

    ``pragmas`` are further ``PRAGMA`` statements (without the keyword). A file that
    cannot be opened is a :class:`StoreUnavailableError` naming ``what``.
    """
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", *pragmas):
            conn.execute(f"PRAGMA {pragma}")
    except sqlite3.Error as exc:
        raise StoreUnavailableError(f"无法打开{what} {path}: {exc}") from exc
    return conn


@contextmanager
def immediate(conn: sqlite3.Connection, lock: threading.Lock) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` … ``COMMIT`` under ``lock``; ROLLBACK on any error."""
    with lock:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"数据库繁忙 (database busy): {exc}") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")


class DurableFile:
    """One SQLite file opened durably: its folder made, a connection per thread, one write lock.

    ``pragmas`` and ``what`` (the file's name in messages) as for :func:`connect_durable`.
    """

    def __init__(
        self, path: str | Path, *, pragmas: Sequence[str] = (), what: str = "数据库"
    ) -> None:
        self.path = Path(path)
        self._pragmas = tuple(pragmas)
        self._what = what
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"无法创建{what}目录 {self.path.parent}: {exc}") from exc
        self._local = threading.local()
        #: serialises this process's writers; held by :meth:`write` (take it to run DDL)
        self.write_lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_durable(self.path, pragmas=self._pragmas, what=self._what)
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One immediate write transaction on this thread's connection (:func:`immediate`)."""
        with immediate(self.connection(), self.write_lock) as conn:
            yield conn

    def close(self) -> None:
        """Close every thread's connection; a later :meth:`connection` opens a new one."""
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()
