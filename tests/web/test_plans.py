"""季度计划 in the browser: run, watch, explain, pin / forbid and re-plan, publish, export."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import openpyxl
from playwright.sync_api import Page, expect

from gongjian.service.plans.xlsx import HEADER_ROW
from tests.api.attack import post_need
from tests.api.server import ApiServer
from tests.web.conftest import Console, shot

QUARTER = "2026Q4"


def _figure(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _gap(plan: dict[str, Any]) -> str:
    if plan["status"] == "optimal":
        return "已证明最优"
    return "—" if plan["gap"] is None else f"{plan['gap'] * 100:.2f}%"


def _part(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _wait_done(client: httpx.Client, plan_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll GET /plans/{id} until the job has finished (the test's own API client)."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/plans/{plan_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, f"plan {plan_id} still {job['status']}"
        time.sleep(0.2)


def _run_in_browser(page: Page) -> str:
    """Click 运行 and wait until the status card shows the finished job; its id."""
    page.click("#plans-run")
    status = page.locator("#plans-status [data-status]")
    expect(status).to_have_attribute("data-status", "done", timeout=120_000)
    expect(page.locator("#plans-by-unit")).to_be_visible()
    return page.locator("#plans-current-id").get_attribute("data-plan-id") or ""


def test_committee_runs_explains_publishes_and_exports(
    console: Console, server: ApiServer, tmp_path
) -> None:
    api = server.client("committee")
    claimed_before = api.get("/needs", params={"status": "claimed", "limit": 1}).json()["total"]
    console.sign_in("committee")
    console.open("plans")
    page = console.page
    expect(page.locator("#plans-quarter")).to_have_value(QUARTER)
    for w in ("fit", "coverage", "fairness", "joint_coverage", "stability"):
        expect(page.locator(f"#plans-w-{w}")).to_be_visible()
    expect(page.locator("label[for='plans-w-joint_coverage']")).to_contain_text("五联覆盖")
    shot(page, "plans-form")

    plan_id = _run_in_browser(page)
    assert plan_id.startswith("plan-")
    job = api.get(f"/plans/{plan_id}").json()
    assert job["status"] == "done" and job["quarter"] == QUARTER
    plan = job["plan"]
    status = page.locator("#plans-status")
    expect(status.locator("[data-field=objective]")).to_have_text(_figure(plan["objective"]))
    expect(status.locator("[data-field=bound]")).to_have_text(_figure(plan["bound"]))
    expect(status.locator("[data-field=gap]")).to_have_text(_gap(plan))
    expect(status.locator("[data-plan-status]")).to_have_attribute(
        "data-plan-status", plan["status"]
    )
    shot(page, "plans-finished")

    # the assignment table by unit: every decision, with its fit parts in Chinese
    explain = api.get(f"/plans/{plan_id}/explain").json()
    decisions = {(d["item"], d["unit"]): d for d in explain["decisions"]}
    assert len(decisions) == len(plan["assignments"]) > 0
    rows = page.locator("#plans-by-unit tr[data-item]")
    expect(rows.first).to_be_visible()
    first = rows.first
    key = (first.get_attribute("data-item"), first.get_attribute("data-unit"))
    assert key in decisions
    for part in decisions[key]["parts_zh"]:
        if part["value"]:
            expect(first.locator(f"[data-part={part['part']}]")).to_have_text(
                f"{part['name_zh']} {_part(part['value'])}"
            )
    expect(first).to_contain_text(str(decisions[key]["score"]))
    if len(decisions) > 25:  # the table pages
        expect(page.locator("#plans-panel-unit .pager")).to_contain_text(f"共 {len(decisions)} 条")

    # by activity, unmet needs with Chinese reasons, the full account
    page.click("#plans-tab-activity")
    expect(page.locator("#plans-by-activity tr.gj-group").first).to_be_visible()
    page.click("#plans-tab-unmet")
    unmet = explain["unmet"]
    expect(page.locator("#plans-unmet tbody tr")).to_have_count(max(1, min(25, len(unmet))))
    if unmet:
        expect(page.locator("#plans-unmet")).to_contain_text(unmet[0]["reason_zh"])
    page.click("#plans-tab-text")
    expect(page.locator("#plans-text")).to_contain_text("目标值 objective")
    expect(page.locator("#plans-load-chart[data-ready='1']")).to_be_visible()
    # the load scale's legend, the same bands as the dashboard's
    expect(page.locator("#plans-load-legend .load-legend-item")).to_have_count(5)
    expect(page.locator("#plans-load-legend")).to_contain_text("超负荷（>100%）")
    shot(page, "plans-explained")

    # a second tab opens the same plan before it is published
    other = page.context.new_page()
    other.goto(page.url)
    expect(other.locator("#plans-publish")).to_be_visible()

    page.click("#plans-publish")
    expect(page.locator("dialog.gj-dialog")).to_be_visible()
    # the plan by its name, never its id
    expect(page.locator("#plans-dlg-msg")).to_contain_text(job["name"])
    expect(page.locator("#plans-dlg-msg")).not_to_contain_text(plan_id)
    expect(page.locator("#plans-current-id")).to_have_text(job["name"])
    shot(page, "plans-publish-confirm")
    page.click("#plans-dlg-ok")
    report = page.locator("#plans-report")
    expect(report).to_be_visible()
    job = api.get(f"/plans/{plan_id}").json()
    assert job["published_at"] is not None
    claims = job["publish_report"]["claims"]
    expect(report).to_contain_text(f"认领需求 {claims} 项")
    expect(page.locator("#plans-publish")).to_have_count(0)
    expect(page.locator("#plans-published-tag")).to_be_visible()
    claimed_after = api.get("/needs", params={"status": "claimed", "limit": 1}).json()["total"]
    assert claims > 0 and claimed_after == claimed_before + claims
    shot(page, "plans-published")

    # the second tab's publish is refused by the server, with its message
    other.click("#plans-publish")
    other.click("#plans-dlg-ok")
    expect(other.locator("#plans-msg [role=alert]")).to_contain_text("已发布")
    expect(other.locator("#plans-publish")).to_have_count(0)
    shot(other, "plans-second-publish-refused")
    other.close()
    assert api.get("/needs", params={"status": "claimed", "limit": 1}).json()["total"] == (
        claimed_after
    )

    # the xlsx export
    with page.expect_download() as info:
        page.click("#plans-export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["概况", "按单位", "按活动", "未满足需求", "技术说明"]
    rows = wb["技术说明"].iter_rows(min_row=HEADER_ROW, values_only=True)
    technical = {row[0]: row[1] for row in rows}
    assert technical["计划编号"] == plan_id
    assert technical["目标值"] == plan["objective"]
    assert wb["按单位"].max_row - HEADER_ROW == len(plan["assignments"])
    assert wb["未满足需求"].max_row - HEADER_ROW == len(plan["unmet"])


def test_pin_forbid_and_replan(console: Console, server: ApiServer) -> None:
    api = server.client("committee")
    # two fresh urgent needs that several units can take (whatever other tests published)
    needs = []
    for _ in range(2):
        need_id = f"nweb-{uuid.uuid4().hex[:8]}"
        needs.append(
            post_need(
                api,
                "c01",
                need_id,
                title=f"助老测试 {need_id}",
                category="elderly_care",
                quarter=QUARTER,
                effort=1,
                priority=5,
            )
        )
    console.sign_in("committee")
    console.open("plans")
    page = console.page
    first_id = _run_in_browser(page)
    first = _wait_done(api, first_id)
    assigned = {a["item"]: a["unit"] for a in first["plan"]["assignments"]}
    assert all(n in assigned for n in needs), first["plan"]["unmet"]

    page.fill("#plans-filter", "助老测试")
    rows = page.locator("#plans-by-unit tr[data-item]")
    expect(rows).to_have_count(2)
    pinned = (needs[0], assigned[needs[0]])
    forbidden = (needs[1], assigned[needs[1]])
    pin_row = page.locator(f'#plans-by-unit tr[data-item="{pinned[0]}"]')
    forbid_row = page.locator(f'#plans-by-unit tr[data-item="{forbidden[0]}"]')
    pin_row.locator("button[data-act=pin]").click()
    forbid_row.locator("button[data-act=forbid]").click()
    expect(pin_row.locator("button[data-act=pin]")).to_have_attribute("aria-pressed", "true")
    expect(forbid_row).to_have_class("gj-forbidden")
    expect(page.locator("#plans-selection")).to_contain_text("固定 1 项，禁止 1 项")
    shot(page, "plans-pin-forbid")

    page.click("#plans-replan")
    expect(page.locator("#plans-current-id")).not_to_have_attribute("data-plan-id", first_id)
    expect(page.locator("#plans-status [data-status]")).to_have_attribute(
        "data-status", "done", timeout=120_000
    )
    second_id = page.locator("#plans-current-id").get_attribute("data-plan-id") or ""
    job = _wait_done(api, second_id)
    request = job["request"]
    assert request["previous_plan_id"] == first_id
    assert request["pins"] == [{"item": pinned[0], "unit": pinned[1]}]
    assert request["forbids"] == [{"item": forbidden[0], "unit": forbidden[1]}]
    pairs = {(a["item"], a["unit"]) for a in job["plan"]["assignments"]}
    assert pinned in pairs and forbidden not in pairs
    # the new plan's row of the pinned decision says so; the list shows what it is based on
    page.fill("#plans-filter", pinned[0])
    row = page.locator(f'#plans-by-unit tr[data-item="{pinned[0]}"][data-unit="{pinned[1]}"]')
    expect(row).to_contain_text("已固定")
    expect(row).to_have_class("gj-pinned")
    first_name = api.get(f"/plans/{first_id}").json()["name"]
    expect(page.locator("#plans-list")).to_contain_text(first_name)  # by name, not id
    expect(page.locator("#plans-list")).not_to_contain_text(first_id)
    shot(page, "plans-replanned")


def test_bad_settings_are_explained_next_to_the_field(console: Console) -> None:
    console.sign_in("committee")
    console.open("plans")
    page = console.page
    page.fill("#plans-time-limit", "0")
    page.click("#plans-run")
    expect(page.locator("#plans-time-limit")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#plans-time-limit-err")).not_to_be_empty()
    expect(page.locator("#plans-current-id")).to_have_count(0)
    shot(page, "plans-invalid")


def test_viewer_sees_plans_read_only(console: Console, server: ApiServer) -> None:
    api = server.client("committee")
    r = api.post("/plans", json={"quarter": QUARTER, "time_limit": 5})
    assert r.status_code == 202, r.text
    plan_id = r.json()["id"]
    _wait_done(api, plan_id)

    console.sign_in("viewer")
    console.open("plans")
    page = console.page
    expect(page.locator("#h-plans")).to_have_text("季度计划")
    expect(page.get_by_text("只读：")).to_be_visible()
    expect(page.locator("#plans-run")).to_have_count(0)
    expect(page.locator("#plans-form")).to_have_count(0)
    page.click(f'#plans-list button[data-open="{plan_id}"]')
    expect(page.locator("#plans-current-id")).to_have_attribute("data-plan-id", plan_id)
    expect(page.locator("#plans-by-unit tr[data-item]").first).to_be_visible()
    expect(page.locator("#plans-export-xlsx")).to_be_visible()
    for absent in ("#plans-publish", "#plans-replan", "#plans-stop", "#plans-adjust"):
        expect(page.locator(absent)).to_have_count(0)
    expect(page.locator("button[data-act=pin]")).to_have_count(0)
    shot(page, "plans-viewer")
