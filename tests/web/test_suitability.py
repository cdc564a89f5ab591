"""适配表 page in headless Chromium: labels from /vocab, the committee edits a cell and
saves (the store keeps it), a stale save (412) is explained, other roles read only, and
text is never markup."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import Console, shot


def _table(console: Console) -> dict[str, Any]:
    with console.server.client("committee") as c:
        r = c.get("/suitability")
        assert r.status_code == 200, r.text
        return r.json()


def _put(console: Console, rows: list[dict[str, Any]], version: int) -> None:
    with console.server.client("committee") as c:
        r = c.put("/suitability", json={"rows": rows}, headers={"If-Match": f'"{version}"'})
        assert r.status_code == 200, r.text


def test_committee_edits_a_cell_and_a_stale_save_is_explained(console: Console) -> None:
    before = _table(console)
    console.sign_in("committee")
    console.open("suitability")
    page = console.page
    expect(page.locator("#h-suitability")).to_have_text("适配表")
    expect(page.locator("#suit-table tbody tr")).to_have_count(len(before["rows"]))
    page.select_option("#suit-f-category", "elevator_fault")
    row = page.locator('#suit-table tr[data-key="elevator_fault|repair|property_company"]')
    # Chinese labels from /vocab, the codes beside them
    expect(row).to_contain_text("电梯故障")
    expect(row).to_contain_text("设施维修")
    expect(row).to_contain_text("物业公司")
    cell = row.locator("input.suit-score")
    expect(cell).to_have_value("100")
    cell.fill("35")
    cell.dispatch_event("change")
    expect(page.locator("#suit-meta")).to_contain_text("未保存")
    page.click("#suit-save")
    expect(page.locator("#toast")).to_contain_text("适配表已保存")
    after = _table(console)
    assert after["version"] == before["version"] + 1
    score = {
        (r["need_category"], r["unit_type"]): r["suitability"]
        for r in after["rows"]
        if r["resource_kind"] == "repair"
    }
    assert score[("elevator_fault", "property_company")] == 35
    # someone else saves meanwhile: our next save is refused and explained
    _put(console, after["rows"], after["version"])
    cell.fill("40")
    cell.dispatch_event("change")
    page.click("#suit-save")
    expect(page.locator("#suit-stale")).to_contain_text("已被他人修改")
    shot(page, "suitability-stale")
    page.click("#suit-reload")
    expect(page.locator("#suit-stale")).to_have_count(0)
    expect(page.locator("#suit-meta")).to_contain_text(f"版本 {after['version'] + 1}")
    _put(console, before["rows"], after["version"] + 1)


def test_other_roles_read_only(console: Console) -> None:
    console.sign_in("unit:u01")
    console.open("suitability")
    page = console.page
    expect(page.locator("#suit-table tbody tr").first).to_be_visible()
    expect(page.locator("#view")).to_contain_text("仅共建委员会可以修改")
    expect(page.locator("#suit-table input")).to_have_count(0)
    expect(page.locator("#suit-save")).to_have_count(0)
    expect(page.locator("#suit-download")).to_be_visible()
    expect(page.locator("section[data-page=suitability]")).not_to_contain_text("null")
    # the page puts values in as text: a crafted category in the URL stays text
    page.evaluate("location.hash = '#/suitability?category=<img src=x onerror=alert(1)>'")
    expect(page.locator("#h-suitability")).to_be_visible()
    expect(page.locator("#view img")).to_have_count(0)
