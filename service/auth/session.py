"""Console sessions: an HttpOnly cookie in place of a token a page script could read.

``POST /session`` checks a bearer token (later a user name and password) and sets
the cookie :data:`COOKIE` — ``HttpOnly``, ``SameSite=Strict``, ``Path=/``,
``Secure`` when the request came over https — holding a random session id. The
state file keeps only the id's SHA-256 hash, with the user, a per-session CSRF
token and when it was created and last used. A session ends after
:data:`IDLE_SECONDS` without a request, after :data:`MAX_SECONDS` in any case, on
``DELETE /session``, and as soon as its user is disabled (every look-up joins the
active users, so every worker sees a revocation at once).

A write authenticated by the cookie (POST, PUT, PATCH, DELETE) must carry the
session's CSRF token in :data:`CSRF_HEADER` (:func:`check_csrf`); the console
keeps it in memory only, from ``POST /session`` or ``GET /session``. Bearer
tokens need no CSRF token: a browser never adds them by itself.
"""

from __future__ import annotations

import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from gongjian.core.clock import utc_iso
from gongjian.core.errors import StoreUnavailableError
from gongjian.service.auth.schemas import User
from gongjian.service.auth.store import USER_COLUMNS_U, hash_token, user_from_row
from gongjian.service.errors import ForbiddenError
from gongjian.service.state import ServiceState

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "IDLE_SECONDS",
    "MAX_SECONDS",
    "SESSIONS_SCHEMA",
    "Session",
    "SessionStore",
    "check_csrf",
    "clear_cookie",
    "session_of",
    "sessions",
    "set_cookie",
]

#: the cookie holding the session id
COOKIE = "gongjian_session"
#: the request header a cookie-authenticated write carries the CSRF token in
CSRF_HEADER = "X-CSRF-Token"
#: a session unused this long is over (12 h)
IDLE_SECONDS = 12 * 3600
#: and any session after this long, however busy (7 days)
MAX_SECONDS = 7 * 24 * 3600
#: last use is written at most this often per session (not on every request)
_TOUCH_EVERY = 60.0

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SESSIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
"""


@dataclass(frozen=True)
class Session:
    """A live session: its user, its CSRF token, and how long it may still stay idle."""

    user: User
    csrf_token: str
    expires_in: int


class SessionStore:
    """The sessions table of the service's state file."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state
        with state._write() as conn:
            for statement in SESSIONS_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

    def create(self, user: User) -> tuple[str, Session]:
        """A new session for ``user``: its id (for the cookie only) and the session."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = time.time()
        with self._state._write() as conn:
            # sessions over are removed as new ones begin
            conn.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR started < ?",
                (now - IDLE_SECONDS, now - MAX_SECONDS),
            )
            conn.execute(
                "INSERT INTO sessions(id_hash, user_id, csrf_token, created_at, started, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (hash_token(session_id), user.id, csrf, utc_iso(), now, now),
            )
        return session_id, Session(user=user, csrf_token=csrf, expires_in=IDLE_SECONDS)

    def get(self, session_id: str) -> Session | None:
        """The live session of this id (None: unknown, over, or its user disabled)."""
        if not session_id or len(session_id) > 200:
            return None
        digest = hash_token(session_id)
        row = (
            self._state._conn()
            .execute(
                f"SELECT s.csrf_token, s.started, s.last_seen, {USER_COLUMNS_U}"
                " FROM sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.id_hash = ? AND u.disabled = 0",
                (digest,),
            )
            .fetchone()
        )
        if row is None:
            return None
        now = time.time()
        started, last_seen = float(row[1]), float(row[2])
        if now - last_seen >= IDLE_SECONDS or now - started >= MAX_SECONDS:
            return None
        if now - last_seen >= _TOUCH_EVERY:
            self._touch(digest, now)
        return Session(user=user_from_row(row[3:]), csrf_token=row[0], expires_in=IDLE_SECONDS)

    def _touch(self, digest: str, now: float) -> None:
        try:
            with self._state._write() as conn:
                conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, digest))
        except (sqlite3.Error, StoreUnavailableError):
            pass  # a missed touch only shortens the session

    def delete(self, session_id: str) -> None:
        with self._state._write() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (hash_token(session_id),))

    def delete_user(self, user_id: str) -> int:
        """End every session of a user; how many there were."""
        with self._state._write() as conn:
            return conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount


def sessions(request: Request) -> SessionStore:
    """The application's session store (made on first use, over the service state)."""
    app_state: Any = request.app.state
    store: SessionStore | None = getattr(app_state, "sessions", None)
    if store is None or store._state is not app_state.service_state:
        store = SessionStore(app_state.service_state)
        app_state.sessions = store
    return store


def session_of(request: Request) -> Session | None:
    """The live session the request's cookie names (None without one)."""
    session_id = request.cookies.get(COOKIE, "")
    if not session_id:
        return None
    return sessions(request).get(session_id)


def check_csrf(request: Request, session: Session) -> None:
    """403 for a cookie-authenticated write without this session's CSRF token."""
    if request.method not in _UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise ForbiddenError(
            f"缺少或错误的 CSRF 令牌：请刷新页面后重试 "
            f"(missing or wrong {CSRF_HEADER} header for a cookie-authenticated write)",
            header=CSRF_HEADER,
        )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, session_id: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Path=/, Secure over https.

    No ``Max-Age``: it lasts as long as the browser session (a reload keeps it); the
    server ends it after :data:`IDLE_SECONDS` idle.
    """
    response.set_cookie(
        COOKIE,
        session_id,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
