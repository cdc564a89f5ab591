"""Planning jobs over HTTP: create → poll → explain → publish → export, cancel, restart.

The ``api`` tests run on both stores against the seeded 星城 network (its 2026Q4
quarter solves in well under a second). The cancel and restart tests need a job
that really runs for a while: they use their own embedded server loaded with a
synthetic network (200 units, 2,000 needs, 80 activities), whose solve keeps
improving until its time limit.

Longer than most test modules (~700 lines) so that all of a job's life shares one
seeded server per store and the one synthetic server: split, each part would
seed and start its own.

Length: ~690 lines: one module-scoped server per store serves every plan-route case;
splitting the module would start more servers and lengthen CI.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pypdf
import pytest
from openpyxl import load_workbook

from gongjian.graph.embedded import EmbeddedStore
from gongjian.matching.from_graph import compile_snapshot
from gongjian.matching.problem import Problem
from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from gongjian.service.plans.xlsx import HEADER_ROW
from tests.api.attack import post_need
from tests.api.server import ApiServer, start_api
from tests.processes import gone as gone_pids

FINISHED = {"done", "failed", "cancelled", "interrupted"}
QUARTER = "2026Q4"


# --------------------------------------------------------------------------- helpers
def current_problem(api: ApiServer, quarter: str = QUARTER) -> Problem:
    store = api.open_store()
    try:
        return compile_snapshot(store.snapshot(quarter))
    finally:
        store.close()


def post_plan(client: httpx.Client, **body: Any) -> dict[str, Any]:
    r = client.post("/plans", json={"quarter": QUARTER, "time_limit": 5, **body})
    assert r.status_code == 202, r.text
    return r.json()


def wait(client: httpx.Client, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/plans/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in FINISHED:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def wait_for(client: httpx.Client, job_id: str, check, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/plans/{job_id}").json()
        if check(job):
            return job
        assert job["status"] not in FINISHED, job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached the state: {job}")


def solve(client: httpx.Client, **body: Any) -> dict[str, Any]:
    job = wait(client, post_plan(client, **body)["id"])
    assert job["status"] == "done", job
    return job


def pairs(job: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["item"], a["unit"]) for a in job["plan"]["assignments"]}


# --------------------------------------------------------------------------- create and poll
def test_create_returns_202_with_location_and_the_job_finishes(api: ApiServer) -> None:
    with api.client() as c:
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": 5, "seed": 3})
        assert r.status_code == 202
        created = r.json()
        assert created["status"] in ("queued", "running")
        assert r.headers["location"] == f"/plans/{created['id']}"
        assert created["request"]["seed"] == 3
        job = wait(c, created["id"])
    assert job["status"] == "done" and job["error"] is None
    plan = job["plan"]
    assert plan["status"] in ("optimal", "feasible")
    assert plan["objective"] is not None and plan["bound"] >= plan["objective"]
    assert plan["gap"] >= 0
    assert (
        plan["assignments"]
        and plan["loads"]
        and plan["objective_parts"]["total"] == plan["objective"]
    )
    assert job["started_at"] and job["finished_at"]
    progress = job["progress"]
    assert set(progress) >= {"stage", "objective", "bound", "gap", "elapsed"}
    assert progress["objective"] == plan["objective"] and progress["stage"] in ("quick", "full")


def test_same_request_and_seed_give_the_same_plan(api: ApiServer) -> None:
    with api.client() as c:
        first = solve(c, seed=7)
        second = solve(c, seed=7)
    assert first["id"] != second["id"]
    assert (
        pairs(first) == pairs(second) and first["plan"]["objective"] == second["plan"]["objective"]
    )


@pytest.mark.parametrize("who", ["viewer", "unit:u01", "community:c01"])
def test_only_the_committee_plans(api: ApiServer, who: str) -> None:
    with api.client(who) as c:
        r = c.post("/plans", json={"quarter": QUARTER})
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        assert c.post("/plans/nope/publish").status_code == 403
        assert c.delete("/plans/nope").status_code == 403
    with api.client(None) as anonymous:
        assert anonymous.post("/plans", json={"quarter": QUARTER}).status_code == 401
        assert anonymous.get("/plans").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weights": {"fit": -1}}, "weights.fit"),
        ({"weights": {"fairness": "viel"}}, "weights.fairness"),
        ({"weights": {"beauty": 3}}, "weights.beauty"),
        ({"weights": {"stability": 10**9}}, "weights.stability"),
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": -5}, "time_limit"),
        ({"time_limit": 601}, "time_limit"),
        ({"quarter": "2026Q5"}, "quarter"),
        ({"quarter": "next"}, "quarter"),
        ({"seed": -1}, "seed"),
        ({"max_distance": -1}, "max_distance"),
        ({"pins": [{"item": "n096"}]}, "pins.0.unit"),
        ({"color": "red"}, "color"),
    ],
)
def test_bad_requests_are_422_with_the_field(api: ApiServer, body: dict, field: str) -> None:
    with api.client() as c:
        r = c.post("/plans", json={"quarter": QUARTER, **body})
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["error"]["errors"]]
    assert field in fields


def test_missing_quarter_is_422(api: ApiServer) -> None:
    with api.client() as c:
        r = c.post("/plans", json={"time_limit": 1})
    assert r.status_code == 422 and "quarter" in r.text


@pytest.mark.parametrize(
    ("key", "pair", "fields"),
    [
        ("pins", {"item": "no-such-need", "unit": "u01"}, ["pins.0.item"]),
        ("pins", {"item": "n096", "unit": "u99"}, ["pins.0.unit"]),
        ("forbids", {"item": "zz/r9", "unit": "nobody"}, ["forbids.0.item", "forbids.0.unit"]),
    ],
)
def test_unknown_pin_or_forbid_is_422(
    api: ApiServer, key: str, pair: dict[str, str], fields: list[str]
) -> None:
    problem = current_problem(api)
    if pair["item"] == "n096" and "n096" not in {n.id for n in problem.needs}:
        pair = {**pair, "item": problem.needs[0].id}
    with api.client() as c:
        before = c.get("/plans").json()["total"]
        r = c.post("/plans", json={"quarter": QUARTER, key: [pair]})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert sorted(e["field"] for e in error["errors"]) == sorted(fields)
        assert "unknown" in error["message"]
        assert c.get("/plans").json()["total"] == before  # nothing was queued


def test_unknown_previous_plan_is_404(api: ApiServer) -> None:
    with api.client() as c:
        r = c.post("/plans", json={"quarter": QUARTER, "previous_plan_id": "plan-nope"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


# --------------------------------------------------------------------------- pins, forbids, re-plan
def test_a_pin_is_honoured(api: ApiServer) -> None:
    problem = current_problem(api)
    with api.client() as c:
        base = solve(c)
        chosen = dict(pairs(base))
        # a need and an activity role, each pinned to a candidate the free plan did not pick
        need = next(
            n for n in problem.needs if any(k.unit != chosen.get(n.id) for k in n.candidates)
        )
        need_unit = next(k.unit for k in need.candidates if k.unit != chosen.get(need.id))
        roles = [
            (f"{a.id}/{r.id}", k.unit)
            for a in problem.activities
            for r in a.roles
            for k in r.candidates
            if (f"{a.id}/{r.id}", k.unit) not in pairs(base)
        ]
        role_item, role_unit = roles[0]
        job = solve(
            c, pins=[{"item": need.id, "unit": need_unit}, {"item": role_item, "unit": role_unit}]
        )
        assert job["request"]["pins"][0] == {"item": need.id, "unit": need_unit}
    got = {(a["item"], a["unit"]): a for a in job["plan"]["assignments"]}
    assert (need.id, need_unit) in got and got[(need.id, need_unit)]["pinned"] is True
    assert (role_item, role_unit) in got and got[(role_item, role_unit)]["pinned"] is True
    assert (need.id, need_unit) not in pairs(base)


def test_a_forbid_is_honoured(api: ApiServer) -> None:
    with api.client() as c:
        base = solve(c)
        forbidden = sorted(
            (a["item"], a["unit"]) for a in base["plan"]["assignments"] if a["type"] == "need"
        )[:3]
        job = solve(c, forbids=[{"item": i, "unit": u} for i, u in forbidden])
    assert len(forbidden) == 3 and not set(forbidden) & pairs(job)
    assert job["plan"]["status"] in ("optimal", "feasible")
    assert job["plan"]["objective"] <= base["plan"]["objective"]  # fewer choices, no better


def test_forbidding_a_whole_activity_is_explained_as_a_conflict(api: ApiServer) -> None:
    problem = current_problem(api)
    activity = next(a for a in problem.activities if a.min_units > 0)
    forbids = [
        {"item": f"{activity.id}/{r.id}", "unit": k.unit}
        for r in activity.roles
        for k in r.candidates
    ]
    with api.client() as c:
        job = solve(c, forbids=forbids)
        assert job["plan"]["status"] == "infeasible" and job["plan"]["conflicts"]
        ex = c.get(f"/plans/{job['id']}/explain").json()
        assert ex["conflicts"] and activity.id in ex["conflicts"][0]["items"]
        assert "无法同时满足的规则" in ex["text_zh"]
        r = c.post(f"/plans/{job['id']}/publish")
        assert r.status_code == 409 and "不可行" in r.json()["error"]["message"]


def test_replanning_with_high_stability_keeps_the_previous_decisions(api: ApiServer) -> None:
    other = {"fit": 1, "coverage": 5, "fairness": 40, "joint_coverage": 0}
    with api.client() as c:
        first = solve(c)
        # other weights alone move decisions …
        moved = solve(c, weights={**other, "stability": 0})
        # … but against the first plan with a high stability weight nothing moves
        kept = solve(c, weights={**other, "stability": 10_000}, previous_plan_id=first["id"])
        assert kept["request"]["previous_plan_id"] == first["id"]
        r = c.post(
            "/plans", json={"quarter": "2026Q3", "previous_plan_id": first["id"], "time_limit": 1}
        )
        assert r.status_code == 422 and r.json()["error"]["errors"][0]["field"] == (
            "previous_plan_id"
        )
    assert pairs(moved) != pairs(first)
    assert pairs(first) <= pairs(kept)
    assert kept["plan"]["objective_parts"]["changes"] == 0
    assert moved["plan"]["objective_parts"]["changes"] == 0  # no previous plan: no changes term


# --------------------------------------------------------------------------- reading
def test_list_is_newest_first_without_plans_and_filters_by_quarter(api: ApiServer) -> None:
    with api.client("committee") as c:
        a = post_plan(c)["id"]
        b = post_plan(c)["id"]
        wait(c, a)
        wait(c, b)
    with api.client("viewer") as v:
        page = v.get("/plans", params={"quarter": QUARTER, "limit": 1000}).json()
        ids = [j["id"] for j in page["items"]]
        assert ids.index(b) < ids.index(a)
        assert all(j["quarter"] == QUARTER for j in page["items"])
        assert all("plan" not in j for j in page["items"])
        assert page["total"] >= 2
        assert v.get("/plans", params={"quarter": "2031Q1"}).json()["total"] == 0
        assert v.get("/plans", params={"quarter": "2026Q7"}).status_code == 422
        one = v.get(f"/plans/{b}").json()
        assert one["plan"]["assignments"] and one["status_zh"] == "已完成"
        # plans are named by quarter and version, the later one a version after the other
        named = {j["id"]: j for j in page["items"]}
        assert named[b]["version"] == named[a]["version"] + 1 == one["version"]
        assert one["name"] == f"2026年第四季度计划（第{one['version']}版）" == named[b]["name"]
        assert v.get("/plans/plan-nope").status_code == 404


def test_explain_is_chinese_and_names_reasons(api: ApiServer) -> None:
    with api.client() as c:
        job = solve(c)
    # an unpublished plan (a draft) is for the committee and the viewer only (issue 10)
    with api.client("unit:u01") as u:
        assert u.get(f"/plans/{job['id']}/explain").status_code == 404
    with api.client("viewer") as v:
        r = v.get(f"/plans/{job['id']}/explain")
        assert r.status_code == 200, r.text
        ex = r.json()
        assert v.get("/plans/plan-nope/explain").status_code == 404
    assert "季度共建计划" in ex["text_zh"] and "目标值" in ex["text_zh"]
    assert len(ex["decisions"]) == len(job["plan"]["assignments"])
    d = ex["decisions"][0]
    assert d["item_title"] and d["unit_name"] and d["parts"]
    assert {p["name_zh"] for p in d["parts_zh"]} >= {"适配度", "距离"}
    roles = [d for d in ex["decisions"] if d["type"] == "role"]
    assert roles and all(" · " in d["item_title"] for d in roles)
    if job["plan"]["unmet"]:
        assert len(ex["unmet"]) == len(job["plan"]["unmet"])
        for u in ex["unmet"]:
            assert u["reason_zh"] and u["reason_zh"] in ex["text_zh"] and u["title"]


# --------------------------------------------------------------------------- publish
def _fresh_quarter_data(c: httpx.Client, quarter: str, date: str) -> tuple[list[str], str]:
    """Three fresh needs and one fresh activity in ``quarter`` (ids unique to this call)."""
    tag = uuid.uuid4().hex[:8]
    needs = []
    for i, (category, community) in enumerate(
        [("medical", "c07"), ("legal_aid", "c01"), ("repair", "c02")]
    ):
        need_id = post_need(
            c,
            community,
            f"pn-{tag}-{i}",
            title=f"发布测试需求{i}",
            category=category,
            quarter=quarter,
            effort=1,
            priority=4,
        )
        needs.append(need_id)
    activity_id = f"pa-{tag}"
    r = c.post(
        "/activities",
        json={
            "id": activity_id,
            "title": "发布测试义诊",
            "joint_type": "joint_services",
            "quarter": quarter,
            "date": date,
            "community_id": "c07",
            "roles": [{"kind": "medical", "count": 1}],
            "min_units": 1,
            "max_units": 2,
        },
    )
    assert r.status_code == 201, r.text
    return needs, activity_id


def test_publish_creates_assignments_and_claims_once(api: ApiServer) -> None:
    quarter = "2027Q1"
    with api.client() as c:
        needs, activity_id = _fresh_quarter_data(c, quarter, "2027-02-03")  # a Wednesday
        job = wait(c, post_plan(c, quarter=quarter)["id"])
        assert job["status"] == "done", job
        plan = job["plan"]
        mine = {a["item"]: a["unit"] for a in plan["assignments"] if a["item"] in needs}
        role_units = {a["unit"] for a in plan["assignments"] if a["activity"] == activity_id}
        assert mine and role_units
        # one planned need is claimed by hand before publishing: it is skipped, not overwritten
        taken = sorted(mine)[0]
        other_unit = next(u for u in ("u01", "u02", "u09") if u != mine[taken])
        store = api.open_store()
        try:
            store.claim_need(taken, other_unit)
        finally:
            store.close()

        r = c.post(f"/plans/{job['id']}/publish")
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["claims"] >= len(mine) - 1
        assert report["assignments"] >= len(role_units)
        assert [s["item"] for s in report["skipped"]] == [taken]
        assert report["published_at"]

        again = c.post(f"/plans/{job['id']}/publish")
        assert again.status_code == 409, again.text
        assert c.post("/plans/plan-nope/publish").status_code == 404
        shown = c.get(f"/plans/{job['id']}").json()
        assert shown["published_at"] == report["published_at"]
        assert shown["publish_report"]["skipped"][0]["item"] == taken

        claimed = c.get(
            "/needs", params={"status": "claimed", "quarter": quarter, "limit": 1000}
        ).json()
        by_id = {n["id"]: n for n in claimed["items"]}
        for need_id, unit in mine.items():
            expected = other_unit if need_id == taken else unit
            assert by_id[need_id]["claimed_by"] == expected
        assert c.get(f"/activities/{activity_id}").status_code == 200
    store = api.open_store()
    try:
        written = store.assignments(activity_id=activity_id)
    finally:
        store.close()
    assert {a.unit_id for a in written} == role_units
    assert all(a.plan_id == job["id"] and a.role.value == "medical" for a in written)

    # a re-plan of the quarter, published, supersedes the first: the activity's units are
    # the new plan's only (no pile-up), the first plan's claims stay, and it says so
    with api.client() as c:
        second = wait(c, post_plan(c, quarter=quarter, previous_plan_id=job["id"])["id"])
        r = c.post(f"/plans/{second['id']}/publish")
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["superseded"] == job["id"]
        assert report["removed_assignments"] == len(written)
        first = c.get(f"/plans/{job['id']}").json()
        assert first["publish_report"]["superseded_by"] == second["id"]
        listed = c.get("/assignments", params={"activity_id": activity_id}).json()
        assert listed and {a["plan_id"] for a in listed} == {second["id"]}
        assert all(a["plan_id"] != job["id"] for a in c.get("/assignments").json())
        for need_id in mine:
            assert c.get(f"/needs/{need_id}").json()["status"] == "claimed"
        again = c.post(f"/plans/{second['id']}/publish")
        assert again.status_code == 409


# --------------------------------------------------------------------------- export
def test_exports(api: ApiServer) -> None:
    with api.client() as c:
        job = solve(c)
        plan = job["plan"]
        base = f"/plans/{job['id']}/export"

        x = c.get(base, params={"format": "xlsx"})
        assert x.status_code == 200, x.text
        assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert (
            "filename*=UTF-8''%E5%85%B1%E5%BB%BA%E8%AE%A1%E5%88%92"
            in x.headers["content-disposition"]
        )
        wb = load_workbook(io.BytesIO(x.content))
        assert {"概况", "按单位", "按活动", "未满足需求", "技术说明"} <= set(wb.sheetnames)
        assert wb["概况"]["A1"].value.endswith(job["name"]) and "版）" in job["name"]
        assert wb["按单位"].max_row == HEADER_ROW + len(plan["assignments"])
        assert wb["未满足需求"].max_row == HEADER_ROW + len(plan["unmet"])
        technical = {r[0].value: r[1].value for r in wb["技术说明"].iter_rows(min_row=HEADER_ROW)}
        assert technical["目标值"] == plan["objective"]
        assert technical["上界"] == plan["bound"]

        default = c.get(base)
        assert default.status_code == 200 and default.content[:2] == b"PK"

        t = c.get(base, params={"format": "csv"})
        assert t.status_code == 200 and t.headers["content-type"].startswith("text/csv")
        assert t.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(t.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["类型", "条目编号", "名称"]
        assert len(rows) == 1 + len(plan["assignments"]) + len(plan["unmet"])

        i = c.get(base, params={"format": "ics"})
        assert i.status_code == 200 and i.headers["content-type"].startswith("text/calendar")
        body = i.content
        assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
        lines = body.split(b"\r\n")[:-1]
        assert b"\n" not in b"".join(lines)  # every line ends in CRLF
        assert max(len(line) for line in lines) <= 75
        activities = {a["activity"] for a in plan["assignments"] if a["type"] == "role"}
        assert body.count(b"BEGIN:VEVENT") == len(activities) == body.count(b"END:VEVENT")
        assert body.count(b"DTSTART;VALUE=DATE:") == len(activities)
        uids = [x for x in lines if x.startswith(b"UID:")]
        assert len(set(uids)) == len(activities)

        p = c.get(base, params={"format": "pdf"})
        assert p.status_code == 200 and p.headers["content-type"] == "application/pdf"
        assert p.content.startswith(b"%PDF-") and ".pdf" in p.headers["content-disposition"]
        pages = [pg.extract_text() for pg in pypdf.PdfReader(io.BytesIO(p.content)).pages]
        assert f"星城街道{job['name']}" in pages[0]  # the sub-district and the plan's name
        units = {a["unit"] for a in plan["assignments"]}
        assert sum("共建任务通知书" in pg for pg in pages) == len(units)  # one page a unit

        bad = c.get(base, params={"format": "docx"})
        assert bad.status_code == 422 and bad.json()["error"]["errors"][0]["field"] == "format"
        assert c.get("/plans/plan-nope/export").status_code == 404


def test_deleting_a_finished_job_is_409_and_unknown_404(api: ApiServer) -> None:
    with api.client() as c:
        job = solve(c)
        r = c.delete(f"/plans/{job['id']}")
        assert r.status_code == 409, r.text
        assert c.get(f"/plans/{job['id']}").json()["status"] == "done"
        assert c.delete("/plans/plan-nope").status_code == 404


def test_a_job_cancelled_right_away_never_finishes_as_done(api: ApiServer) -> None:
    with api.client() as c:
        ahead = post_plan(c)
        job = post_plan(c)
        r = c.delete(f"/plans/{job['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "cancelled"
        wait(c, ahead["id"])
        time.sleep(0.5)
        assert c.get(f"/plans/{job['id']}").json()["status"] == "cancelled"


# --------------------------------------------------------------------------- a long job
@pytest.fixture
def big_api(tmp_path: Path) -> Iterator[ApiServer]:
    """An embedded server on a synthetic network whose plan takes the whole time limit.

    One per test (a few seconds): publishing claims most of its needs, after which
    the quarter is easy.
    """
    workdir = tmp_path / "api-plans-big"
    server = start_api(workdir, "embedded", seed=False, start=False)
    store = EmbeddedStore(workdir / "graph.sqlite")
    store.migrate()
    load_network(store, generate(units=200, needs=2000, activities=80, seed=1, quarter=QUARTER))
    store.close()
    server.start()
    yield server
    server.stop()


def solver_children(api: ApiServer) -> list[psutil.Process]:
    assert api.proc is not None
    return [
        p
        for p in psutil.Process(api.proc.pid).children(recursive=True)
        if "gongjian.service.plans.jobs" in " ".join(p.cmdline())
    ]


def gone(procs: list[psutil.Process], timeout: float = 20.0) -> bool:
    return gone_pids([p.pid for p in procs], timeout)


def test_cancel_a_queued_and_a_running_job(big_api: ApiServer) -> None:
    with big_api.client() as c:
        running = post_plan(c, time_limit=120)
        queued = post_plan(c, time_limit=120)
        waiting = c.get(f"/plans/{queued['id']}").json()
        assert waiting["status"] == "queued" and waiting["queue_position"] == 1

        r = c.delete(f"/plans/{queued['id']}")
        assert r.status_code == 200, r.text
        dropped = r.json()
        assert dropped["status"] == "cancelled" and dropped["started_at"] is None
        assert dropped["plan"] is None
        assert c.get(f"/plans/{queued['id']}/export").status_code == 409
        assert c.get(f"/plans/{queued['id']}/explain").status_code == 409
        assert c.post(f"/plans/{queued['id']}/publish").status_code == 409
        assert c.delete(f"/plans/{queued['id']}").status_code == 409

        # the running job shows its quick stage's plan while the full solve goes on
        job = wait_for(
            c,
            running["id"],
            lambda j: j["status"] == "running" and (j["progress"] or {}).get("stage") == "quick",
        )
        # the objective streams during the solve: at least the plan the job holds so far
        assert job["plan"]["objective"] is not None
        assert job["plan"]["objective"] <= job["progress"]["objective"]
        children = solver_children(big_api)
        assert len(children) == 1

        r = c.delete(f"/plans/{running['id']}")
        assert r.status_code == 200, r.text
        stopped = r.json()
        assert stopped["status"] == "cancelled" and stopped["finished_at"]
        assert stopped["plan"]["objective"] is not None  # the best plan so far is kept
        assert gone(children)
        time.sleep(0.5)
        assert c.get(f"/plans/{running['id']}").json()["status"] == "cancelled"

        # a cancelled job with a plan can be exported and published
        x = c.get(f"/plans/{running['id']}/export", params={"format": "csv"})
        assert x.status_code == 200
        published = c.post(f"/plans/{running['id']}/publish")
        assert published.status_code == 200, published.text
        assert published.json()["claims"] > 0

        # and the queue goes on
        after = wait(c, post_plan(c, time_limit=1)["id"])
        assert after["status"] == "done"


def test_kill9_during_a_job_marks_it_interrupted_and_the_child_dies(big_api: ApiServer) -> None:
    with big_api.client() as c:
        job = post_plan(c, time_limit=120)
        wait_for(c, job["id"], lambda j: j["status"] == "running" and j["plan"] is not None)
        children = solver_children(big_api)
        assert len(children) == 1
    big_api.kill9()
    assert gone(children), "the solver outlived the server"
    big_api.start()
    with big_api.client() as c:
        after = c.get(f"/plans/{job['id']}").json()
        assert after["status"] == "interrupted" and after["finished_at"]
        assert after["status"] != "done" and after["error"]
        assert c.delete(f"/plans/{job['id']}").status_code == 409
        assert c.post(f"/plans/{job['id']}/publish").status_code == 409
        # the restarted service plans again
        again = wait(c, post_plan(c, time_limit=1)["id"])
        assert again["status"] == "done"
        time.sleep(1.0)
        assert c.get(f"/plans/{job['id']}").json()["status"] == "interrupted"


def test_a_clean_stop_during_a_job_marks_it_interrupted(big_api: ApiServer) -> None:
    with big_api.client() as c:
        job = post_plan(c, time_limit=120)
        queued = post_plan(c, time_limit=1)
        wait_for(c, job["id"], lambda j: j["status"] == "running")
        children = solver_children(big_api)
    big_api.stop()  # SIGTERM: the lifespan shuts the job manager down
    assert gone(children)
    big_api.start()
    with big_api.client() as c:
        for job_id in (job["id"], queued["id"]):
            after = c.get(f"/plans/{job_id}").json()
            assert after["status"] == "interrupted", after
            assert "the service stopped" in after["error"]


def test_request_checks_name_the_items_the_compiler_makes(api: ApiServer) -> None:
    """Pins are checked against the snapshot; its item keys are exactly the problem's."""
    from gongjian.service.plans.service import snapshot_items

    store = api.open_store()
    try:
        snapshot = store.snapshot(QUARTER)
    finally:
        store.close()
    problem = compile_snapshot(snapshot)
    compiled = {n.id for n in problem.needs} | {
        f"{a.id}/{r.id}" for a in problem.activities for r in a.roles
    }
    assert snapshot_items(snapshot) == compiled and compiled


@pytest.mark.parametrize(
    ("first", "second", "kept", "bound", "status"),
    [
        ((100, 120, "feasible"), (110, 125, "feasible"), 110, 120, "feasible"),
        ((100, 110, "feasible"), (90, 130, "feasible"), 100, 110, "feasible"),
        ((100, 130, "feasible"), (110, 110, "feasible"), 110, 110, "optimal"),
        ((100, 105, "feasible"), (None, None, "unknown"), 100, 105, "feasible"),
    ],
)
def test_the_full_stage_keeps_the_better_plan_and_the_lower_bound(
    first: tuple, second: tuple, kept: int, bound: int, status: str
) -> None:
    from gongjian.matching.problem import Plan
    from gongjian.service.plans.service import merge_stages

    def plan(objective: int | None, bnd: int | None, st: str) -> Plan:
        gap = (bnd - objective) / objective if objective is not None and bnd is not None else None
        return Plan(problem="p", status=st, objective=objective, bound=bnd, gap=gap, seconds=1.0)

    merged = merge_stages(plan(*first), plan(*second))
    assert (merged.objective, merged.bound, merged.status) == (kept, bound, status)
    assert merged.gap == pytest.approx((bound - kept) / kept)
