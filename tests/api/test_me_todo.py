"""我的待办 over HTTP, both stores: each role's sections, items moving between them as
the order moves along, the unit's calendar and task list, and who may download them.

Expected figures come from the seed CSVs (today is ``SEED_TODAY``, 2026-12-01), not
from the service's functions. The first test reads the seed as it is; the others
create their own orders with fresh ids.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from gongjian.seeds.xingcheng import xingcheng_dir
from tests.api.attack import post_need
from tests.api.server import SEED_TODAY, ApiServer

TODAY = date.fromisoformat(SEED_TODAY)
HOSTILE = '<img src=x onerror="window.__xss=1">'


def _csv(name: str) -> list[dict[str, str]]:
    text = xingcheng_dir().joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def _todo(c: httpx.Client) -> dict[str, Any]:
    r = c.get("/me/todo", params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()


def _ids(todo: dict[str, Any], key: str) -> list[str]:
    section = next((s for s in todo["sections"] if s["key"] == key), None)
    assert section is not None, (key, [s["key"] for s in todo["sections"]])
    assert section["count"] == len(section["items"])  # limit 500 lists all
    return [i["id"] for i in section["items"]]


def _overdue(row: dict[str, str]) -> bool:
    return bool(row["due"]) and date.fromisoformat(row["due"]) < TODAY


def _new_need(c: httpx.Client, community: str, **extra: Any) -> str:
    fields = {"title": "自习室预约", "category": "venue_learning", **extra}
    return post_need(c, community, f"todo-{uuid.uuid4().hex[:8]}", **fields)


def test_sections_per_role_match_the_seed(api: ApiServer) -> None:
    needs = _csv("needs.csv")
    in_hand = [n for n in needs if n["status"] in ("claimed", "in_progress")]
    with api.client("committee") as c:
        todo = _todo(c)
    assert todo["role"] == "committee" and todo["today"] == SEED_TODAY
    assert todo["quarter"] == "2026Q4"
    assert sorted(_ids(todo, "overdue")) == sorted(n["id"] for n in in_hand if _overdue(n))
    assert sorted(_ids(todo, "unclaimed")) == sorted(
        n["id"] for n in needs if n["status"] == "open"
    )
    assert sorted(_ids(todo, "to_follow_up")) == sorted(
        n["id"] for n in needs if n["status"] == "resolved"
    )
    # most urgent first: the overdue list runs from the oldest due date
    dues = [i["due"] for i in todo["sections"][0]["items"]]
    assert dues == sorted(dues)
    first = todo["sections"][0]["items"][0]
    assert first["overdue_days"] == (TODAY - date.fromisoformat(first["due"])).days > 0
    assert first["unit_name"] and first["unit_name"] != first["unit_id"]  # names shown

    for unit in ("u06", "u09"):
        mine = [n for n in in_hand if n["claimed_by"] == unit]
        with _as_unit(api, unit) as c:
            todo = _todo(c)
        assert todo["scope_id"] == unit and todo["scope_name"]
        assert sorted(_ids(todo, "overdue")) == sorted(n["id"] for n in mine if _overdue(n))
        assert sorted(_ids(todo, "to_resolve")) == sorted(n["id"] for n in mine if not _overdue(n))

    with api.client("community:c01") as c:
        todo = _todo(c)
    c01 = [n for n in needs if n["community_id"] == "c01"]
    assert todo["scope_name"] and todo["scope_name"] != "c01"
    assert sorted(_ids(todo, "to_follow_up")) == sorted(
        n["id"] for n in c01 if n["status"] == "resolved"
    )
    assert sorted(_ids(todo, "unclaimed")) == sorted(n["id"] for n in c01 if n["status"] == "open")

    with api.client("viewer") as c:
        todo = _todo(c)
    assert todo["sections"] == [] and todo["total"] == 0


def _as_unit(api: ApiServer, unit: str) -> httpx.Client:
    """A client for ``unit``: the seeded user when there is one, else a new unit user."""
    if f"unit:{unit}" in api.tokens:
        return api.client(f"unit:{unit}")
    with api.client("committee") as c:
        r = c.post("/users", json={"name": f"{unit} 联络员", "role": "unit", "unit_id": unit})
        assert r.status_code == 201, r.text
        token = r.json()["token"]
    return httpx.Client(
        base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def test_an_order_moves_through_the_to_do_lists(api: ApiServer) -> None:
    with (
        api.client("community:c02") as c02,
        api.client("unit:u01") as u01,
        api.client("committee") as com,
    ):
        nid = _new_need(c02, "c02", title=HOSTILE, due=str(TODAY + timedelta(days=9)))
        assert nid in _ids(_todo(u01), "to_accept")  # u01 offers venue_learning
        assert nid not in _ids(_todo(api.client("unit:u09")), "to_accept")  # no such kind
        assert nid in _ids(_todo(c02), "unclaimed")
        assert nid in _ids(_todo(com), "unclaimed")
        item = next(i for s in _todo(u01)["sections"] for i in s["items"] if i["id"] == nid)
        assert item["title"] == HOSTILE and item["action"] == "claim"
        assert item["community_name"] != "c02"

        assert u01.post(f"/needs/{nid}/claim").status_code == 200
        todo = _todo(u01)
        assert nid not in _ids(todo, "to_accept") and nid in _ids(todo, "to_resolve")
        assert nid not in _ids(_todo(c02), "unclaimed")

        assert u01.post(f"/needs/{nid}/start").status_code == 200
        assert u01.post(f"/needs/{nid}/resolve", json={"note": "已修复"}).status_code == 200
        assert nid not in _ids(_todo(u01), "to_resolve")
        assert nid in _ids(_todo(c02), "to_follow_up")
        assert nid in _ids(_todo(com), "to_follow_up")
        assert nid not in _ids(_todo(api.client("community:c01")), "to_follow_up")

        r = c02.post(f"/needs/{nid}/follow-up", json={"satisfaction": 5})
        assert r.status_code == 200, r.text
        assert nid not in _ids(_todo(c02), "to_follow_up")
        assert nid not in _ids(_todo(com), "to_follow_up")


def test_overdue_and_whistles(api: ApiServer) -> None:
    with api.client("community:c02") as c02, api.client("unit:u01") as u01:
        late = _new_need(c02, "c02", due=str(TODAY - timedelta(days=11)))
        assert u01.post(f"/needs/{late}/claim").status_code == 200
        todo = _todo(u01)
        assert late in _ids(todo, "overdue") and late not in _ids(todo, "to_resolve")
        item = next(i for i in todo["sections"][1]["items"] if i["id"] == late)
        assert item["overdue_days"] == 11
        assert late in _ids(_todo(c02), "overdue")

        summoned = _new_need(c02, "c02")
        deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        with api.client("committee") as com:
            r = com.post(
                f"/needs/{summoned}/whistle", json={"deadline": deadline, "units": ["u01"]}
            )
            assert r.status_code == 200, r.text
        todo = _todo(u01)
        assert summoned in _ids(todo, "to_report")
        assert summoned not in _ids(_todo(api.client("unit:u02")), "to_report")
        assert u01.post(f"/needs/{summoned}/report").status_code == 200
        assert summoned not in _ids(_todo(u01), "to_report")


def test_the_unit_downloads_its_calendar_and_task_list(api: ApiServer) -> None:
    formula = '=HYPERLINK("http://evil.example","点我")'
    due = TODAY + timedelta(days=5)
    with api.client("community:c02") as c02, api.client("unit:u01") as u01:
        nid = _new_need(c02, "c02", title=formula, due=str(due))
        assert u01.post(f"/needs/{nid}/claim").status_code == 200

        r = u01.get("/me/calendar.ics")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/calendar")
        text = r.content.decode("utf-8").replace("\r\n ", "")
        assert f"UID:need-{nid}-due@gongjian" in text
        assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in text
        assert "交办单截止" in text and "BEGIN:VCALENDAR" in text
        assert all(len(line) <= 75 for line in r.content.split(b"\r\n"))

        r = u01.get("/me/tasks.xlsx", params={"quarter": "2026Q4"})
        assert r.status_code == 200, r.text
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][:3] == ("类型", "编号", "事项")
        row = next(x for x in rows if x[1] == nid)
        assert row[2] == "'" + formula  # text, never a live formula
        assert row[4].date() == due  # a date cell, not text
        cell = next(c for c in ws[rows.index(row) + 1] if c.column == 3)
        assert cell.data_type == "s"

        assert u01.get("/me/tasks.xlsx", params={"quarter": "2026Q9"}).status_code == 422

    for who in ("committee", "community:c01", "viewer"):
        with api.client(who) as c:
            for path in ("/me/calendar.ics", "/me/tasks.xlsx"):
                r = c.get(path)
                assert r.status_code == 403, (who, path, r.text)
                assert "单位" in r.json()["error"]["message"]
    with api.client(None) as c:
        assert c.get("/me/todo").status_code == 401


@pytest.mark.parametrize("limit", [0, 501, "x"])
def test_bad_limits_are_refused(api: ApiServer, limit: object) -> None:
    with api.client("committee") as c:
        assert c.get("/me/todo", params={"limit": limit}).status_code == 422


def test_one_section_pages_on_the_server(api: ApiServer) -> None:
    """``section`` + ``offset`` + ``limit``: that section only, its count, and pages that
    together are the whole section in order, none overlapping."""
    with api.client("committee") as c:
        whole = _todo(c)
        section = max(whole["sections"], key=lambda s: s["count"])
        key, expected = section["key"], _ids(whole, section["key"])
        assert len(expected) >= 3, (key, expected)  # the seed has a few in its largest
        short = c.get("/me/todo", params={"limit": 2}).json()
        assert [s["count"] for s in short["sections"]] == [s["count"] for s in whole["sections"]]
        assert short["total"] == whole["total"]
        assert all(len(s["items"]) <= 2 and s["offset"] == 0 for s in short["sections"])
        got: list[str] = []
        for offset in range(0, len(expected), 2):
            r = c.get("/me/todo", params={"section": key, "offset": offset, "limit": 2})
            assert r.status_code == 200, r.text
            body = r.json()
            assert [(s["key"], s["count"], s["offset"]) for s in body["sections"]] == [
                (key, len(expected), offset)
            ]
            got += [i["id"] for i in body["sections"][0]["items"]]
        assert got == expected
        past = c.get("/me/todo", params={"section": key, "offset": len(expected)}).json()
        assert past["sections"][0]["items"] == [] and past["sections"][0]["count"] == len(expected)
        # a section the role does not have, or none at all: refused in Chinese
        for bad in ("to_accept", "nonsense"):
            r = c.get("/me/todo", params={"section": bad})
            assert r.status_code == 422, r.text
            assert "待办分组" in r.json()["error"]["message"], r.text
        assert c.get("/me/todo", params={"offset": -1}).status_code == 422
        assert c.get("/me/todo", params={"section": "x" * 33}).status_code == 422


def test_a_published_plan_fills_the_units_coming_activities(api: ApiServer) -> None:
    """Last in the module: publishing claims the quarter's open orders."""
    with api.client("committee") as com:
        r = com.post("/plans", json={"quarter": "2026Q4", "time_limit": 3})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        for _ in range(600):
            job = com.get(f"/plans/{job_id}").json()
            if job["status"] in ("done", "failed", "cancelled", "interrupted"):
                break
            time.sleep(0.2)
        assert job["status"] == "done", job
        r = com.post(f"/plans/{job_id}/publish")
        assert r.status_code == 200, r.text
        assigned = com.get("/assignments", params={"plan_id": job_id}).json()
        dates = {a["id"]: a["date"] for a in com.get("/activities?limit=1000").json()["items"]}
    coming: dict[str, set[str]] = {}
    for a in assigned:
        if date.fromisoformat(dates[a["activity_id"]]) >= TODAY:
            coming.setdefault(a["unit_id"], set()).add(a["activity_id"])
    assert coming, "the plan assigns no unit to an activity from today on"
    unit = max(sorted(coming), key=lambda u: len(coming[u]))
    with _as_unit(api, unit) as c:
        todo = _todo(c)
        assert set(_ids(todo, "activities")) >= coming[unit]
        section = next(s for s in todo["sections"] if s["key"] == "activities")
        assert [i["due"] for i in section["items"]] == sorted(i["due"] for i in section["items"])
        assert all(i["due"] >= SEED_TODAY for i in section["items"])
        text = c.get("/me/calendar.ics").content.decode("utf-8").replace("\r\n ", "")
        for activity_id in coming[unit]:
            assert f"UID:activity-{activity_id}-{unit}@gongjian" in text
