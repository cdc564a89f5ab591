"""Issue 10, finding 7: a revoked token stops working on every worker within 5 s.

``gongjian serve --workers 2`` (uvicorn worker processes sharing one socket; each
new connection lands on either). A viewer's token is used on many new connections
so that both workers know it, the user is disabled with ``DELETE /users/{id}``,
and after :data:`WITHIN` seconds every request with it, each on a new connection,
must get 401. And the last active committee account cannot be disabled (409).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.api.attack import error_of
from tests.api.server import ApiServer, start_api

WITHIN = 5.0
CONNECTIONS = 40


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = start_api(tmp_path_factory.mktemp("revocation"), "embedded", workers=2)
    yield server
    server.stop()


def _on_new_connections(api: ApiServer, token: str, n: int) -> Counter[int]:
    seen: Counter[int] = Counter()
    for _ in range(n):
        with httpx.Client(
            base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10.0
        ) as c:
            seen[c.get("/me").status_code] += 1
    return seen


@pytest.mark.slow
def test_a_revoked_token_gets_401_on_every_worker_within_5s(two_workers: ApiServer) -> None:
    with two_workers.client() as c:
        r = c.post("/users", json={"name": "临时查看", "role": "viewer"})
        assert r.status_code == 201, r.text
        user_id, token = r.json()["user"]["id"], r.json()["token"]
        warm = _on_new_connections(two_workers, token, CONNECTIONS)
        assert warm == Counter({200: CONNECTIONS}), warm
        assert c.delete(f"/users/{user_id}").status_code == 204
    time.sleep(WITHIN)
    after = _on_new_connections(two_workers, token, CONNECTIONS)
    figures = f"{CONNECTIONS} new connections {WITHIN:.0f}s after DELETE /users: {dict(after)}"
    print(figures)
    assert after == Counter({401: CONNECTIONS}), figures


def test_the_last_active_committee_account_cannot_be_disabled(two_workers: ApiServer) -> None:
    with two_workers.client() as c:
        r = c.post("/users", json={"name": "第二委员", "role": "committee"})
        assert r.status_code == 201, r.text
        second = r.json()["user"]["id"]
        me = c.get("/me").json()["id"]
        # another active committee account remains: this one may go
        assert c.delete(f"/users/{second}").status_code == 204
        active = [
            u for u in c.get("/users").json() if u["role"] == "committee" and not u.get("disabled")
        ]
        assert [u["id"] for u in active] == [me], active
        r = c.delete(f"/users/{me}")
        assert r.status_code == 409, f"the last committee account was disabled: {r.status_code}"
        assert "委员会" in error_of(r).get("message", "")
        assert c.get("/me").status_code == 200
