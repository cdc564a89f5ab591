"""单位与资源 Units and resources: list and detail, a unit edits its declared resources
(validation next to the fields, nothing sent when invalid), a stale edit (412) explained
and reloaded, read-only for other roles."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Locator, Page, Request, expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, shot


def _resources(server: ApiServer, unit: str = "u01") -> dict[str, Any]:
    with server.client("committee") as c:
        r = c.get(f"/units/{unit}/resources")
        assert r.status_code == 200, r.text
        return r.json()


def _row(page: Page, index: int) -> Locator:
    return page.locator(f'#units-form fieldset[data-row="{index}"]')


def _open_own_unit(console: Console, who: str = "unit:u01") -> Page:
    console.sign_in(who)
    page = console.page
    page.evaluate("location.hash = '#/units'")
    # a unit representative lands on the detail of its own unit
    expect(page.locator("#units-detail-title")).to_contain_text("u01")
    expect(page.locator("#units-resources tbody tr").first).to_be_visible()
    return page


def _puts(page: Page) -> list[Request]:
    sent: list[Request] = []
    page.on(
        "request",
        lambda r: sent.append(r) if r.method == "PUT" and "/resources" in r.url else None,
    )
    return sent


def test_list_filters_pages_and_opens_a_unit(console: Console) -> None:
    console.sign_in("committee")
    console.open("units")
    page = console.page
    expect(page.locator("#h-units")).to_have_text("单位与资源")
    rows = page.locator("#units-list tbody tr")
    expect(rows).to_have_count(10)  # first page of the 20 seed units
    expect(page.locator("#units-list .pager")).to_contain_text("共 20 条")
    page.locator("#units-list .pager button").nth(1).click()
    expect(page.locator('#units-list tr[data-unit="u11"]')).to_be_visible()
    page.select_option("#units-f-type", "school")
    with console.server.client("committee") as c:
        schools = c.get("/units", params={"type": "school"}).json()
    expect(rows).to_have_count(schools["total"])
    page.locator('#units-list a[data-unit="u02"]').click()
    expect(page.locator("#units-detail-title")).to_contain_text("星城小学")
    declared = _resources(console.server, "u02")
    expect(page.locator("#units-resources tbody tr")).to_have_count(len(declared["items"]))
    expect(page.locator("#units-figures")).to_be_visible()
    # the committee may edit any unit's resources
    expect(page.locator("#units-edit")).to_be_visible()
    assert "id=u02" in page.url and "type=school" in page.url
    shot(page, "units-committee-detail")


def test_unit_edits_its_resources_and_sees_them_after_reload(console: Console) -> None:
    page = _open_own_unit(console)
    before = _resources(console.server)
    first = before["items"][0]
    new_capacity = first["capacity"] + 4
    new_name = f"周末读书角 {uuid.uuid4().hex[:6]}"

    page.click("#units-edit")
    expect(_row(page, 0).locator("[name=id]")).to_have_value(first["id"])
    _row(page, 0).locator("[name=capacity]").fill(str(new_capacity))
    page.click("#units-add")
    added = _row(page, len(before["items"]))
    new_id = added.locator("[name=id]").input_value()
    assert new_id.startswith("u01-r")  # suggested, unique within the unit
    added.locator("[name=kind]").select_option("library")
    added.locator("[name=name]").fill(new_name)
    added.locator("[name=capacity]").fill("2")
    added.locator("[name=quarters]").fill("2026Q4")
    added.get_by_label("六", exact=True).check()
    added.get_by_label("日", exact=True).check()
    shot(page, "units-edit-form")
    page.click("#units-save")
    expect(page.locator("#units-resources .notice.ok")).to_contain_text("资源清单已保存")
    expect(page.locator(f'#units-resources tr[data-resource="{new_id}"]')).to_contain_text(new_name)

    page.reload()
    expect(page.locator("#units-detail-title")).to_contain_text("u01")
    row = page.locator(f'#units-resources tr[data-resource="{new_id}"]')
    expect(row).to_contain_text(new_name)
    expect(row).to_contain_text("周六、周日")
    expect(row).to_contain_text("2026Q4")
    expect(page.locator(f'#units-resources tr[data-resource="{first["id"]}"]')).to_contain_text(
        str(new_capacity)
    )
    shot(page, "units-after-save")

    after = {r["id"]: r for r in _resources(console.server)["items"]}
    assert after[first["id"]]["capacity"] == new_capacity
    assert after[new_id]["name"] == new_name
    assert after[new_id]["kind"] == "library"
    assert after[new_id]["weekdays"] == [6, 7]
    assert after[new_id]["quarters"] == ["2026Q4"]
    assert len(after) == len(before["items"]) + 1


def test_validation_messages_next_to_the_fields_and_nothing_sent(console: Console) -> None:
    page = _open_own_unit(console)
    before = _resources(console.server)
    assert len(before["items"]) >= 2
    sent = _puts(page)
    page.click("#units-edit")
    _row(page, 0).locator("[name=name]").fill("   ")
    _row(page, 1).locator("[name=capacity]").fill("-3")
    page.click("#units-save")
    name_field = _row(page, 0).locator('[data-field="name"]')
    expect(name_field.locator(".field-error")).to_have_text("请填写资源名称")
    expect(name_field.locator("input")).to_have_attribute("aria-invalid", "true")
    cap_field = _row(page, 1).locator('[data-field="capacity"]')
    expect(cap_field.locator(".field-error")).to_contain_text("容量应为 0–100000 的整数")
    expect(page.locator("#units-form .units-status")).to_contain_text("有 2 处需要修改")
    # the other fields carry no message
    expect(_row(page, 0).locator('[data-field="capacity"] .field-error')).to_have_text("")
    shot(page, "units-validation")
    assert sent == []
    assert _resources(console.server)["etag"] == before["etag"]

    # a duplicate id passes the form's checks; the server's 422 ("1.id") lands on row 2
    _row(page, 0).locator("[name=name]").fill(before["items"][0]["name"])
    _row(page, 1).locator("[name=capacity]").fill(str(before["items"][1]["capacity"]))
    _row(page, 1).locator("[name=id]").fill(before["items"][0]["id"])
    page.click("#units-save")
    expect(_row(page, 1).locator('[data-field="id"] .field-error')).to_contain_text("重复")
    expect(page.locator("#units-form .units-status")).to_contain_text("服务器未接受")
    assert len(sent) == 1

    # an id of another unit's resource: the server's 409 lands on that id field
    foreign = _resources(console.server, "u02")["items"][0]["id"]
    _row(page, 1).locator("[name=id]").fill(foreign)
    page.click("#units-save")
    expect(_row(page, 1).locator('[data-field="id"] .field-error')).to_have_text(
        "该编号已被其他单位的资源使用，请换一个"
    )
    expect(_row(page, 0).locator('[data-field="id"] .field-error')).to_have_text("")
    assert len(sent) == 2
    assert _resources(console.server)["etag"] == before["etag"]


def test_stale_edit_is_explained_and_the_latest_version_reloads(console: Console) -> None:
    server = console.server
    page = _open_own_unit(console)
    page.click("#units-edit")
    expect(_row(page, 0)).to_be_visible()

    # meanwhile the committee changes u01's resources through the API
    current = _resources(server)
    theirs = f"委员会更新 {uuid.uuid4().hex[:6]}"
    items = [dict(r) for r in current["items"]]
    items[0]["name"] = theirs
    with server.client("committee") as c:
        r = c.put("/units/u01/resources", json=items, headers={"If-Match": current["etag"]})
        assert r.status_code == 200, r.text

    _row(page, 0).locator("[name=capacity]").fill("9")
    page.click("#units-save")
    stale = page.locator("#units-stale")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("资源清单已被他人更新")
    expect(stale).to_contain_text("没有保存您这次的内容")
    shot(page, "units-stale")
    assert _resources(server)["items"][0]["name"] == theirs  # nothing overwritten

    page.click("#units-reload")
    expect(page.locator("#units-form .notice.ok")).to_contain_text("已载入最新版本")
    expect(_row(page, 0).locator("[name=name]")).to_have_value(theirs)
    # the reloaded form saves (it carries the new ETag)
    _row(page, 0).locator("[name=capacity]").fill("9")
    page.click("#units-save")
    expect(page.locator("#units-resources .notice.ok")).to_contain_text("资源清单已保存")
    latest = _resources(server)["items"][0]
    assert latest["name"] == theirs and latest["capacity"] == 9


def test_viewer_and_another_unit_see_no_edit_button(console: Console) -> None:
    page = console.page
    for who in ("viewer", "unit:u02"):
        console.sign_in(who)
        page.evaluate("location.hash = '#/units?id=u01'")
        expect(page.locator("#units-detail-title")).to_contain_text("星城中学")
        expect(page.locator("#units-resources tbody tr").first).to_be_visible()
        expect(page.locator("#units-resources")).to_contain_text("只读")
        expect(page.locator("#units-edit")).to_have_count(0)
        shot(page, f"units-readonly-{who.replace(':', '-')}")
        page.click("#signout")
        expect(page.locator("#token")).to_be_visible()
    # u02 still edits its own
    console.sign_in("unit:u02")
    console.open("units")
    expect(page.locator("#units-detail-title")).to_contain_text("u02")
    expect(page.locator("#units-edit")).to_be_visible()


def test_units_at_phone_width(console: Console) -> None:
    page = console.page
    page.set_viewport_size({"width": 390, "height": 844})
    _open_own_unit(console)
    page.click("#units-edit")
    expect(_row(page, 0)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, width
    shot(page, "units-phone")
