"""The audit log's filters over HTTP: who, what (text in path or summary, method), when
(Beijing days). The log lives in the service's state file, whatever the graph store,
so one store suffices."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.attack import create_need
from tests.api.server import ApiServer

BEIJING = ZoneInfo("Asia/Shanghai")


def _log(api: ApiServer, **params: object) -> dict:
    with api.client("committee") as c:
        r = c.get("/audit", params={"limit": 500, **params})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def writes(embedded_api: ApiServer) -> dict[str, str]:
    """A community created by the committee and a need raised by community c01."""
    tag = uuid.uuid4().hex[:8]
    cid, nid = f"c-audit-{tag}", f"n-audit-{tag}"
    with embedded_api.client("committee") as c:
        r = c.post(
            "/communities", json={"id": cid, "name": "审计社区", "subdistrict_id": "xingcheng"}
        )
        assert r.status_code == 201, r.text
    with embedded_api.client("community:c01") as c:
        create_need(c, "c01", nid, title="100%_测试")
        assert c.delete(f"/needs/{nid}").status_code == 204
    return {"community": cid, "need": nid, "tag": tag}


def test_who_and_what(embedded_api: ApiServer, writes: dict[str, str]) -> None:
    everyone = _log(embedded_api)
    mine = [e for e in everyone["items"] if writes["tag"] in e["path"] + (e["summary"] or "")]
    assert {e["method"] for e in mine} == {"POST", "DELETE"} and len(mine) == 3
    c01 = next(e["user_id"] for e in mine if e["role"] == "community")
    by_user = _log(embedded_api, user_id=c01)
    assert by_user["items"] and all(e["user_id"] == c01 for e in by_user["items"])
    found = _log(embedded_api, q=writes["community"])
    assert [e["path"] for e in found["items"]] == ["/communities"] or all(
        writes["community"] in (e["path"] + (e["summary"] or "")) for e in found["items"]
    )
    assert found["total"] >= 1
    deletes = _log(embedded_api, method="DELETE", q=writes["need"])
    assert deletes["total"] == 1 and deletes["items"][0]["path"] == f"/needs/{writes['need']}"
    # % and _ are the user's text, not wildcards
    assert _log(embedded_api, q="%")["total"] <= everyone["total"]
    assert _log(embedded_api, q=f"{writes['tag']}_x")["total"] == 0


def test_when(embedded_api: ApiServer, writes: dict[str, str]) -> None:
    today = datetime.now(BEIJING).date()
    day = _log(embedded_api, since=str(today), until=str(today), q=writes["tag"])
    assert day["total"] == 3
    before = _log(embedded_api, until=str(today - timedelta(days=1)), q=writes["tag"])
    assert before["total"] == 0
    after = _log(embedded_api, since=str(today + timedelta(days=1)), q=writes["tag"])
    assert after["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-12-02", "until": "2026-12-01"},
        {"since": "yesterday"},
        {"method": "GET"},
        {"q": "x" * 101},
    ],
)
def test_bad_filters_are_refused(embedded_api: ApiServer, params: dict[str, str]) -> None:
    with embedded_api.client("committee") as c:
        r = c.get("/audit", params=params)
        assert r.status_code == 422, r.text


def test_only_the_committee_reads_the_log(embedded_api: ApiServer) -> None:
    for who in ("viewer", "unit:u01", "community:c01"):
        with embedded_api.client(who) as c:
            assert c.get("/audit", params={"q": "x"}).status_code == 403
