"""交办单详情 in the console (issue 13): one order's page `#/needs/{id}` — its number,
fields masked per role as the API sends them, the countdown, the photos and the
timeline of its steps; the step dialogs; the new-order form's complainant, source and
quarter picker. Every name is put in as text."""

from __future__ import annotations

import struct
import time
import uuid
import zlib
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.api.attack import create_need
from tests.api.server import ApiServer
from tests.web.conftest import Console, shot

HOSTILE = "<img src=x onerror=alert(1)>"
PERSON = {
    "complainant_name": "张三丰",
    "complainant_phone": "13812345678",
    "address": "幸福路12号3栋201室",
    "source": "hotline",
    "source_no": "12345-0001",
}


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x20\x80\x20" * 8 for _ in range(6))
    head = struct.pack(">IIBBBBB", 8, 6, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _order(c: httpx.Client, **extra: Any) -> dict[str, Any]:
    fields = {"title": f"楼道灯不亮 {uuid.uuid4().hex[:4]}", "due": "2026-12-20", **PERSON}
    return create_need(c, "c01", f"nd-{uuid.uuid4().hex[:10]}", **{**fields, **extra})


def _open(page: Page, need_id: str) -> None:
    page.evaluate("h => { location.hash = h; }", f"#/needs/{need_id}")
    expect(page.locator(f'#nd-head[data-need="{need_id}"]')).to_be_visible()


def _step(page: Page, key: str, fill: dict[str, str] | None = None) -> None:
    """Press a step button on the detail page, fill its dialog, confirm; wait for the toast."""
    page.click(f'#nd-steps button[data-step="{key}"]')
    dialog = page.locator("dialog.needs-dialog")
    expect(dialog).to_be_visible()
    for selector, value in (fill or {}).items():
        el = dialog.locator(selector)
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(value)
        else:
            el.fill(value)
    dialog.locator("#needs-dlg-ok").click()
    expect(dialog).to_have_count(0)


def test_a_unit_sees_the_complainant_masked_and_a_hostile_name_is_text(
    console: Console, server: ApiServer
) -> None:
    with server.client("committee") as c:
        need = _order(c, complainant_name=HOSTILE)
    dialogs: list[str] = []
    page = console.sign_in("committee").page
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open(page, need["id"])
    people = page.locator("#nd-people")
    expect(people.locator('[data-field="complainant_name"]')).to_have_text(HOSTILE)
    expect(people.locator('[data-field="complainant_phone"]')).to_have_text("13812345678")
    expect(people.locator('[data-field="source"]')).to_contain_text("12345")
    assert page.locator("#nd-people img, #nd-title img").count() == 0
    if need.get("number"):
        expect(page.locator("#nd-number")).to_have_text(need["number"])
    expect(page.locator("#nd-countdown")).to_contain_text("天")
    page.click("#signout")
    expect(page.locator("#token")).to_be_visible()

    console.sign_in("unit:u01")
    _open(page, need["id"])
    expect(people.locator('[data-field="complainant_phone"]')).to_have_text("138****5678")
    expect(people.locator('[data-field="address"]')).to_have_text("幸福路****")
    expect(page.locator("#nd-masked")).to_be_visible()
    assert "13812345678" not in page.content()
    assert "幸福路12号" not in page.content()
    expect(page.locator('#nd-steps button[data-step="claim"]')).to_be_visible()
    expect(page.locator('#nd-steps button[data-step="dispatch"]')).to_have_count(0)
    shot(page, "need-detail-unit")
    page.wait_for_timeout(300)
    assert dialogs == [], dialogs  # nothing ran


def test_the_new_order_form_takes_the_complainant_and_a_picked_quarter(
    console: Console, server: ApiServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    page = console.sign_in("community:c01").page
    page.evaluate("h => { location.hash = h; }", "#/needs?view=new")
    form = page.locator("#needs-new")
    expect(form).to_be_visible()
    quarters = page.locator("#needs-n-quarter option").evaluate_all("os => os.map(o => o.value)")
    assert quarters == ["2026Q4", "2027Q1", "2027Q2"], quarters
    page.fill("#needs-n-title", f"路灯不亮 {tag}")
    page.select_option("#needs-n-category", "repair")
    page.select_option("#needs-n-quarter", "2027Q1")
    page.fill("#needs-n-complainant", "李四")
    page.fill("#needs-n-phone", "=1+1")
    page.fill("#needs-n-address", "幸福路8号")
    page.select_option("#needs-n-source", "grid")
    page.fill("#needs-n-source-no", "WG-77")
    page.click("#needs-n-submit")
    expect(form.locator("#needs-n-phone-err")).not_to_be_empty()  # checked before sending
    page.fill("#needs-n-phone", "139 1234 5678")
    page.click("#needs-n-submit")
    expect(page.locator("#needs-list tr.needs-created")).to_be_visible()
    with server.client("committee") as c:
        items = c.get("/needs", params={"community_id": "c01", "quarter": "2027Q1"}).json()
    [need] = [n for n in items["items"] if tag in n["title"]]
    assert need["quarter"] == "2027Q1"
    assert (need["complainant_name"], need["complainant_phone"]) == ("李四", "139 1234 5678")
    assert (need["address"], need["source"], need["source_no"]) == ("幸福路8号", "grid", "WG-77")


def _wait_status(server: ApiServer, need_id: str, status: str) -> dict[str, Any]:
    with server.client("committee") as c:
        for _ in range(200):
            got = c.get(f"/needs/{need_id}").json()
            if got["status"] == status:
                return got
            time.sleep(0.05)
    raise AssertionError(f"{need_id} never became {status}: {got['status']}")


def test_the_timeline_of_dispatch_return_claim_dispatch_resolve_and_the_photos(
    console: Console, server: ApiServer
) -> None:
    with server.client("committee") as c:
        need = _order(c)
        nid = need["id"]
        units = {
            u["id"]: u["name"] for u in c.get("/units", params={"limit": 1000}).json()["items"]
        }
        r = c.post(f"/needs/{nid}/dispatch", json={"unit_id": "u02", "override": True})
        assert r.status_code == 200, r.text
    with server.client("unit:u02") as u02:
        r = u02.post(f"/needs/{nid}/return", json={"reason": "不属于本单位职责"})
        assert r.status_code == 200, r.text
    with server.client("unit:u01") as u01:
        assert u01.post(f"/needs/{nid}/claim").status_code == 200

    # the committee reassigns it, picking the unit by typing its name
    page = console.sign_in("committee").page
    _open(page, nid)
    expect(page.locator("#nd-timeline li")).to_have_count(4)  # created … claimed
    page.click('#nd-steps button[data-step="dispatch"]')
    dialog = page.locator("dialog.needs-dialog")
    page.fill("#nd-d-unit", "没有这个单位")
    page.click("#needs-dlg-ok")
    expect(dialog.locator("#nd-d-unit-err")).to_have_text("请从列表中选择一个单位")
    page.fill("#nd-d-unit", f"{units['u09']} (u09)")
    page.fill("#nd-d-note", "城管执法更合适")
    page.check("#nd-d-override")
    page.click("#needs-dlg-ok")
    expect(dialog).to_have_count(0)
    toast = page.locator("#toast")
    expect(toast).to_contain_text(need["title"])
    expect(toast).not_to_contain_text(nid)
    expect(page.locator('#nd-people [data-field="complainant_phone"]')).to_have_text("13812345678")
    _wait_status(server, nid, "claimed")
    page.click("#signout")
    expect(page.locator("#token")).to_be_visible()

    # u09 starts and resolves it with a note and a photo
    console.sign_in("unit:u09")
    _open(page, nid)
    expect(page.locator('#nd-people [data-field="complainant_phone"]')).to_have_text("138****5678")
    _step(page, "start")
    expect(page.locator("#nd-head")).to_have_attribute("data-status", "in_progress")
    page.click('#nd-steps button[data-step="resolve"]')
    page.click("#needs-dlg-ok")
    expect(page.locator("#nd-d-resolution-err")).to_have_text("必填")
    page.fill("#nd-d-resolution", "已更换灯泡 <b>并测试</b>")
    page.set_input_files(
        "#nd-d-photos", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.click("#needs-dlg-ok")
    expect(page.locator("dialog.needs-dialog")).to_have_count(0)
    expect(page.locator("#nd-head")).to_have_attribute("data-status", "resolved")
    img = page.locator("#nd-photo-grid img")
    expect(img).to_have_count(1)
    page.wait_for_function("() => document.querySelector('#nd-photo-grid img').naturalWidth === 8")
    expect(page.locator('#nd-fields [data-field="resolution_note"]')).to_have_text(
        "已更换灯泡 <b>并测试</b>"
    )
    actions = page.locator("#nd-timeline li").evaluate_all("ls => ls.map(l => l.dataset.action)")
    assert actions == [
        "created",
        "dispatched",
        "returned",
        "claimed",
        "dispatched",
        "started",
        "resolved",
    ]
    timeline = page.locator("#nd-timeline")
    expect(timeline.locator('li[data-action="returned"]')).to_contain_text("不属于本单位职责")
    reassigned = timeline.locator('li[data-action="dispatched"]').nth(1)
    expect(reassigned).to_contain_text(units["u09"])
    expect(reassigned).to_contain_text("城管执法更合适")
    expect(timeline.locator('li[data-action="resolved"] .nd-tl-action')).to_have_text("办结")
    shot(page, "need-detail-resolved")
    done = _wait_status(server, nid, "resolved")
    assert done["resolution_note"] == "已更换灯泡 <b>并测试</b>" and len(done["photos"]) == 1


def test_the_committee_decides_an_extension_from_its_to_do_list(
    console: Console, server: ApiServer
) -> None:
    with server.client("committee") as c:
        need = _order(c)
    nid = need["id"]
    with server.client("unit:u01") as u01:
        assert u01.post(f"/needs/{nid}/claim").status_code == 200
        r = u01.post(f"/needs/{nid}/extension", json={"due": "2027-01-10", "reason": "等零件到货"})
        assert r.status_code == 200, r.text
    page = console.sign_in("committee").page
    console.open("todo")
    card = page.locator('[data-section="extensions"]')
    expect(card.locator("h2")).to_contain_text("待审批延期")
    row = card.locator("tbody tr", has_text=need["number"])
    expect(row).to_contain_text(need["title"])
    row.locator("a.button").click()
    expect(page.locator(f'#nd-head[data-need="{nid}"]')).to_be_visible()
    expect(page.locator('#nd-fields [data-field="extension"]')).to_contain_text("2027-01-10")
    _step(page, "approve", {"#nd-d-note": "同意延期"})
    expect(page.locator("#toast")).to_contain_text(need["number"])
    expect(page.locator('#nd-fields [data-field="due"]')).to_have_text("2027-01-10")
    expect(page.locator('#nd-fields [data-field="extension"]')).to_contain_text("已批准")
    expect(page.locator('#nd-timeline li[data-action="extension_approved"]')).to_contain_text(
        "同意延期"
    )
    expect(page.locator('#nd-steps button[data-step="approve"]')).to_have_count(0)
    # 督办 wants its note; the deadline comes filled in (three days ahead, 18:00)
    page.click('#nd-steps button[data-step="supervise"]')
    page.click("#needs-dlg-ok")
    expect(page.locator("#nd-d-note-err")).to_have_text("必填")
    page.fill("#nd-d-note", "本周内办结")
    page.click("#needs-dlg-ok")
    expect(page.locator("dialog.needs-dialog")).to_have_count(0)
    expect(page.locator('#nd-timeline li[data-action="supervised"]')).to_contain_text("本周内办结")
    expect(page.locator('#nd-fields [data-field="supervised"]')).to_contain_text("督办中")
