"""Issue 10, finding 6: a party member's points change only through recorded point entries.

``POST /party-members/{id}/points`` {delta, reason} writes the entry (who, when, why,
how many) and the new total in one store transaction; ``GET`` lists the entries
newest first. Who may record: the committee, and a community for the members
registered in it (the field table, :mod:`gongjian.service.auth.fields`). A PUT never
changes points (409 naming the endpoint for those who may record, 403 for the
others). Both stores; the concurrency figures are printed (``-s``).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import pytest

from gongjian.graph.model import MAX_POINT_DELTA, MAX_POINTS
from tests.api.attack import await_audit, fresh_id, guarded_put
from tests.api.server import ApiServer

CONCURRENT = 20


def _member(api: ApiServer, community: str = "c01", points: int = 0, unit: str = "u05") -> str:
    """A fresh member of ``unit`` registered in ``community`` (created by the committee)."""
    member = fresh_id("pm")
    body = {"id": member, "name": "积分测试党员", "unit_id": unit, "community_id": community}
    with api.client("committee") as c:
        r = c.post("/party-members", json={**body, "points": points})
        assert r.status_code == 201, r.text
    return member


def _points(c: httpx.Client, member: str, delta: Any, reason: Any = "参加联学活动") -> Any:
    return c.post(f"/party-members/{member}/points", json={"delta": delta, "reason": reason})


def test_an_entry_records_who_when_why_and_how_many(api: ApiServer) -> None:
    member = _member(api, points=10)
    with api.client("committee") as c:
        r = _points(c, member, 5, "参加党员联管活动")
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["member"]["points"] == 15 and body["member"]["version"] == 2, body
        entry = body["entry"]
        assert (entry["delta"], entry["total"], entry["seq"]) == (5, 15, 1), entry
        assert entry["reason"] == "参加党员联管活动"
        assert entry["by"] and entry["by_role"] == "committee" and entry["at"], entry
        assert r.headers["etag"] == '"2"'
        assert _points(c, member, -3, "更正：重复登记").status_code == 201
        listed = c.get(f"/party-members/{member}/points").json()
        stored = c.get(f"/party-members/{member}").json()
        audit = await_audit(c, f"points {member}")
    assert stored["points"] == 12 == listed["points"]
    assert [(e["seq"], e["delta"], e["total"]) for e in listed["items"]] == [
        (2, -3, 12),
        (1, 5, 15),
    ]
    assert listed["total"] == 2
    assert len(audit) == 2, f"[{api.store_kind}] one audit entry per point entry: {audit}"
    assert any("+5" in e["summary"] and "参加党员联管活动" in e["summary"] for e in audit), audit


@pytest.mark.parametrize(
    ("who", "community", "allowed"),
    [
        ("committee", "c01", True),
        ("community:c01", "c01", True),
        ("community:c02", "c01", False),
        ("unit:u01", "c03", False),  # u01's own community: units never record points
        ("viewer", "c01", False),
    ],
)
def test_who_may_record_points(api: ApiServer, who: str, community: str, allowed: bool) -> None:
    member = _member(api, community)
    with api.client(who) as c:
        r = _points(c, member, 2)
    with api.client("viewer") as v:
        stored = v.get(f"/party-members/{member}").json()
        entries = v.get(f"/party-members/{member}/points").json()["items"]
    if allowed:
        assert r.status_code == 201, r.text
        assert stored["points"] == 2 and len(entries) == 1
        assert entries[0]["by_role"] == who.split(":")[0]
    else:
        assert r.status_code == 403, (who, r.status_code, r.text)
        assert r.json()["error"]["code"] == "forbidden"
        assert stored["points"] == 0 and entries == [], (stored, entries)


@pytest.mark.parametrize(
    ("start", "delta"),
    [(3, -4), (MAX_POINTS - 1, 2), (0, -1)],
    ids=["below-zero", "above-bound", "from-zero"],
)
def test_a_total_out_of_bounds_is_409_and_nothing_is_written(
    api: ApiServer, start: int, delta: int
) -> None:
    member = _member(api, points=start)
    with api.client("committee") as c:
        r = _points(c, member, delta)
        assert r.status_code == 409, r.text
        assert "积分" in r.json()["error"]["message"]
        assert c.get(f"/party-members/{member}").json()["points"] == start
        assert c.get(f"/party-members/{member}/points").json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0, "reason": "无"}, "delta"),
        ({"delta": True, "reason": "布尔"}, "delta"),
        ({"delta": "5", "reason": "文字"}, "delta"),
        ({"delta": 5.0, "reason": "小数"}, "delta"),
        ({"delta": MAX_POINT_DELTA + 1, "reason": "太多"}, "delta"),
        ({"delta": -MAX_POINT_DELTA - 1, "reason": "太多"}, "delta"),
        ({"delta": 1}, "reason"),
        ({"delta": 1, "reason": "  "}, "reason"),
        ({"delta": 1, "reason": "第一行\n第二行"}, "reason"),
        ({"delta": 1, "reason": "x" * 201}, "reason"),
        ({"delta": 1, "reason": "多余字段", "by": "someone"}, "by"),
    ],
    ids=[
        "zero",
        "true",
        "text",
        "float",
        "too-many",
        "too-few",
        "no-reason",
        "blank-reason",
        "two-lines",
        "long-reason",
        "extra-field",
    ],
)
def test_a_bad_entry_is_422_naming_the_field(
    api: ApiServer, body: dict[str, Any], field: str
) -> None:
    member = _member(api)
    with api.client("committee") as c:
        r = c.post(f"/party-members/{member}/points", json=body)
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["error"]["errors"]], r.text
        assert c.get(f"/party-members/{member}").json()["points"] == 0


def test_an_unknown_member_is_404(api: ApiServer) -> None:
    with api.client("committee") as c:
        assert _points(c, "pm-nobody", 1).status_code == 404
        assert c.get("/party-members/pm-nobody/points").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("committee", 409), ("community:c01", 409), ("unit:u01", 403)],
)
def test_a_put_never_changes_points(api: ApiServer, who: str, status: int) -> None:
    # a member in the user's own scope (u01 is in c03), so the refusal is the field's
    member = _member(api, points=7) if who != "unit:u01" else _member(api, "c03", 7, "u01")
    with api.client(who) as c:
        r = guarded_put(c, f"/party-members/{member}", points=1_000_000)
        stored = c.get(f"/party-members/{member}").json()
    assert stored["points"] == 7
    assert r.status_code == status, (who, r.status_code, r.text)
    if status == 409:
        assert f"/party-members/{member}/points" in r.json()["error"]["message"], r.text
    with api.client("committee") as c:
        # the same PUT without the points change goes through
        r = guarded_put(c, f"/party-members/{member}", name="改名党员")
        assert r.status_code == 200 and r.json()["points"] == 7, r.text


def test_concurrent_entries_are_all_counted(api: ApiServer) -> None:
    member = _member(api)
    clients = [api.client("committee") for _ in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT)
    statuses: list[Any] = [None] * CONCURRENT

    def run(i: int, c: httpx.Client) -> None:
        c.timeout = httpx.Timeout(180.0)  # they queue on the member's lock, by design
        barrier.wait()
        try:
            statuses[i] = _points(c, member, 1, f"并发登记第{i}份").status_code
        except httpx.HTTPError as exc:
            statuses[i] = type(exc).__name__

    try:
        for c in clients:
            c.get("/me")  # connected first, so that the POSTs themselves race
        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
    finally:
        for c in clients:
            c.close()
    with api.client("viewer") as v:
        points = v.get(f"/party-members/{member}").json()["points"]
        listed = v.get(f"/party-members/{member}/points", params={"limit": 100}).json()
    seqs = sorted(e["seq"] for e in listed["items"])
    figures = (
        f"[{api.store_kind}] {CONCURRENT} concurrent +1 entries: statuses {dict(Counter(statuses))},"
        f" total {points}, {len(listed['items'])} entries"
    )
    print(figures)
    assert Counter(statuses) == Counter({201: CONCURRENT}), figures
    assert points == CONCURRENT and len(seqs) == CONCURRENT, figures
    assert seqs == list(range(1, CONCURRENT + 1)), seqs
    # each entry's total is the one before it plus one: no two saw the same total
    assert sorted(e["total"] for e in listed["items"]) == list(range(1, CONCURRENT + 1))


def test_a_deleted_member_takes_its_entries_with_it(api: ApiServer) -> None:
    member = _member(api)
    with api.client("committee") as c:
        assert _points(c, member, 4).status_code == 201
        assert c.delete(f"/party-members/{member}").status_code == 204
        body = {"id": member, "name": "同号新党员", "unit_id": "u05", "community_id": "c01"}
        assert c.post("/party-members", json=body).status_code == 201
        listed = c.get(f"/party-members/{member}/points").json()
    assert listed["items"] == [] and listed["total"] == 0 and listed["points"] == 0, listed
