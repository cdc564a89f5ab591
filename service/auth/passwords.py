"""Sign-in with a user name and password, beside tokens: argon2 hashes and a lockout.

A government office will not paste a 40-character token into a browser, so the
committee may give an account a login (用户名 + 密码). The password is stored as an
argon2id hash (``argon2-cffi``'s :class:`~argon2.PasswordHasher`, its default
parameters), never in clear, and re-hashed on sign-in when those parameters change.

**Lockout**: after :data:`MAX_FAILURES` failed sign-ins in a row a login is locked for
:data:`LOCK_SECONDS`; while locked, even the right password is refused (429 with
``Retry-After``). A success resets the count. An unknown user name costs the same
argon2 work as a known one and gets the same 401, so the answer does not tell which
names exist. Counts live in the service's state file, so every worker process sees
them.

The table lives in the same SQLite file as the users (created on first use) and is
read and written inside the state file's write transaction: two workers can not
both let a fifth wrong password through.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.service.auth.schemas import User
from gongjian.service.auth.store import USER_COLUMNS_U, user_from_row
from gongjian.service.errors import TooManyAttemptsError, UnauthorizedError

__all__ = [
    "LOCK_SECONDS",
    "LOGIN_SCHEMA",
    "MAX_FAILURES",
    "check_login",
    "login_name",
    "set_login",
]

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MIN_PASSWORD = 10

LOGIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS logins (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0
)
"""

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to spend argon2 work on for unknown names, so that they cost as much as known
    ones; made on first use (hashing at import added ~0.3 s to every start)."""
    return _hasher.hash("gongjian-no-such-user")


def _ready(state: Any) -> None:
    if not getattr(state, "_logins_ready", False):
        with state._write() as conn:
            conn.execute(LOGIN_SCHEMA)
        state._logins_ready = True


def _check_password(password: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"至少 {MIN_PASSWORD} 个字符 (at least {MIN_PASSWORD} characters)")
    if len(password) > 200:
        problems.append("最多 200 个字符 (at most 200 characters)")
    if password.isdigit() or password.isalpha():
        problems.append("需同时包含字母和数字或符号 (mix letters with digits or symbols)")
    if problems:
        raise InvalidInputError(
            "密码不符合要求 (password too weak)：" + "；".join(problems),
            [{"field": "password", "message": "; ".join(problems)}],
        )


def set_login(state: Any, *, user_id: str, username: str, password: str) -> str:
    """Give ``user_id`` the login ``username`` / ``password`` (replacing its old one).

    422 for a bad name or a weak password, 404 for an unknown or disabled user, 409
    when another user has the name. Returns the user name (lower-cased).
    """
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInputError(
            "用户名需为 3–32 位小写字母、数字或 . _ - (user name: 3–32 of a-z 0-9 . _ -)",
            [{"field": "username", "message": "3-32 of a-z 0-9 . _ -, starting alphanumeric"}],
        )
    _check_password(password)
    digest = _hasher.hash(password)
    _ready(state)
    with state._write() as conn:
        if (
            conn.execute("SELECT 1 FROM users WHERE id = ? AND disabled = 0", (user_id,)).fetchone()
            is None
        ):
            raise NotFoundError("User", user_id)
        taken = conn.execute(
            "SELECT user_id FROM logins WHERE username = ? AND user_id != ?", (name, user_id)
        ).fetchone()
        if taken is not None:
            raise ConflictError(f"用户名 '{name}' 已被使用 (user name taken)", username=name)
        conn.execute(
            "INSERT INTO logins(user_id, username, password_hash) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET username = excluded.username,"
            " password_hash = excluded.password_hash, failures = 0, locked_until = 0",
            (user_id, name, digest),
        )
    return name


def login_name(state: Any, user_id: str) -> str | None:
    """The user name of ``user_id``'s login (None: token only)."""
    _ready(state)
    row = (
        state._conn()
        .execute("SELECT username FROM logins WHERE user_id = ?", (user_id,))
        .fetchone()
    )
    return None if row is None else str(row[0])


def _refused() -> UnauthorizedError:
    return UnauthorizedError("用户名或密码错误 (wrong user name or password)")


def check_login(state: Any, *, username: str, password: str, now: float | None = None) -> User:
    """The user whose login this is; 401 when wrong, 429 while locked."""
    _ready(state)
    # made before the look-up: the first sign-in pays for it whether the name exists or not
    dummy = _dummy_hash()
    name = username.strip().lower()
    moment = time.time() if now is None else now
    row = (
        state._conn()
        .execute(
            f"SELECT l.password_hash, l.locked_until, {USER_COLUMNS_U} FROM logins l"
            " JOIN users u ON u.id = l.user_id WHERE l.username = ? AND u.disabled = 0",
            (name,),
        )
        .fetchone()
    )
    if row is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(dummy, password)
        raise _refused()
    if row[1] > moment:
        raise _locked(row[1] - moment)
    try:
        _hasher.verify(row[0], password)
        ok = True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    with state._write() as conn:
        # re-read inside the write transaction: the lock may have been set meanwhile
        failures, locked_until = conn.execute(
            "SELECT failures, locked_until FROM logins WHERE username = ?", (name,)
        ).fetchone()
        if locked_until > moment:
            raise _locked(locked_until - moment)
        if ok:
            update = [0, 0.0]
            if _hasher.check_needs_rehash(row[0]):
                conn.execute(
                    "UPDATE logins SET password_hash = ? WHERE username = ?",
                    (_hasher.hash(password), name),
                )
        else:
            failures += 1
            update = [0, moment + LOCK_SECONDS] if failures >= MAX_FAILURES else [failures, 0.0]
        conn.execute(
            "UPDATE logins SET failures = ?, locked_until = ? WHERE username = ?",
            (*update, name),
        )
    if not ok:
        if update[1]:
            raise _locked(LOCK_SECONDS)
        raise _refused()
    return user_from_row(row[2:])


def _locked(seconds: float) -> TooManyAttemptsError:
    minutes = max(1, round(seconds / 60))
    return TooManyAttemptsError(
        f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试"
        f" (too many failed sign-ins: locked, try again in {minutes} min)",
        retry_after=int(seconds) + 1,
    )
