"""民情交办单 Work orders: a community enters a need, a unit claims it, a second unit's claim
is refused with a message naming the claim, start / resolve / follow-up, the whistle list,
and the import: template download, a file with bad rows reported row by row."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Need
from tests.api.server import ApiServer
from tests.web.conftest import Console, console_in, pick, shot


def _need(server: ApiServer, need_id: str) -> dict[str, Any]:
    with server.client("committee") as c:
        r = c.get(f"/needs/{need_id}")
        assert r.status_code == 200, r.text
        return r.json()


def _titled(server: ApiServer, tag: str) -> list[dict[str, Any]]:
    with server.client("committee") as c:
        items = c.get("/needs", params={"limit": 1000}).json()["items"]
    return [n for n in items if tag in n["title"]]


def _go(page: Page, hash_: str) -> None:
    page.evaluate("h => { location.hash = h; }", hash_)
    expect(page.locator("section[data-page=needs]")).to_be_visible()


def _switch(console: Console, who: str) -> Page:
    page = console.page
    if page.locator("#signout").is_visible():
        page.click("#signout")
        expect(page.locator("#token")).to_be_visible()
    console.sign_in(who)
    return page


def _row(page: Page, need_id: str) -> Locator:
    return page.locator(f'#needs-list tr[data-need="{need_id}"]')


@pytest.fixture
def second(browser: Browser, server: ApiServer) -> Iterator[Console]:
    """A second signed-in-able browser (another person at another desk)."""
    with console_in(browser, server) as c:
        yield c


def _enter_need(page: Page, tag: str) -> str:
    """As a community user: fill the new-need form (first empty, to see the messages)."""
    _go(page, "#/needs?view=new")
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.click("#needs-n-submit")
    form = page.locator("#needs-new")
    expect(form.locator("#needs-n-title-err")).to_have_text("必填")
    expect(form.locator("#needs-n-category-err")).to_have_text("请选择类别")
    expect(page.locator("#needs-n-title")).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("有 2 处需要修改")
    assert posts == []  # nothing sent
    # a community user's community is fixed
    expect(page.locator("#needs-n-community")).to_be_disabled()
    expect(page.locator("#needs-n-community")).to_have_value("c01")
    page.fill("#needs-n-title", f"3号楼楼道灯不亮 {tag}")
    page.select_option("#needs-n-category", "repair")
    page.select_option("#needs-n-grid", "c01-g1")
    page.select_option("#needs-n-quarter", "2026Q4")
    page.fill("#needs-n-effort", "0")
    page.click("#needs-n-submit")
    expect(form.locator("#needs-n-effort-err")).to_contain_text("1–1000")
    page.fill("#needs-n-effort", "2")
    page.select_option("#needs-n-priority", "4")
    page.fill("#needs-n-due", "2026-12-20")
    page.fill("#needs-n-description", "网格员巡查发现，居民夜间出行不便。")
    shot(page, "needs-form")
    page.click("#needs-n-submit")
    created = page.locator("#needs-list tr.needs-created")
    expect(created).to_be_visible()
    expect(page.locator("#needs-notice")).to_contain_text("已登记交办单")
    need_id = created.get_attribute("data-need")
    assert need_id
    return need_id


def test_need_life_cycle_across_roles_with_a_refused_second_claim(
    console: Console, second: Console
) -> None:
    server = console.server
    tag = uuid.uuid4().hex[:8]
    page = _switch(console, "community:c01")
    need_id = _enter_need(page, tag)
    need = _need(server, need_id)
    assert need["status"] == "open" and need["community_id"] == "c01"
    assert need["grid_id"] == "c01-g1" and need["quarter"] == "2026Q4"
    assert need["effort"] == 2 and need["priority"] == 4 and need["due"] == "2026-12-20"
    assert tag in need["title"]
    expect(_row(page, need_id)).to_contain_text("待认领")
    # the community may cancel its own open need, but a unit's buttons are not shown
    expect(_row(page, need_id).locator('[data-action="cancel"]')).to_be_visible()
    expect(_row(page, need_id).locator('[data-action="claim"]')).to_have_count(0)
    shot(page, "needs-list-community")

    # u02 opens the open needs of c01 (a list that will go stale)
    other = second.sign_in("unit:u02").page
    _go(other, "#/needs?community=c01&quarter=2026Q4&status=open")
    expect(other.locator("#needs-f-status")).to_have_value("open")  # pre-filled from the hash
    stale_claim = _row(other, need_id).locator('[data-action="claim"]')
    expect(stale_claim).to_be_visible()

    # u01 claims it first
    page = _switch(console, "unit:u01")
    _go(page, "#/needs?community=c01&quarter=2026Q4")
    _row(page, need_id).locator('[data-action="claim"]').click()
    expect(_row(page, need_id)).to_contain_text("已认领")
    expect(_row(page, need_id)).to_contain_text("星城中学")
    expect(page.locator(f'tr[data-msg-for="{need_id}"]')).to_contain_text("已接单")
    assert _need(server, need_id)["claimed_by"] == "u01"
    shot(page, "needs-list-claimed")

    # u02's claim from the stale list is refused, naming who holds it
    stale_claim.click()
    refusal = other.locator("#needs-refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("接单未成功")
    expect(refusal).to_contain_text("列表已刷新")
    expect(refusal).to_contain_text(f"交办单 {need_id} 已由 星城中学 认领")
    # the list refreshed: the need is no longer open, so it left the open list
    expect(_row(other, need_id)).to_have_count(0)
    shot(other, "needs-refusal")
    assert _need(server, need_id)["claimed_by"] == "u01"

    # without the status filter u02 sees the claim and has no button for it
    _go(other, "#/needs?community=c01&quarter=2026Q4&status=")
    expect(_row(other, need_id)).to_contain_text("星城中学")
    expect(_row(other, need_id).locator("button")).to_have_count(0)

    # u01 starts and resolves
    _row(page, need_id).locator('[data-action="start"]').click()
    expect(_row(page, need_id)).to_contain_text("办理中")
    _row(page, need_id).locator('[data-action="resolve"]').click()
    dialog = page.locator("dialog.needs-dialog")
    page.click("#needs-dlg-ok")  # 办结 asks for what was done
    expect(dialog.locator("#nd-d-resolution-err")).to_have_text("必填")
    page.fill("#nd-d-resolution", "已更换灯泡 <b>=1+1</b>")
    page.click("#needs-dlg-ok")
    expect(dialog).to_have_count(0)
    expect(_row(page, need_id)).to_contain_text("已办结")
    assert _need(server, need_id)["status"] == "resolved"

    # c01 follows up with the residents' satisfaction
    page = _switch(console, "community:c01")
    _go(page, "#/needs?community=c01&quarter=2026Q4&status=resolved")
    _row(page, need_id).locator('[data-action="followup"]').click()
    dialog = page.locator("dialog.needs-dialog")
    expect(dialog).to_be_visible()
    page.click("#needs-dlg-ok")
    expect(dialog.locator("#needs-dlg-sat-err")).to_have_text("请选择")
    page.select_option("#needs-dlg-sat", "4")
    page.fill("#needs-dlg-note", "居民表示灯已修好")
    shot(page, "needs-followup-dialog")
    page.click("#needs-dlg-ok")
    expect(dialog).to_have_count(0)
    expect(page.locator("#needs-notice")).to_be_empty()
    done = _need(server, need_id)
    assert done["status"] == "followed_up" and done["satisfaction"] == 4
    _go(page, "#/needs?community=c01&quarter=2026Q4&status=followed_up")
    expect(_row(page, need_id)).to_contain_text("4 / 5")
    expect(_row(page, need_id)).to_contain_text("已回访")


def test_committee_claims_for_a_unit_whistles_and_sees_overdue_list(console: Console) -> None:
    server = console.server
    tag = uuid.uuid4().hex[:8]
    need_id = f"n-web-{tag}"
    with server.client("committee") as c:
        body = {
            "id": need_id,
            "title": f"小区路灯损坏 {tag}",
            "category": "repair",
            "community_id": "c02",
            "quarter": "2026Q4",
        }
        assert c.post("/needs", json=body).status_code == 201
    page = _switch(console, "committee")
    _go(page, "#/needs?community=c02&quarter=2026Q4")
    row = _row(page, need_id)
    # the committee has every button of an open need
    for action in ("claim-for", "whistle", "cancel"):
        expect(row.locator(f'[data-action="{action}"]')).to_be_visible()
    row.locator('[data-action="claim-for"]').click()
    page.click("#needs-dlg-ok")
    expect(page.locator("#needs-dlg-unit-err")).to_have_text("请选择")
    pick(page, "#needs-dlg-unit", "城管", "u09")  # a type-ahead over /units
    page.click("#needs-dlg-ok")
    expect(row).to_contain_text("星城街道城管执法队")
    assert _need(server, need_id)["claimed_by"] == "u09"

    row.locator('[data-action="whistle"]').click()
    expect(page.locator('#needs-dlg-picked [data-unit="u09"]')).to_be_visible()  # claiming
    pick(page, "#needs-dlg-units", "派出所", "u08")
    expect(page.locator('#needs-dlg-picked [data-unit="u08"]')).to_contain_text("星城派出所")
    shot(page, "needs-whistle-dialog")
    page.click("#needs-dlg-ok")
    expect(row.locator(".needs-whistle-tag")).to_be_visible()
    whistled = _need(server, need_id)
    assert whistled["whistle"] and set(whistled["summoned"]) == {"u08", "u09"}

    page.click('.needs-tabs a[data-view="whistles"]')
    wrow = page.locator(f'#needs-whistles tr[data-need="{need_id}"]')
    expect(wrow.locator('[data-unit="u08"]')).to_contain_text("待报到")
    page.select_option("#needs-w-overdue", "false")
    expect(wrow).to_be_visible()
    page.select_option("#needs-w-overdue", "true")
    expect(wrow).to_have_count(0)  # the deadline lies ahead: nobody is overdue yet
    expect(page.locator("#needs-whistles")).to_contain_text("没有符合条件的吹哨交办单")

    # time passes: the deadline is behind us and u08 has not reported (the API refuses a
    # past deadline, so the stored one is moved back in the store the server reads)
    store = EmbeddedStore(server.workdir / "graph.sqlite")
    try:
        past = datetime.now(UTC) - timedelta(hours=2)
        store.modify(Need, need_id, lambda n: n.model_copy(update={"whistle_deadline": past}))
    finally:
        store.close()
    page.select_option("#needs-w-overdue", "")
    page.select_option("#needs-w-overdue", "true")
    expect(wrow).to_have_class(re.compile(r"\bneeds-overdue\b"))
    expect(wrow.locator('[data-unit="u08"]')).to_have_attribute("data-state", "overdue")
    expect(wrow.locator('[data-unit="u08"]')).to_contain_text("逾期未报到")
    expect(wrow).to_contain_text("2 家逾期未报到")
    page.select_option("#needs-w-overdue", "")
    expect(page.locator("#needs-whistles tr.needs-overdue")).to_have_count(1)
    shot(page, "needs-whistles")

    # the dashboard counts it and links back to this list
    page.evaluate("location.hash = '#/dashboard'")
    with server.client("committee") as c:
        latest = c.get("/metrics/quarters").json()["items"][-1]["id"]
        overdue = c.get("/metrics/summary", params={"quarter": latest}).json()["overdue_whistles"]
    assert overdue >= 1
    expect(page.locator('[data-kpi="dash.whistles"] .dash-value')).to_have_text(str(overdue))
    page.click("#dash-whistles-link")
    expect(wrow).to_be_visible()

    # a summoned unit reports (late, the deadline has passed)
    page = _switch(console, "unit:u09")
    _go(page, "#/needs?view=whistles")
    wrow.locator('[data-action="report"]').click()
    expect(wrow.locator('[data-unit="u09"]')).to_have_attribute("data-state", "late")
    expect(wrow.locator('[data-action="report"]')).to_have_count(0)
    assert "u09" in _need(server, need_id)["reports"]


def test_viewer_sees_the_list_without_buttons(console: Console) -> None:
    page = _switch(console, "viewer")
    _go(page, "#/needs?status=open")
    expect(page.locator("#needs-list tbody tr").first).to_be_visible()
    expect(page.locator("#needs-list button[data-action]")).to_have_count(0)
    expect(page.locator('.needs-tabs a[data-view="import"]')).to_have_count(0)
    expect(page.locator('.needs-tabs a[data-view="new"]')).to_have_count(0)
    with console.server.client("committee") as c:
        total = c.get("/needs", params={"status": "open", "limit": 1}).json()["total"]
    expect(page.locator("#needs-list .pager")).to_contain_text(f"共 {total} 条")


def test_import_template_and_a_file_with_two_bad_rows(console: Console, tmp_path: Path) -> None:
    server = console.server
    tag = uuid.uuid4().hex[:8]
    page = _switch(console, "community:c01")
    _go(page, "#/needs?view=import")
    with page.expect_download() as info:
        page.click("#needs-template")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    template = tmp_path / "template.xlsx"
    download.save_as(template)

    # fill the downloaded template: one good row and two bad ones
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    col = {str(h).split()[-1]: i for i, h in enumerate(headers) if h}
    rows = [
        {"title": f"楼下垃圾清运 {tag} 好", "category": "环境整治", "quarter": "2026Q4"},
        {"title": f"坏类别 {tag}", "category": "不存在的类别", "quarter": "2026Q4"},
        {"title": f"坏季度 {tag}", "category": "repair", "quarter": "2026Q9"},
    ]
    first = sheet.max_row + 1
    for n, values in enumerate(rows):
        line = [None] * len(headers)
        for key, value in {**values, "community_id": "c01", "effort": 1}.items():
            line[col[key]] = value
        for i, value in enumerate(line, start=1):
            sheet.cell(row=first + n, column=i, value=value)
    upload = tmp_path / "needs.xlsx"
    book.save(upload)

    page.click("#needs-i-submit")
    expect(page.locator("#needs-i-file-err")).to_have_text("请选择要上传的文件")
    page.set_input_files("#needs-i-file", str(upload))
    page.click("#needs-i-submit")
    rejected = page.locator("#needs-i-rejected")
    expect(rejected).to_contain_text("有 2 行数据有误，未导入任何交办单")
    report = page.locator("#needs-i-errors tbody tr")
    expect(report.first).to_be_visible()
    bad_rows = {report.nth(i).get_attribute("data-row") for i in range(report.count())}
    assert bad_rows == {str(first + 1), str(first + 2)}
    expect(page.locator(f'#needs-i-errors tr[data-row="{first + 1}"]')).to_contain_text("类别")
    expect(page.locator(f'#needs-i-errors tr[data-row="{first + 2}"]')).to_contain_text("季度")
    shot(page, "needs-import-report")
    assert _titled(server, tag) == []  # nothing imported

    # a dry run that skips the bad rows: one would be imported, still nothing written
    page.check("#needs-i-skip")
    page.check("#needs-i-dry")
    page.click("#needs-i-submit")
    expect(page.locator("#needs-i-ok")).to_contain_text("1 行可导入")
    assert _titled(server, tag) == []

    # for real, skipping the bad rows
    page.uncheck("#needs-i-dry")
    page.click("#needs-i-submit")
    expect(page.locator("#needs-i-ok")).to_contain_text("已导入 1 件，跳过有误的 2 行")
    expect(page.locator("#needs-i-errors tbody tr")).to_have_count(report.count())
    imported = _titled(server, tag)
    assert [n["community_id"] for n in imported] == ["c01"]
    assert imported[0]["category"] == "environment"
    shot(page, "needs-import-done")


def test_needs_at_phone_width(console: Console) -> None:
    page = console.page
    page.set_viewport_size({"width": 390, "height": 844})
    _switch(console, "unit:u01")
    _go(page, "#/needs?quarter=2026Q4")
    expect(page.locator("#needs-list tbody tr").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, width
    shot(page, "needs-phone")
    _go(page, "#/needs?view=whistles")
    expect(page.locator("#needs-whistles")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
