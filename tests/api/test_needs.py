"""Work-order life cycle, whistle (吹哨) and report (报到) over HTTP, on both stores."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.server import ApiServer


def _id(prefix: str = "tn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _need_body(community: str = "c01", need_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": need_id or _id(),
        "title": "楼道灯不亮",
        "category": "repair",
        "community_id": community,
        "quarter": "2026Q4",
        **extra,
    }


def _new_need(api: ApiServer, community: str = "c01", **extra: Any) -> str:
    body = _need_body(community, **extra)
    with api.client(f"community:{community}" if community in ("c01", "c02") else "committee") as c:
        r = c.post("/needs", json=body)
        assert r.status_code == 201, r.text
    return body["id"]


def _get(api: ApiServer, need_id: str) -> dict[str, Any]:
    with api.client("viewer") as c:
        r = c.get(f"/needs/{need_id}")
        assert r.status_code == 200, r.text
        return r.json()


@contextlib.contextmanager
def _clients(api: ApiServer, *roles: str) -> Iterator[tuple[httpx.Client, ...]]:
    """One client per role, as in ``with _clients(api, "unit:u01", "viewer") as (u01, v):``."""
    with contextlib.ExitStack() as stack:
        yield tuple(stack.enter_context(api.client(role)) for role in roles)


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    return r.json()["error"]


def _refused(
    clients: tuple[httpx.Client, ...], path: str, json: Any = None
) -> list[dict[str, Any]]:
    """POST ``path`` as each of ``clients``: every one must get 403. The error bodies."""
    return [_error(who.post(path, json=json), 403) for who in clients]


# --------------------------------------------------------------------------- life cycle
def test_full_life_cycle(api: ApiServer) -> None:
    nid = _new_need(api)
    with _clients(api, "unit:u01", "community:c01") as (u01, c01):
        r = u01.post(f"/needs/{nid}/claim")
        assert r.status_code == 200, r.text
        need = r.json()
        assert need["status"] == "claimed" and need["claimed_by"] == "u01"
        assert need["claimed_at"].endswith("Z")
        r = u01.post(f"/needs/{nid}/start")
        assert r.status_code == 200 and r.json()["status"] == "in_progress"
        assert r.json()["started_at"] is not None
        r = u01.post(f"/needs/{nid}/resolve", json={"note": "已修复"})
        assert r.status_code == 200 and r.json()["status"] == "resolved"
        r = c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 4, "note": "居民满意"})
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["status"] == "followed_up" and done["satisfaction"] == 4
        assert done["followed_up_at"] is not None
    stored = _get(api, nid)
    assert stored["status"] == "followed_up" and stored["satisfaction"] == 4
    assert stored["claimed_by"] == "u01"
    # the follow-up note went into the audit log (recorded just after the response)
    with api.client("community:c01") as c01:
        me = c01.get("/me").json()["id"]
    with api.client("committee") as c:
        summaries: list[str] = []
        for _ in range(50):
            r = c.get("/audit", params={"user_id": me, "limit": 1000})
            assert r.status_code == 200, r.text
            summaries = [e.get("summary") or "" for e in r.json()["items"]]
            if any(nid in s and "居民满意" in s for s in summaries):
                break
            time.sleep(0.1)
        assert any(nid in s and "居民满意" in s for s in summaries), summaries[:5]


def test_committee_drives_the_life_cycle_for_a_unit(api: ApiServer) -> None:
    nid = _new_need(api)
    with api.client("committee") as c:
        r = c.post(f"/needs/{nid}/claim", json={"unit_id": "u05"})
        assert r.status_code == 200 and r.json()["claimed_by"] == "u05"
        assert c.post(f"/needs/{nid}/start").json()["status"] == "in_progress"
        assert (
            c.post(f"/needs/{nid}/resolve", json={"note": "已修复"}).json()["status"] == "resolved"
        )
        r = c.post(f"/needs/{nid}/follow-up", json={"satisfaction": 5})
        assert r.status_code == 200 and r.json()["satisfaction"] == 5


def test_illegal_transitions_are_409_with_allowed_states(api: ApiServer) -> None:
    nid = _new_need(api)
    with api.client("unit:u01") as u01, api.client("community:c01") as c01:
        err = _error(u01.post(f"/needs/{nid}/start"), 409)
        assert err["allowed"] == ["cancelled", "claimed"] and err["current"] == "open"
        assert "允许" in err["message"]
        err = _error(u01.post(f"/needs/{nid}/resolve", json={"note": "已修复"}), 409)
        assert sorted(err["allowed"]) == ["cancelled", "claimed"]
        err = _error(c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 3}), 409)
        assert err["allowed"] == ["cancelled", "claimed"]
        assert u01.post(f"/needs/{nid}/claim").status_code == 200
        err = _error(u01.post(f"/needs/{nid}/resolve", json={"note": "已修复"}), 409)
        assert err["allowed"] == ["cancelled", "in_progress"] and err["current"] == "claimed"
        # claiming again (even by the holder) is a conflict naming the holder
        err = _error(u01.post(f"/needs/{nid}/claim"), 409)
        assert err["claimed_by"] == "u01" and err["allowed"] == ["cancelled", "in_progress"]
        assert c01.post(f"/needs/{nid}/cancel", json={"reason": "重复登记"}).status_code == 200
        err = _error(c01.post(f"/needs/{nid}/cancel", json={"reason": "重复登记"}), 409)
        assert err["allowed"] == [] and err["current"] == "cancelled"
        err = _error(u01.post(f"/needs/{nid}/start"), 409)
        assert err["allowed"] == []
    assert _get(api, nid)["status"] == "cancelled"


def test_second_claim_conflicts_naming_the_holder(api: ApiServer) -> None:
    nid = _new_need(api)
    with api.client("unit:u01") as u01, api.client("unit:u02") as u02:
        assert u02.post(f"/needs/{nid}/claim", json={}).status_code == 200
        err = _error(u01.post(f"/needs/{nid}/claim"), 409)
        assert err["claimed_by"] == "u02" and "u02" in err["message"]
    assert _get(api, nid)["claimed_by"] == "u02"


def test_claim_errors_and_scope(api: ApiServer) -> None:
    nid = _new_need(api)
    with _clients(api, "viewer", "community:c01", "unit:u01", "committee") as (viewer, c01, u01, c):
        assert _error(viewer.post(f"/needs/{nid}/claim"), 403)["code"] == "forbidden"
        assert _error(c01.post(f"/needs/{nid}/claim", json={"unit_id": "u01"}), 403)
        # a unit cannot claim on behalf of another unit
        assert _error(u01.post(f"/needs/{nid}/claim", json={"unit_id": "u02"}), 403)
        # the committee must say for whom
        err = _error(c.post(f"/needs/{nid}/claim"), 422)
        assert err["errors"][0]["field"] == "unit_id"
        assert _error(c.post(f"/needs/{nid}/claim", json={"unit_id": "u999"}), 404)
        assert _error(c.post(f"/needs/{nid}/claim", json={"unit": "u01"}), 422)
        assert _error(u01.post("/needs/nope-404/claim"), 404)
    with api.client(None) as anon:
        assert _error(anon.post(f"/needs/{nid}/claim"), 401)
    # nothing of the above changed the need
    stored = _get(api, nid)
    assert stored["status"] == "open" and stored["claimed_by"] is None


def test_only_the_claiming_unit_or_committee_starts_and_resolves(api: ApiServer) -> None:
    nid = _new_need(api)
    with _clients(api, "unit:u01", "unit:u02", "community:c01", "viewer") as clients:
        u01, u02, c01, viewer = clients
        assert u01.post(f"/needs/{nid}/claim").status_code == 200
        refused = _refused((u02, c01, viewer), f"/needs/{nid}/start")
        assert {err["code"] for err in refused} == {"forbidden"}
        assert _get(api, nid)["status"] == "claimed"
        assert u01.post(f"/needs/{nid}/start").status_code == 200
        _refused((u02, c01, viewer), f"/needs/{nid}/resolve", json={"note": "已修复"})
        assert _get(api, nid)["status"] == "in_progress"
    with api.client("committee") as c:
        assert (
            c.post(f"/needs/{nid}/resolve", json={"note": "已修复"}).json()["status"] == "resolved"
        )
    with api.client("unit:u01") as u01:
        assert _error(u01.post("/needs/nope-404/start"), 404)


def test_follow_up_scope_and_validation(api: ApiServer) -> None:
    nid = _new_need(api)
    with api.client("committee") as c:
        c.post(f"/needs/{nid}/claim", json={"unit_id": "u01"})
        c.post(f"/needs/{nid}/start")
        assert (
            c.post(f"/needs/{nid}/resolve", json={"note": "已修复"}).json()["status"] == "resolved"
        )
    with _clients(api, "community:c02", "unit:u01", "viewer", "community:c01") as clients:
        c02, u01, viewer, c01 = clients
        _refused((c02, u01, viewer), f"/needs/{nid}/follow-up", json={"satisfaction": 5})
        for bad in ({"satisfaction": 0}, {"satisfaction": 6}, {}, {"satisfaction": "good"}):
            err = _error(c01.post(f"/needs/{nid}/follow-up", json=bad), 422)
            assert err["code"] == "invalid_input"
        assert _error(c01.post("/needs/nope-404/follow-up", json={"satisfaction": 3}), 404)
        assert _get(api, nid)["status"] == "resolved"
        r = c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 3})
        assert r.status_code == 200 and r.json()["satisfaction"] == 3
        err = _error(c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 5}), 409)
        assert err["allowed"] == [] and err["allowed_moves"] == ["reopen"]
    assert _get(api, nid)["satisfaction"] == 3


def test_cancel_scope(api: ApiServer) -> None:
    nid = _new_need(api)
    with _clients(api, "community:c02", "unit:u01", "viewer", "community:c01") as clients:
        c02, u01, viewer, c01 = clients
        assert u01.post(f"/needs/{nid}/claim").status_code == 200
        _refused((c02, u01, viewer), f"/needs/{nid}/cancel", json={"reason": "重复登记"})
        assert _get(api, nid)["status"] == "claimed"
        r = c01.post(f"/needs/{nid}/cancel", json={"reason": "重复登记"})
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert r.json()["cancelled_at"] is not None
    other = _new_need(api, "c02")
    with api.client("committee") as c:
        assert (
            c.post(f"/needs/{other}/cancel", json={"reason": "重复登记"}).json()["status"]
            == "cancelled"
        )
        assert _error(c.post("/needs/nope-404/cancel", json={"reason": "重复"}), 404)


def test_twenty_concurrent_claims_exactly_one_wins(api: ApiServer) -> None:
    nid = _new_need(api)
    units = [f"u{i:02d}" for i in range(1, 21)]
    barrier = threading.Barrier(len(units))
    results: dict[str, httpx.Response] = {}
    failures: list[BaseException] = []

    def claim(unit: str) -> None:
        try:
            # the unit roles we have claim for themselves; the committee for the others
            who = f"unit:{unit}" if f"unit:{unit}" in api.tokens else "committee"
            body = None if who.startswith("unit:") else {"unit_id": unit}
            with api.client(who) as c:
                barrier.wait(timeout=30)
                results[unit] = c.post(f"/needs/{nid}/claim", json=body)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=claim, args=(u,)) for u in units]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200] + [409] * 19, codes
    (winner,) = [u for u, r in results.items() if r.status_code == 200]
    assert results[winner].json()["claimed_by"] == winner
    for u, r in results.items():
        if u != winner:
            assert r.json()["error"]["claimed_by"] == winner
    stored = _get(api, nid)
    assert stored["status"] == "claimed" and stored["claimed_by"] == winner


# --------------------------------------------------------------------------- whistle / report
def _future(seconds: float = 7 * 86400) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_whistle_and_report(api: ApiServer) -> None:
    nid = _new_need(api)
    with api.client("committee") as c:
        r = c.post(f"/needs/{nid}/whistle", json={"deadline": _future(), "units": ["u01", "u02"]})
        assert r.status_code == 200, r.text
        need = r.json()
        assert need["whistle"] is True and need["summoned"] == ["u01", "u02"]
        assert need["whistle_deadline"].endswith("Z") and need["reports"] == {}
    with api.client("unit:u01") as u01, api.client("unit:u09") as u09:
        r = u01.post(f"/needs/{nid}/report")
        assert r.status_code == 200, r.text
        first = r.json()["reports"]["u01"]
        # reporting twice is idempotent: the first time is kept
        again = u01.post(f"/needs/{nid}/report", json={})
        assert again.status_code == 200 and again.json()["reports"]["u01"] == first
        err = _error(u09.post(f"/needs/{nid}/report"), 409)
        assert err["summoned"] == ["u01", "u02"]
        assert _error(u01.post(f"/needs/{nid}/report", json={"unit_id": "u02"}), 403)
    with api.client("committee") as c:
        r = c.post(f"/needs/{nid}/report", json={"unit_id": "u02"})
        assert r.status_code == 200 and set(r.json()["reports"]) == {"u01", "u02"}
        assert _error(c.post(f"/needs/{nid}/report"), 422)
        assert _error(c.post("/needs/nope-404/report", json={"unit_id": "u01"}), 404)
    stored = _get(api, nid)
    assert stored["reports"]["u01"] == first and set(stored["reports"]) == {"u01", "u02"}
    with api.client("viewer") as v:
        page = v.get("/whistles", params={"community_id": "c01", "limit": 1000}).json()
        (view,) = [w for w in page["items"] if w["need_id"] == nid]
        assert view["overdue"] is False
        assert {u["unit_id"]: u["state"] for u in view["units"]} == {
            "u01": "reported",
            "u02": "reported",
        }
        assert view["units"][0]["reported_at"] == first


def test_whistle_rules(api: ApiServer) -> None:
    nid = _new_need(api)
    before = _get(api, nid)
    body = {"deadline": _future(), "units": ["u01"]}
    for who in ("unit:u01", "community:c01", "viewer"):
        with api.client(who) as c:
            assert _error(c.post(f"/needs/{nid}/whistle", json=body), 403)["code"] == "forbidden"
    with api.client("committee") as c:
        past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        err = _error(
            c.post(f"/needs/{nid}/whistle", json={"deadline": past, "units": ["u01"]}), 422
        )
        assert err["errors"][0]["field"] == "deadline"
        err = _error(
            c.post(f"/needs/{nid}/whistle", json={"deadline": _future(), "units": ["u01", "u404"]}),
            422,
        )
        assert "u404" in err["message"] and err["errors"][0]["field"] == "units.1"
        assert _error(
            c.post(f"/needs/{nid}/whistle", json={"deadline": _future(), "units": []}), 422
        )
        assert _error(c.post(f"/needs/{nid}/whistle", json={"units": ["u01"]}), 422)
        assert _error(
            c.post(f"/needs/{nid}/whistle", json={"deadline": "soon", "units": ["u01"]}), 422
        )
        assert _error(c.post("/needs/nope-404/whistle", json=body), 404)
        # nothing above was written
        assert _get(api, nid) == before
        # a need that is not whistled: no report
        with api.client("unit:u01") as u01:
            err = _error(u01.post(f"/needs/{nid}/report"), 409)
            assert err["whistle"] is False
        # a closed need cannot be whistled
        closed = _new_need(api)
        c.post(f"/needs/{closed}/cancel", json={"reason": "重复登记"})
        err = _error(c.post(f"/needs/{closed}/whistle", json=body), 409)
        assert err["current"] == "cancelled"
        assert _get(api, closed)["whistle"] is False
        # re-whistle: new units and deadline; reports of units that stay are kept
        assert (
            c.post(f"/needs/{nid}/whistle", json={**body, "units": ["u01", "u02"]}).status_code
            == 200
        )
        first = c.post(f"/needs/{nid}/report", json={"unit_id": "u01"}).json()["reports"]["u01"]
        c.post(f"/needs/{nid}/report", json={"unit_id": "u02"})
        r = c.post(
            f"/needs/{nid}/whistle",
            json={"deadline": _future(86400), "units": ["u01", "u03", "u01"]},
        )
        assert r.status_code == 200
        assert r.json()["summoned"] == ["u01", "u03"] and r.json()["reports"] == {"u01": first}


def test_naive_deadline_is_beijing_time(api: ApiServer) -> None:
    nid = _new_need(api)
    with api.client("committee") as c:
        r = c.post(
            f"/needs/{nid}/whistle", json={"deadline": "2031-03-01T18:30:00", "units": ["u01"]}
        )
        assert r.status_code == 200, r.text
        assert r.json()["whistle_deadline"] == "2031-03-01T10:30:00Z"
        r = c.post(
            f"/needs/{nid}/whistle",
            json={"deadline": "2031-03-01T18:30:00+00:00", "units": ["u01"]},
        )
        assert r.json()["whistle_deadline"] == "2031-03-01T18:30:00Z"
        r = c.post(
            f"/needs/{nid}/whistle",
            json={"deadline": "2031-03-01T18:30:00+08:00", "units": ["u01"]},
        )
        assert r.json()["whistle_deadline"] == "2031-03-01T10:30:00Z"
    assert _get(api, nid)["whistle_deadline"] == "2031-03-01T10:30:00Z"
    with api.client("committee") as c:
        for extreme in ("0001-01-01T00:00:00", "9999-12-31T23:59:59-08:00"):
            r = c.post(f"/needs/{nid}/whistle", json={"deadline": extreme, "units": ["u01"]})
            assert _error(r, 422)["errors"][0]["field"] == "deadline"
    assert _get(api, nid)["whistle_deadline"] == "2031-03-01T10:30:00Z"
    # a naive deadline stored by the plain create route is read as Beijing time too
    old = _id()
    with api.client("committee") as c:
        body = _need_body(
            "c02", old, whistle=True, whistle_deadline="2025-01-01T08:00:00", summoned=["u02"]
        )
        assert c.post("/needs", json=body).status_code == 201
    with api.client("viewer") as v:
        items = v.get("/whistles", params={"community_id": "c02", "limit": 1000}).json()["items"]
    view = next(w for w in items if w["need_id"] == old)
    assert view["deadline"] == "2025-01-01T00:00:00Z" and view["overdue_units"] == ["u02"]


def test_overdue_listing_after_the_deadline_passes(api: ApiServer) -> None:
    nid = _new_need(api, "c02")
    with api.client("committee") as c:
        r = c.post(
            f"/needs/{nid}/whistle", json={"deadline": _future(2.5), "units": ["u01", "u02"]}
        )
        assert r.status_code == 200, r.text
        deadline = datetime.fromisoformat(r.json()["whistle_deadline"])
    with api.client("unit:u02") as u02:
        assert u02.post(f"/needs/{nid}/report").status_code == 200

    def view(**params: Any) -> dict[str, Any] | None:
        with api.client("viewer") as v:
            r = v.get("/whistles", params={"community_id": "c02", "limit": 1000, **params})
            assert r.status_code == 200, r.text
            return next((w for w in r.json()["items"] if w["need_id"] == nid), None)

    before = view()
    assert before is not None and before["overdue"] is False
    assert {u["unit_id"]: u["state"] for u in before["units"]} == {
        "u01": "pending",
        "u02": "reported",
    }
    # wait (bounded) until the server's clock is past the deadline
    while datetime.now(UTC) <= deadline + timedelta(seconds=1.1):
        time.sleep(0.2)
    after = view(overdue="true")
    assert after is not None and after["overdue"] is True and after["overdue_units"] == ["u01"]
    assert {u["unit_id"]: u["state"] for u in after["units"]} == {
        "u01": "overdue",
        "u02": "reported",
    }
    assert view(overdue="false") is None
    # a late report is recorded and shown as late; the need is no longer overdue
    with api.client("unit:u01") as u01:
        assert u01.post(f"/needs/{nid}/report").status_code == 200
    late = view()
    assert late is not None and late["overdue"] is False
    assert {u["unit_id"]: u["state"] for u in late["units"]} == {"u01": "late", "u02": "reported"}


def test_whistles_list_filters_and_paging(api: ApiServer) -> None:
    # the committee may create a need that was whistled earlier (records kept elsewhere):
    # a legitimate way to get an overdue whistle without waiting
    past = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    reported = (past - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    nid = _id()
    with api.client("committee") as c:
        r = c.post(
            "/needs",
            json=_need_body(
                "c01",
                nid,
                whistle=True,
                whistle_deadline=past.isoformat(),
                summoned=["u01", "u09"],
                reports={"u09": reported},
            ),
        )
        assert r.status_code == 201, r.text
        ok = _new_need(api)
        assert (
            c.post(
                f"/needs/{ok}/whistle", json={"deadline": _future(), "units": ["u05"]}
            ).status_code
            == 200
        )
    with api.client("viewer") as v:
        overdue = v.get("/whistles", params={"overdue": "true", "limit": 1000}).json()
        ids = [w["need_id"] for w in overdue["items"]]
        assert nid in ids and ok not in ids and overdue["total"] == len(ids)
        assert all(w["overdue"] and w["overdue_units"] for w in overdue["items"])
        mine = next(w for w in overdue["items"] if w["need_id"] == nid)
        assert {u["unit_id"]: u["state"] for u in mine["units"]} == {
            "u01": "overdue",
            "u09": "reported",
        }
        assert mine["overdue_units"] == ["u01"]
        not_overdue = v.get("/whistles", params={"overdue": "false", "limit": 1000}).json()
        assert ok in [w["need_id"] for w in not_overdue["items"]]
        assert nid not in [w["need_id"] for w in not_overdue["items"]]
        everything = v.get("/whistles", params={"limit": 1000}).json()
        assert everything["total"] == overdue["total"] + not_overdue["total"]
        c02 = v.get("/whistles", params={"community_id": "c02", "limit": 1000}).json()
        assert all(w["community_id"] == "c02" for w in c02["items"])
        assert nid not in [w["need_id"] for w in c02["items"]]
        one = v.get("/whistles", params={"limit": 1}).json()
        two = v.get("/whistles", params={"limit": 1, "offset": 1}).json()
        assert len(one["items"]) == 1 and one["total"] == everything["total"]
        assert one["items"][0]["need_id"] != two["items"][0]["need_id"]
        assert _error(v.get("/whistles", params={"overdue": "maybe"}), 422)
        assert _error(v.get("/whistles", params={"limit": 0}), 422)
    with api.client("unit:u01") as u:
        assert u.get("/whistles").status_code == 200
    with api.client(None) as anon:
        assert _error(anon.get("/whistles"), 401)
