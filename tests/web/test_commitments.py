"""清单 in the browser: a unit lists its commitments for the year (hostile text stays
text), checks them at mid-year against the data, and downloads the year-end report;
another role reads the list but gets no editor."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import expect

from tests.web.conftest import Console, shot

HOSTILE = "<img src=x onerror=alert(1)>=1+1"


def test_a_unit_lists_checks_and_reports_its_commitments(console: Console) -> None:
    console.sign_in("unit:u01")
    console.open("commitments")
    page = console.page
    # a unit is on its own list; the current year is the seed's
    expect(page.locator("#k-owner")).to_have_value("u01")
    expect(page.locator("#k-year")).to_have_value("2026")
    expect(page.locator("#k-list")).to_contain_text("还没有列承诺事项")
    page.click("#k-add")
    page.click("#k-add")
    rows = page.locator("#k-list tbody tr")
    expect(rows).to_have_count(2)
    rows.nth(0).locator(".k-title").fill(HOSTILE)
    rows.nth(0).locator(".k-measure").select_option("orders_resolved")
    rows.nth(0).locator(".k-target").fill("3")
    rows.nth(0).locator(".k-due").select_option("6")
    rows.nth(1).locator(".k-title").fill("党员积分")
    rows.nth(1).locator(".k-measure").select_option("member_points")
    rows.nth(1).locator(".k-target").fill("0")  # refused in the page, nothing sent
    page.click("#k-save")
    expect(page.locator("#k-msg")).to_contain_text("目标为 1 以上")
    rows.nth(1).locator(".k-target").fill("200")
    page.click("#k-save")
    expect(page.locator("#toast")).to_contain_text("清单已保存（版本 1）")
    expect(page.locator("#k-list tbody tr")).to_have_count(2)
    expect(page.locator("#k-list tbody tr").nth(0).locator(".k-title")).to_have_value(HOSTILE)
    assert page.locator("#view img").count() == 0
    with console.server.client("viewer") as c:
        stored = c.get("/commitments/unit/u01/2026").json()
        figures = c.get("/commitments/unit/u01/2026/progress").json()["figures"]
    assert [(i["title"], i["measure"], i["target"], i["due_month"]) for i in stored["items"]] == [
        (HOSTILE, "orders_resolved", 3, 6),
        ("党员积分", "member_points", 200, 12),
    ]

    page.click("#k-tab-check")
    progress = page.locator("#k-progress tbody tr")
    expect(progress).to_have_count(2)
    expect(progress.nth(0)).to_contain_text(HOSTILE)
    expect(progress.nth(0).locator(".k-actual")).to_have_text(f"{figures['orders_resolved']:g}")
    expect(page.locator('[data-figure="points"]')).to_have_text(str(figures["member_points"]))
    shot(page, "commitments-check")

    page.click("#k-tab-report")
    with page.expect_download() as info:
        page.click("#k-xlsx")
    assert info.value.suggested_filename == "述清单-u01-2026.xlsx"
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["述清单"]
    cells = {r[0].value: r[3].value for r in ws.iter_rows(min_row=5, max_row=12)}
    assert cells["办结交办单（件）"] == str(figures["orders_resolved"])
    with page.expect_download() as info:
        page.click("#k-pdf")
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")


def test_other_roles_read_without_an_editor(console: Console) -> None:
    console.sign_in("community:c01")
    page = console.page
    page.goto(console.server.base_url + "/#/commitments?tab=plan&kind=unit&id=u02&year=2026")
    expect(page.locator("#k-owner")).to_have_value("u02")
    expect(page.locator("#k-body")).to_contain_text("不能修改")
    assert page.locator("#k-save").count() == 0
    # its own community's list is editable
    page.select_option("#k-kind", "community")
    expect(page.locator("#k-owner")).to_have_value("c01")
    expect(page.locator("#k-save")).to_be_visible()
