"""The work-order list for daily use in the browser (星城 seed, the module's server):
search as you type, sort by a column header both ways, the pager (页码, 每页 N 条, 共 N
条), the community type-ahead filter, and 导出台账 downloading exactly the filtered list."""

from __future__ import annotations

import uuid
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, pick, shot

QUARTER = "2031Q2"
TAG = uuid.uuid4().hex[:6]
N = 25


@pytest.fixture(scope="module")
def needs(server: ApiServer) -> list[dict[str, Any]]:
    """25 open needs of the module's quarter, 3 of them about 路灯 (street lights)."""
    out = []
    with server.client("committee") as c:
        for i in range(N):
            title = f"路灯不亮 {TAG} {i:02d}" if i % 10 == 3 else f"其他事项 {TAG} {i:02d}"
            body = {
                "id": f"wl-{TAG}-{i:02d}",
                "title": title,
                "category": "repair",
                "community_id": "c01" if i % 2 else "c02",
                "quarter": QUARTER,
                "due": f"2031-05-{1 + (i * 7) % 28:02d}",
                "priority": 1 + i % 5,
            }
            r = c.post("/needs", json=body)
            assert r.status_code == 201, r.text
            out.append(r.json())
    return out


def _rows(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "#needs-list tbody tr[data-need]", "rs => rs.map(r => r.dataset.need)"
    )


def _loaded(page: Page, count: int) -> None:
    expect(page.locator("#needs-list tbody tr[data-need]")).to_have_count(count)
    expect(page.locator("#needs-list")).not_to_have_attribute("aria-busy", "true")


def test_search_sort_page_and_ledger(
    console: Console, needs: list[dict[str, Any]], tmp_path: Any
) -> None:
    console.sign_in("committee")
    page = console.page
    page.evaluate("h => { location.hash = h; }", f"#/needs?quarter={QUARTER}")
    _loaded(page, 20)
    pager = page.locator("#needs-pager")
    expect(pager).to_contain_text(f"共 {N} 条")
    expect(pager).to_contain_text("共 2 页")
    expect(page.locator("#needs-page")).to_have_value("1")
    # next page, then 50 a page
    page.click("#needs-next")
    _loaded(page, N - 20)
    expect(page.locator("#needs-page")).to_have_value("2")
    page.select_option("#needs-size", "50")
    _loaded(page, N)
    assert "size=50" in page.url

    # sort by 截止日期 (due): ascending first, then descending on a second click
    due_header = page.locator('#needs-list th button[data-sort="due"]')
    due_header.click()
    expect(page.locator('#needs-list th[aria-sort="ascending"]')).to_have_count(1)
    by_due = sorted(needs, key=lambda n: (n["due"], n["id"]))
    expect(page.locator("#needs-list tbody tr[data-need]").first).to_have_attribute(
        "data-need", by_due[0]["id"]
    )
    assert _rows(page) == [n["id"] for n in by_due]
    page.locator('#needs-list th button[data-sort="due"]').click()
    expect(page.locator('#needs-list th[aria-sort="descending"]')).to_have_count(1)
    expect(page.locator("#needs-list tbody tr[data-need]").first).to_have_attribute(
        "data-need", by_due[-1]["id"]
    )
    assert "sort=due" in page.url and "order=desc" in page.url

    # search as you type: 路灯 matches three
    page.fill("#needs-q", f"路灯不亮 {TAG}")
    _loaded(page, 3)
    expect(pager).to_contain_text("共 3 条")
    assert "q=" in page.url
    lights = sorted(
        (n for n in needs if "路灯" in n["title"]), key=lambda n: (n["due"], n["id"]), reverse=True
    )
    assert _rows(page) == [n["id"] for n in lights]

    # the community filter is a type-ahead over /communities
    pick(page, "#needs-f-community", "第二", "c02")
    want = [n["id"] for n in lights if n["community_id"] == "c02"]
    _loaded(page, len(want))
    assert _rows(page) == want
    shot(page, "needs-list-search-sort")

    # 导出台账: exactly the filtered list, in its order
    with page.expect_download() as dl:
        page.click("#needs-ledger")
    path = tmp_path / "ledger.xlsx"
    dl.value.save_as(path)
    assert dl.value.suggested_filename.startswith("民情交办单台账")
    sheet = openpyxl.load_workbook(path).active
    head = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "编号")
    titles = [row[1] for row in sheet.iter_rows(min_row=head + 1, values_only=True)]
    by_id = {n["id"]: n["title"] for n in needs}
    assert titles == [by_id[i] for i in want]
    assert "社区 第二社区" in str(sheet.cell(2, 1).value)
    expect(page.locator("#toast")).to_contain_text("已导出台账")
