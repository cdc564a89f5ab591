"""Console sessions: an HttpOnly SameSite=Strict cookie, CSRF on its writes, bearer unchanged.

Over real HTTP against uvicorn (embedded store: the session lives in the service
state file whatever the graph store).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from tests.api.server import ApiServer

COOKIE = "gongjian_session"


@pytest.fixture
def api(embedded_api: ApiServer) -> ApiServer:
    return embedded_api


def _signed_in(
    api: ApiServer, who: str = "committee", token: str | None = None
) -> tuple[httpx.Client, str, httpx.Response]:
    """A cookie-only client (no bearer header) signed in as ``who``; its CSRF token."""
    client = httpx.Client(base_url=api.base_url, timeout=60.0)
    r = client.post("/session", json={"token": token or api.tokens[who]})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf_token"], r


@pytest.fixture
def signed_in(api: ApiServer) -> Iterator[tuple[httpx.Client, str]]:
    client, csrf, _ = _signed_in(api)
    yield client, csrf
    client.close()


def _new_need(tag: str) -> dict[str, object]:
    return {
        "id": f"n-sess-{tag}-{time.monotonic_ns()}",
        "title": "楼道灯不亮",
        "category": "repair",
        "community_id": "c01",
        "quarter": "2026Q4",
    }


def test_sign_in_sets_an_httponly_samesite_strict_cookie(api: ApiServer) -> None:
    client, csrf, r = _signed_in(api)
    with closing(client):
        set_cookie = r.headers["set-cookie"]
        attrs = [a.strip().lower() for a in set_cookie.split(";")]
        assert attrs[0].startswith(f"{COOKIE}=")
        assert "httponly" in attrs
        assert "samesite=strict" in attrs
        assert "path=/" in attrs
        assert "secure" not in attrs  # plain http on loopback; Secure when https
        session_id = attrs[0].split("=", 1)[1]
        assert session_id and session_id not in r.text  # the id is only in the cookie
        assert api.tokens["committee"] not in set_cookie  # the cookie is not the token
        body = r.json()
        assert body["user"]["role"] == "committee" and len(csrf) >= 32
        # the cookie alone authenticates reads; GET /session gives the same CSRF token
        me = client.get("/me")
        assert me.status_code == 200 and me.json()["role"] == "committee"
        again = client.get("/session")
        assert again.status_code == 200 and again.json()["csrf_token"] == csrf
        # the state file holds the id hashed, never as sent
        db = sqlite3.connect(api.workdir / "service.sqlite")
        stored = [row[0] for row in db.execute("SELECT id_hash FROM sessions")]
        db.close()
        assert stored and session_id not in stored


def test_bad_token_is_refused_in_chinese_and_sets_no_cookie(api: ApiServer) -> None:
    r = httpx.post(api.base_url + "/session", json={"token": "gj_not-a-real-token"})
    assert r.status_code == 401 and "令牌无效" in r.json()["error"]["message"]
    assert "set-cookie" not in r.headers
    assert httpx.get(api.base_url + "/session").status_code == 401


def test_sign_in_from_another_origin_is_refused(api: ApiServer) -> None:
    r = httpx.post(
        api.base_url + "/session",
        json={"token": api.tokens["committee"]},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_cookie_write_needs_the_csrf_header(api: ApiServer, signed_in: tuple) -> None:
    client, csrf = signed_in
    need = _new_need("csrf")
    missing = client.post("/needs", json=need)
    assert missing.status_code == 403, missing.text
    assert "CSRF" in missing.json()["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in missing.json()["error"]["message"])
    wrong = client.post("/needs", json=need, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    # nothing was written by the refused attempts
    assert api.client("committee").get(f"/needs/{need['id']}").status_code == 404
    ok = client.post("/needs", json=need, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text
    # every write method is covered (the API has no PATCH route)
    for method in ("PUT", "DELETE"):
        r = client.request(method, f"/needs/{need['id']}", json={})
        assert r.status_code == 403, (method, r.status_code, r.text)
    # reads need no CSRF token
    assert client.get(f"/needs/{need['id']}").status_code == 200


def test_bearer_writes_are_unaffected(api: ApiServer) -> None:
    need = _new_need("bearer")
    with api.client("committee") as client:
        r = client.post("/needs", json=need)
        assert r.status_code == 201, r.text
        assert client.get("/me").status_code == 200
    # a bearer header wins over a cookie, and needs no CSRF token
    other, _csrf, _ = _signed_in(api, "viewer")
    with closing(other):
        need = _new_need("bearer2")
        r = other.post(
            "/needs", json=need, headers={"Authorization": f"Bearer {api.tokens['committee']}"}
        )
        assert r.status_code == 201, r.text


def test_sign_out_invalidates_the_cookie(api: ApiServer) -> None:
    client, csrf, r = _signed_in(api)
    session_id = r.cookies[COOKIE]
    with closing(client):
        assert client.delete("/session").status_code == 403  # sign-out is a write too
        out = client.delete("/session", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        cleared = out.headers["set-cookie"].lower()
        assert cleared.startswith(f"{COOKIE}=") and (
            "max-age=0" in cleared or "expires=" in cleared
        )
        assert COOKIE not in client.cookies
    # the old id is dead on the server, not only forgotten by this client
    replay = httpx.Client(base_url=api.base_url, cookies={COOKIE: session_id}, timeout=60.0)
    with closing(replay):
        assert replay.get("/me").status_code == 401
        assert replay.get("/session").status_code == 401
        r = replay.post("/needs", json=_new_need("replay"), headers={"X-CSRF-Token": csrf})
        assert r.status_code == 401


def test_expired_session_is_401(api: ApiServer) -> None:
    client, _csrf, _ = _signed_in(api, "unit:u01")
    with closing(client):
        assert client.get("/me").status_code == 200
        db = sqlite3.connect(api.workdir / "service.sqlite")
        with db:
            # 12 h and a minute without a request
            db.execute(
                "UPDATE sessions SET last_seen = last_seen - ?"
                " WHERE user_id = (SELECT id FROM users WHERE name = 'unit:u01')",
                (12 * 3600 + 60,),
            )
        db.close()
        r = client.get("/me")
        assert r.status_code == 401 and "会话" in r.json()["error"]["message"]
        assert client.get("/session").status_code == 401


def test_disabling_a_user_ends_their_sessions(api: ApiServer) -> None:
    with api.client("committee") as admin:
        created = admin.post("/users", json={"name": "会话用户", "role": "viewer"}).json()
        client, _csrf, _ = _signed_in(api, token=created["token"])
        with closing(client):
            assert client.get("/me").status_code == 200
            assert admin.delete(f"/users/{created['user']['id']}").status_code == 204
            assert client.get("/me").status_code == 401
