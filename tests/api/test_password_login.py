"""Sign-in with a user name and password over HTTP: the committee gives an account a
login, the holder signs in with it (cookie session), wrong passwords lock the login
after five tries — also when they arrive at once — and a success resets the count.
The logins live in the service's state file, whatever the graph store."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import httpx
import pytest

from tests.api.server import ApiServer

PASSWORD = "xingcheng-2026!"


def _user(api: ApiServer, role: str = "community", **scope: str) -> str:
    with api.client("committee") as c:
        body = {"name": "社区干事", "role": role, **(scope or {"community_id": "c01"})}
        r = c.post("/users", json=body)
        assert r.status_code == 201, r.text
        return r.json()["user"]["id"]


def _login(api: ApiServer, user_id: str, username: str, password: str = PASSWORD) -> httpx.Response:
    with api.client("committee") as c:
        return c.put(f"/users/{user_id}/login", json={"username": username, "password": password})


def _sign_in(api: ApiServer, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=api.base_url, timeout=60) as c:
        return c.post("/session", json={"username": username, "password": password})


def _name() -> str:
    return f"gj{uuid.uuid4().hex[:8]}"


def test_a_login_signs_in_to_a_cookie_session(embedded_api: ApiServer) -> None:
    uid, name = _user(embedded_api), _name()
    r = _login(embedded_api, uid, name.upper())
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": uid, "username": name}  # lower-cased
    with httpx.Client(base_url=embedded_api.base_url, timeout=60) as c:
        r = c.post("/session", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        assert r.json()["user"]["id"] == uid and r.json()["user"]["community_id"] == "c01"
        assert c.get("/session").status_code == 200  # the cookie carries the session
    # the password is stored as an argon2id hash, never in clear, nor in the audit log
    db = sqlite3.connect(embedded_api.workdir / "service.sqlite")
    (digest,) = db.execute("SELECT password_hash FROM logins WHERE user_id = ?", (uid,)).fetchone()
    dump = "\n".join(db.iterdump())
    db.close()
    assert digest.startswith("$argon2id$") and PASSWORD not in dump


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "ab", "password": PASSWORD}, 422),  # too short a name
        ({"username": "张三", "password": PASSWORD}, 422),
        ({"username": "okname", "password": "short1"}, 422),
        ({"username": "okname", "password": "onlyletterslong"}, 422),
        ({"username": "okname"}, 422),
    ],
)
def test_bad_logins_are_refused(embedded_api: ApiServer, body: dict, status: int) -> None:
    uid = _user(embedded_api)
    with embedded_api.client("committee") as c:
        r = c.put(f"/users/{uid}/login", json=body)
        assert r.status_code == status, r.text
        assert "error" in r.json()


def test_rules_of_who_and_which_name(embedded_api: ApiServer) -> None:
    uid, other, name = _user(embedded_api), _user(embedded_api), _name()
    assert _login(embedded_api, uid, name).status_code == 200
    r = _login(embedded_api, other, name)
    assert r.status_code == 409 and name in r.json()["error"]["message"]
    assert _login(embedded_api, "user-nobody", _name()).status_code == 404
    for who in ("viewer", "unit:u01", "community:c01"):
        with embedded_api.client(who) as c:
            r = c.put(f"/users/{uid}/login", json={"username": _name(), "password": PASSWORD})
            assert r.status_code == 403
    # a disabled account cannot sign in by password either
    with embedded_api.client("committee") as c:
        assert c.delete(f"/users/{uid}").status_code == 204
    assert _sign_in(embedded_api, name, PASSWORD).status_code == 401
    # one way at a time
    with httpx.Client(base_url=embedded_api.base_url, timeout=60) as c:
        both = {"username": name, "password": PASSWORD, "token": "gj_x"}
        assert c.post("/session", json=both).status_code == 422
        assert c.post("/session", json={}).status_code == 422


def test_wrong_passwords_lock_the_login(embedded_api: ApiServer) -> None:
    uid, name = _user(embedded_api), _name()
    assert _login(embedded_api, uid, name).status_code == 200
    for _ in range(4):
        r = _sign_in(embedded_api, name, "wrong-password-1")
        assert r.status_code == 401 and "密码错误" in r.json()["error"]["message"]
    assert _sign_in(embedded_api, name, PASSWORD).status_code == 200  # resets the count
    for _ in range(4):
        assert _sign_in(embedded_api, name, "wrong-password-1").status_code == 401
    r = _sign_in(embedded_api, name, "wrong-password-1")
    assert r.status_code == 429, r.text
    assert "锁定" in r.json()["error"]["message"] and int(r.headers["retry-after"]) > 800
    # locked: even the right password is refused
    assert _sign_in(embedded_api, name, PASSWORD).status_code == 429
    # an unknown name gets the same answer as a wrong password
    r = _sign_in(embedded_api, _name(), "wrong-password-1")
    assert r.status_code == 401 and "密码错误" in r.json()["error"]["message"]
    # the committee's reset unlocks
    assert _login(embedded_api, uid, name, "new-Password-2026").status_code == 200
    assert _sign_in(embedded_api, name, "new-Password-2026").status_code == 200


def test_twenty_wrong_passwords_at_once_let_no_more_than_five_through(
    embedded_api: ApiServer,
) -> None:
    uid, name = _user(embedded_api), _name()
    assert _login(embedded_api, uid, name).status_code == 200
    codes: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        code = _sign_in(embedded_api, name, "wrong-password-1").status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(codes)) == [401, 429], codes
    assert codes.count(401) <= 4 and codes.count(429) >= 16, codes
    assert _sign_in(embedded_api, name, PASSWORD).status_code == 429
