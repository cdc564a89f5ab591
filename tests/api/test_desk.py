"""The 12345 desk over HTTP on both stores (issue 13): order numbers, every step and
every refusal, the timeline holding every step in order, a published plan's claims moved."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.api.attack import create_need
from tests.api.server import ApiServer
from tests.api.test_plans import post_plan, wait

NUMBER = re.compile(r"^XC-(\d{4})-(\d{6})$")


def _id(prefix: str = "dk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _new(c: httpx.Client, community: str = "c01", **extra: Any) -> dict[str, Any]:
    return create_need(c, community, _id(), **extra)


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return r.json()


def _err(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    return r.json()["error"]


def _ahead(days: int = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


# --------------------------------------------------------------------------- numbers
def test_a_new_order_gets_a_number_it_keeps(api: ApiServer) -> None:
    with api.client("community:c01") as c01, api.client("committee") as c:
        need = _new(c01, number="XC-1999-999999")  # read-only: what a client sends is ignored
        m = NUMBER.match(need["number"] or "")
        assert m and m.group(2) != "999999", need["number"]
        assert int(m.group(1)) == datetime.now(UTC).year or int(m.group(1)) >= 2026
        got = _ok(c.get(f"/needs/{need['id']}"))
        assert got["number"] == need["number"]
        # a replace without (or with another) number keeps it
        body = {k: v for k, v in got.items() if k not in ("number", "version")}
        body["title"] = "楼道灯不亮（已核实）"
        r = c.put(f"/needs/{need['id']}", json=body, headers={"If-Match": f'"{got["version"]}"'})
        assert r.status_code == 200, r.text
        assert r.json()["number"] == need["number"]
        # complainant, address and source are stored
        full = _new(
            c01,
            complainant_name="李四",
            complainant_phone="138-1234-5678",
            address="星城路 8 号",
            source="hotline",
            source_no="12345-0001",
        )
        assert full["source"] == "hotline" and full["address"] == "星城路 8 号"
        err = _err(c01.post("/needs", json={**body, "id": _id(), "complainant_phone": "=1+1"}), 422)
        assert "联系电话" in err["message"]


def test_fifty_concurrent_creations_get_fifty_consecutive_numbers(api: ApiServer) -> None:
    def create(i: int) -> str:
        with api.client("committee") as c:
            return str(_new(c, title=f"并发登记 {i}")["number"])

    with ThreadPoolExecutor(max_workers=25) as pool:
        numbers = list(pool.map(create, range(50)))
    assert len(set(numbers)) == 50, numbers
    seqs = sorted(int(NUMBER.match(n).group(2)) for n in numbers)  # type: ignore[union-attr]
    assert seqs == list(range(seqs[0], seqs[0] + 50)), seqs
    assert len({NUMBER.match(n).group(1) for n in numbers}) == 1  # type: ignore[union-attr]


def test_the_seeded_orders_carry_numbers(api: ApiServer) -> None:
    with api.client("viewer") as v:
        items = _ok(v.get("/needs", params={"limit": 500}))["items"]
    assert items and all(NUMBER.match(n["number"] or "") for n in items)
    assert len({n["number"] for n in items}) == len(items)


# --------------------------------------------------------------------------- the steps
def test_the_timeline_holds_every_step_in_order(api: ApiServer) -> None:
    due = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()
    with (
        api.client("committee") as c,
        api.client("unit:u01") as u01,
        api.client("community:c01") as c01,
    ):
        nid = _new(c01, due=due)["id"]
        n = _ok(c.post(f"/needs/{nid}/dispatch", json={"unit_id": "u01", "note": "就近派单"}))
        assert n["status"] == "claimed" and n["claimed_by"] == "u01"
        assert _ok(u01.post(f"/needs/{nid}/start"))["status"] == "in_progress"
        n = _ok(u01.post(f"/needs/{nid}/extension", json={"due": later, "reason": "等零件"}))
        assert n["extension"]["state"] == "pending" and n["due"] == due
        n = _ok(c.post(f"/needs/{nid}/extension/decide", json={"approve": True, "note": "同意"}))
        assert n["due"] == later and n["extensions"] == 1 and n["extension"]["state"] == "approved"
        n = _ok(c.post(f"/needs/{nid}/supervise", json={"deadline": _ahead(), "note": "加快"}))
        assert n["supervised"] and n["supervisions"] == 1
        n = _ok(u01.post(f"/needs/{nid}/resolve", json={"note": "已更换灯泡"}))
        assert n["status"] == "resolved" and n["resolution_note"] == "已更换灯泡"
        n = _ok(c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 2, "note": "又坏了"}))
        assert n["status"] == "in_progress" and n["reopens"] == 1 and n["claimed_by"] == "u01"
        assert n["resolved_at"] is None and n["satisfaction"] is None
        _ok(u01.post(f"/needs/{nid}/resolve", json={"note": "换了整套灯具"}))
        n = _ok(c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 5}))
        assert n["status"] == "followed_up"
        n = _ok(c01.post(f"/needs/{nid}/reopen", json={"reason": "复查发现隐患"}))
        assert n["status"] == "in_progress" and n["reopens"] == 2
        steps = _ok(c01.get(f"/needs/{nid}/timeline"))
    actions = [s["action"] for s in steps]
    assert actions == [
        "created",
        "dispatched",
        "started",
        "extension_requested",
        "extension_approved",
        "supervised",
        "resolved",
        "followed_up",
        "reopened",
        "resolved",
        "followed_up",
        "reopened",
    ]
    assert [s["seq"] for s in steps] == list(range(1, len(steps) + 1))
    times = [datetime.fromisoformat(s["at"].replace("Z", "+00:00")) for s in steps]
    assert times == sorted(times)
    assert steps[0]["by_role"] == "community" and steps[1]["by_role"] == "committee"
    assert steps[1]["note"] == "就近派单" and steps[1]["unit_id"] == "u01"
    assert steps[1]["unit_name"] and steps[1]["action_zh"] == "派单"
    assert steps[2]["by_role"] == "unit" and all(s["by_name"] for s in steps)
    assert "等零件" in steps[3]["note"] and "满意度 2/5" in steps[7]["note"]
    assert steps[-1]["note"] == "复查发现隐患"


def test_return_release_reassign_and_cancel(api: ApiServer) -> None:
    with (
        api.client("committee") as c,
        api.client("unit:u01") as u01,
        api.client("unit:u02") as u02,
        api.client("community:c01") as c01,
    ):
        nid = _new(c01)["id"]
        _ok(u01.post(f"/needs/{nid}/claim"))
        n = _ok(u01.post(f"/needs/{nid}/return", json={"reason": "不在服务范围"}))
        assert n["status"] == "open" and n["claimed_by"] is None and n["returns"] == 1
        _ok(u02.post(f"/needs/{nid}/claim"))
        n = _ok(c.post(f"/needs/{nid}/dispatch", json={"unit_id": "u09"}))
        assert n["claimed_by"] == "u09" and n["status"] == "claimed"
        n = _ok(c.post(f"/needs/{nid}/release", json={"reason": "重新研判"}))
        assert n["status"] == "open" and n["claimed_by"] is None and n["returns"] == 1
        n = _ok(c01.post(f"/needs/{nid}/cancel", json={"reason": "居民已自行解决"}))
        assert n["status"] == "cancelled" and n["cancel_reason"] == "居民已自行解决"
        steps = _ok(c.get(f"/needs/{nid}/timeline"))
    assert [s["action"] for s in steps] == [
        "created",
        "claimed",
        "returned",
        "claimed",
        "dispatched",
        "released",
        "cancelled",
    ]
    assert steps[2]["note"] == "不在服务范围" and steps[2]["unit_id"] == "u01"
    assert "u02" in steps[4]["note"]  # 由 u02 改派


def test_every_refusal_names_the_allowed_moves(api: ApiServer) -> None:
    later = (date.today() + timedelta(days=40)).isoformat()
    with (
        api.client("committee") as c,
        api.client("unit:u01") as u01,
        api.client("unit:u02") as u02,
        api.client("community:c01") as c01,
        api.client("community:c02") as c02,
        api.client("viewer") as v,
    ):
        nid = _new(c01)["id"]
        # who: 403 in Chinese
        for who, path, body in [
            (u01, "dispatch", {"unit_id": "u01"}),
            (c01, "release", {"reason": "x"}),
            (c01, "extension/decide", {"approve": True}),
            (u01, "supervise", {"deadline": _ahead(), "note": "x"}),
            (v, "cancel", {"reason": "x"}),
            (c02, "cancel", {"reason": "x"}),
            (u01, "cancel", {"reason": "x"}),
        ]:
            err = _err(who.post(f"/needs/{nid}/{path}", json=body), 403)
            assert re.search(r"[\u4e00-\u9fff]", err["message"]), err
        # state: 409 naming the allowed moves
        err = _err(u01.post(f"/needs/{nid}/return", json={"reason": "x"}), 409)
        assert err["current"] == "open" and "退单" in err["message"]
        err = _err(c.post(f"/needs/{nid}/release", json={"reason": "x"}), 409)
        assert err["allowed_moves"] == ["claim", "dispatch", "supervise", "cancel"]
        assert "允许" in err["message"] and "接单 (claim)" in err["message"]
        err = _err(c.post(f"/needs/{nid}/reopen", json={"reason": "x"}), 409)
        assert err["current"] == "open" and "重办" in err["message"]
        err = _err(c.post(f"/needs/{nid}/extension/decide", json={"approve": False}), 409)
        # the steps' texts are required: 422 in Chinese
        _ok(u01.post(f"/needs/{nid}/claim"))
        _ok(u01.post(f"/needs/{nid}/start"))
        for path, body, word in [
            ("resolve", None, "办结说明"),
            ("resolve", {"note": "  "}, "办结说明"),
            ("return", {}, "退单原因"),
            ("extension", {"due": later}, "延期原因"),
        ]:
            err = _err(u01.post(f"/needs/{nid}/{path}", json=body), 422)
            assert word in err["message"], err
        err = _err(c01.post(f"/needs/{nid}/cancel"), 422)
        assert "撤销原因" in err["message"]
        err = _err(
            c.post(f"/needs/{nid}/supervise", json={"deadline": _ahead(-1), "note": "x"}), 422
        )
        assert "督办期限" in err["message"]
        err = _err(
            u01.post(f"/needs/{nid}/extension", json={"due": "2020-01-01", "reason": "x"}), 422
        )
        assert err["errors"][0]["field"] == "due"
        # another unit, the committee on the unit's moves
        _err(u02.post(f"/needs/{nid}/resolve", json={"note": "x"}), 403)
        _err(u02.post(f"/needs/{nid}/extension", json={"due": later, "reason": "x"}), 403)
        _err(c.post(f"/needs/{nid}/return", json={"reason": "x"}), 403)
        # one pending extension at a time
        _ok(u01.post(f"/needs/{nid}/extension", json={"due": later, "reason": "等零件"}))
        err = _err(u01.post(f"/needs/{nid}/extension", json={"due": later, "reason": "y"}), 409)
        assert "待审批" in err["message"] and "extension/decide" in err["allowed_moves"]
        n = _ok(c.post(f"/needs/{nid}/extension/decide", json={"approve": False, "note": "不同意"}))
        assert n["extension"]["state"] == "refused" and n["extensions"] == 0
        err = _err(c.post(f"/needs/{nid}/extension/decide", json={"approve": True}), 409)
        assert (
            "extension" in err["allowed_moves"] and "extension/decide" not in err["allowed_moves"]
        )
        # dispatching to the holder, to an unknown unit
        err = _err(c.post(f"/needs/{nid}/dispatch", json={"unit_id": "u01"}), 409)
        assert "已由该单位承办" in err["message"]
        _err(c.post(f"/needs/{nid}/dispatch", json={"unit_id": "u-nope"}), 404)
        # a closed order
        _ok(u01.post(f"/needs/{nid}/resolve", json={"note": "好了"}))
        err = _err(c.post(f"/needs/{nid}/dispatch", json={"unit_id": "u02"}), 409)
        assert err["allowed_moves"] == ["follow-up", "reopen"]
        _err(c02.post(f"/needs/{nid}/reopen", json={"reason": "x"}), 403)
        _err(u01.post(f"/needs/{nid}/reopen", json={"reason": "x"}), 403)
        _err(c.get("/needs/nope-404/timeline"), 404)
        # nothing a refusal touched went into the timeline
        actions = [s["action"] for s in _ok(c.get(f"/needs/{nid}/timeline"))]
    assert actions == [
        "created",
        "claimed",
        "started",
        "extension_requested",
        "extension_refused",
        "resolved",
    ]


def test_a_published_plans_claims_are_released_or_reassigned(api: ApiServer) -> None:
    quarter = "2029Q3"
    with api.client("committee") as c:
        ids = [_new(c, "c01", quarter=quarter, category=k)["id"] for k in ("repair", "medical")]
        job = wait(c, post_plan(c, quarter=quarter, time_limit=3)["id"])
        assert job["status"] == "done", job
        assert _ok(c.post(f"/plans/{job['id']}/publish"))["claims"] >= 1
        claimed = [n for n in ids if _ok(c.get(f"/needs/{n}"))["status"] == "claimed"]
        assert claimed, job["plan"]["assignments"]
        first = claimed[0]
        step = _ok(c.get(f"/needs/{first}/timeline"))[-1]
        assert step["action"] == "claimed" and step["note"] == "计划发布"
        assert step["by"] == f"plan:{job['id']}"
        holder = _ok(c.get(f"/needs/{first}"))["claimed_by"]
        other = next(u for u in ("u01", "u02", "u09") if u != holder)
        n = _ok(c.post(f"/needs/{first}/dispatch", json={"unit_id": other, "override": True}))
        assert n["claimed_by"] == other
        n = _ok(c.post(f"/needs/{first}/release", json={"reason": "重新派单"}))
        assert n["status"] == "open" and n["claimed_by"] is None


# --------------------------------------------------------------------------- metrics
def _unit_token(c: httpx.Client, unit_id: str) -> dict[str, str]:
    r = c.post("/users", json={"name": f"{unit_id} 经办人", "role": "unit", "unit_id": unit_id})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_metrics_count_the_desk_steps_per_unit_and_community(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    cid, ua, ub = f"cm-{tag}", f"ua-{tag}", f"ub-{tag}"
    with api.client("committee") as c:
        assert c.post("/communities", json={"id": cid, "name": "指标社区"}).status_code == 201
        for u in (ua, ub):
            body = {"id": u, "name": f"指标单位{u}", "type": "bank", "community_id": cid}
            assert c.post("/units", json=body).status_code == 201
        as_a = _unit_token(c, ua)

        def go(nid: str, step: str, body: Any = None, headers: Any = None) -> dict[str, Any]:
            return _ok(c.post(f"/needs/{nid}/{step}", json=body, headers=headers))

        def dispatch(nid: str, unit: str) -> None:
            go(nid, "dispatch", {"unit_id": unit, "override": True})

        n1 = _new(c, cid, due="2099-01-01")["id"]  # returned by ua, resolved on time by ub
        dispatch(n1, ua)
        go(n1, "return", {"reason": "不对口"}, as_a)
        dispatch(n1, ub)
        go(n1, "start")
        go(n1, "resolve", {"note": "办好了"})
        n2 = _new(c, cid, due="2099-01-10")["id"]  # ua: extended, supervised, reopened
        dispatch(n2, ua)
        go(n2, "start")
        go(n2, "extension", {"due": "2099-02-10", "reason": "等审批"}, as_a)
        go(n2, "extension/decide", {"approve": True})
        go(n2, "supervise", {"deadline": _ahead(), "note": "加快"})
        go(n2, "resolve", {"note": "第一次"})
        go(n2, "follow-up", {"satisfaction": 1})
        go(n2, "resolve", {"note": "第二次"})
        n3 = _new(c, cid, due="2026-01-05")["id"]  # resolved late by ub
        dispatch(n3, ub)
        go(n3, "start")
        go(n3, "resolve", {"note": "迟了"})
        units = {g["id"]: g for g in _ok(c.get("/metrics/units", params={"min_cases": 0}))["items"]}
        communities = {g["id"]: g for g in _ok(c.get("/metrics/communities"))["items"]}
    a, b, cm = units[ua], units[ub], communities[cid]
    desk = ("returns", "extensions", "reopens", "supervisions")
    assert [a[k] for k in desk] == [1, 1, 1, 1], a
    assert [b[k] for k in desk] == [0, 0, 0, 0], b
    assert [cm[k] for k in desk] == [1, 1, 1, 1], cm
    # on time from the real resolution times; n2's extended due date counts
    assert a["on_time_rate"] == {"numerator": 1, "denominator": 1, "value": 1.0}
    assert b["on_time_rate"]["numerator"] == 1 and b["on_time_rate"]["denominator"] == 2
    assert cm["on_time_rate"]["numerator"] == 2 and cm["on_time_rate"]["denominator"] == 3
