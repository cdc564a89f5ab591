"""Users and tokens in the service's state file (:class:`~gongjian.service.state.ServiceState`).

Tokens are stored as SHA-256 hashes: a token is shown once, when it is created,
and cannot be read back.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from pydantic import TypeAdapter, ValidationError

from gongjian.core.clock import utc_iso
from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import SubdistrictCode, default_subdistrict
from gongjian.service.auth.schemas import User, UserRole

__all__ = [
    "TOKEN_TTL",
    "USERS_SCHEMA",
    "USER_COLUMNS_U",
    "UserStore",
    "hash_token",
    "migrate_users",
]

#: seconds a worker process trusts its cached look-up of a token (revocation is
#: seen by every worker within this time; issue 10 asks for 5 s at most)
TOKEN_TTL = 2.0

USERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id TEXT,
    community_id TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    subdistrict TEXT
);
"""


_CODE = TypeAdapter(SubdistrictCode)


def check_subdistrict_code(code: str | None) -> str:
    """``code`` (upper-cased) if it follows the sub-district pattern of
    :data:`gongjian.graph.model.SubdistrictCode`, the default one when empty; 400 otherwise."""
    if code is None or not code.strip():
        return default_subdistrict()
    try:
        return str(_CODE.validate_python(code.strip().upper()))
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
        raise InvalidInputError(
            f"{message} (got '{code[:20]}')", [{"field": "subdistrict", "message": message}]
        ) from None


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


#: the columns :func:`user_from_row` reads, in its order (sessions and logins select
#: them too, prefixed ``u.``: :data:`USER_COLUMNS_U`)
_USER_COLUMNS = "id, name, role, unit_id, community_id, created_at, subdistrict"
USER_COLUMNS_U = ", ".join(f"u.{c.strip()}" for c in _USER_COLUMNS.split(","))


def user_from_row(row: tuple[Any, ...]) -> User:
    """A :class:`User` from a row starting with :data:`_USER_COLUMNS` (also sessions).

    A row without a sub-district (written before users had one) reads as the default
    sub-district's (:func:`~gongjian.graph.model.default_subdistrict`).
    """
    return User(
        id=row[0],
        name=row[1],
        role=UserRole(row[2]),
        unit_id=row[3],
        community_id=row[4],
        created_at=row[5],
        subdistrict=row[6] or default_subdistrict(),
    )


def migrate_users(conn: sqlite3.Connection) -> None:
    """Give an older users table its ``subdistrict`` column, existing rows the default
    sub-district (idempotent; the city role keeps none)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(users)")}
    if "subdistrict" not in columns:
        conn.execute("ALTER TABLE users ADD COLUMN subdistrict TEXT")
    conn.execute(
        "UPDATE users SET subdistrict = ? WHERE subdistrict IS NULL AND role != ?",
        (default_subdistrict(), UserRole.city.value),
    )


class UserStore:
    """The users table (a part of the state file)."""

    # the state file's plumbing (:class:`gongjian.service.state.ServiceState`)
    _conn: Callable[[], sqlite3.Connection]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _token_cache: dict[str, User | None]

    def add_user(
        self,
        name: str,
        role: UserRole | str,
        *,
        unit_id: str | None = None,
        community_id: str | None = None,
        subdistrict: str | None = None,
    ) -> tuple[User, str]:
        """Create a user; returns it and its token (the only time the token is visible).

        ``subdistrict`` scopes a committee, community or unit user (default: the
        configured one); the city role has none. A code is checked against the
        pattern every sub-district code follows (400 otherwise).
        """
        try:
            role = UserRole(role)
        except ValueError:
            raise InvalidInputError(
                f"未知角色 '{role}' (unknown role); 可选: {', '.join(r.value for r in UserRole)}",
                [{"field": "role", "message": "unknown role"}],
            ) from None
        if role == UserRole.unit and not unit_id:
            raise InvalidInputError("单位角色需要 --unit (the unit role needs a unit id)")
        if role == UserRole.community and not community_id:
            raise InvalidInputError(
                "社区角色需要 --community (the community role needs a community id)"
            )
        if role != UserRole.unit:
            unit_id = None
        if role != UserRole.community:
            community_id = None
        name = (name or "").strip() or role.label_zh
        code = None if role == UserRole.city else check_subdistrict_code(subdistrict)
        token = "gj_" + secrets.token_urlsafe(32)
        user = User(
            id="user-" + secrets.token_hex(6),
            name=name[:100],
            role=role,
            unit_id=unit_id,
            community_id=community_id,
            created_at=utc_iso(),
            subdistrict=code,
        )
        with self._write() as conn:
            conn.execute(
                "INSERT INTO users(id, name, role, unit_id, community_id, token_hash, created_at,"
                " subdistrict) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user.id,
                    user.name,
                    user.role.value,
                    unit_id,
                    community_id,
                    hash_token(token),
                    user.created_at,
                    code,
                ),
            )
        return user, token

    def user_by_token(self, token: str) -> User | None:
        """The user a token belongs to (None: unknown or disabled).

        Cached per process for :data:`TOKEN_TTL` seconds at most: a user disabled
        through another worker process loses access on this one within that time
        (this process's own cache is cleared at once).
        """
        digest = hash_token(token)
        expiry: dict[str, float] = vars(self).setdefault("_token_expiry", {})
        now = time.monotonic()
        if digest in self._token_cache and expiry.get(digest, 0.0) > now:
            return self._token_cache[digest]
        row = (
            self._conn()
            .execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE token_hash = ? AND disabled = 0",
                (digest,),
            )
            .fetchone()
        )
        user = None
        if row is not None:
            user = user_from_row(row)
            if len(self._token_cache) > 10_000:
                self._token_cache.clear()
                expiry.clear()
            self._token_cache[digest] = user
            expiry[digest] = now + TOKEN_TTL
        else:
            self._token_cache.pop(digest, None)
        return user

    def users(self) -> list[User]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE disabled = 0 ORDER BY created_at, id"
            )
            .fetchall()
        )
        return [user_from_row(r) for r in rows]

    def disable_user(self, user_id: str) -> None:
        """Disable a user (404 if unknown); the last active committee account stays (409)."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT role, disabled FROM users WHERE id = ?", (user_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError("User", user_id)
            if row[0] == UserRole.committee.value and not row[1]:
                (active,) = conn.execute(
                    "SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0",
                    (UserRole.committee.value,),
                ).fetchone()
                if active <= 1:
                    raise ConflictError(
                        "不能停用最后一个启用的共建委员会账号，请先新建另一个委员会账号"
                        " (the last active committee account cannot be disabled)",
                        id=user_id,
                    )
            conn.execute("UPDATE users SET disabled = 1 WHERE id = ?", (user_id,))
        self._token_cache.clear()
