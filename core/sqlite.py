"""SQLite opened for durability, shared by the embedded store and the service state.

WAL journal with ``synchronous=FULL``: a transaction that returned from COMMIT
survives ``kill -9`` and power loss. Each thread gets its own connection (SQLite
connections are not shared across threads); writes are ``BEGIN IMMEDIATE``
transactions serialised by a process-wide lock, rolled back on any error.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from gongjian.core.errors import StoreUnavailableError

__all__ = ["connect_durable", "immediate"]


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
