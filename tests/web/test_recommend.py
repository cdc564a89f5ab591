"""推荐 in the console: the recommendation panel of an open need (committee), its 派给
action, and the plan page's 次选 / 未选原因 column — every name put in as text. When no
suitable unit can take an order, the panel says so and marks each last resort 末选."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.api.server import ApiServer, start_api
from tests.api.test_plans import solve
from tests.web.conftest import Console, console_in, shot
from tests.web.test_xss import IMG, SCRIPT, _rename

NEED = "n100"  # 28号楼地下室堆物存在消防隐患: the property company first


def test_the_panel_lists_the_planners_units_and_dispatches(
    console: Console, server: ApiServer
) -> None:
    with server.client("committee") as c:
        need = _rename(c, f"/needs/{NEED}", "title", f"消防隐患{IMG}")
        top = c.get(f"/needs/{NEED}/recommendations").json()["items"]
        _rename(c, f"/units/{top[0]['unit']}", "name", f"物业{SCRIPT}")
        expected = c.get(f"/needs/{NEED}/recommendations").json()["items"]
    assert [r["unit"] for r in expected] == [r["unit"] for r in top]

    console.sign_in("committee")
    page = console.page
    page.evaluate(
        "h => { location.hash = h; }", f"#/needs?status=open&community={need['community_id']}"
    )
    row = page.locator(f'#needs-list tr[data-need="{NEED}"]')
    row.locator('button[data-action="recommend"]').click()
    panel = page.locator("#needs-rec")
    expect(panel).to_be_visible()
    expect(panel.locator("tbody tr")).to_have_count(len(expected))
    # the payloads are text: the title and the unit name read as typed, nothing ran
    expect(panel.locator("#needs-rec-title")).to_contain_text(f"消防隐患{IMG}")
    first = panel.locator("tbody tr").first
    expect(first).to_have_attribute("data-unit", expected[0]["unit"])
    expect(first.locator(".needs-rec-unit")).to_contain_text(f"物业{SCRIPT}")
    assert panel.locator("img, script").count() == 0
    page.wait_for_timeout(400)
    assert page.evaluate("window.__xss") is None, "a payload ran as script"
    # rows in the planner's order, with the fit parts in Chinese and what is left
    units = panel.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.unit)")
    assert units == [r["unit"] for r in expected]
    parts = first.locator(".needs-rec-parts li").all_text_contents()
    assert parts[0].startswith("适配度") and any(p.startswith("距离") for p in parts)
    r0 = expected[0]
    expect(first.locator(".needs-rec-room")).to_contain_text(
        f"剩 {r0['remaining_capacity']} / {r0['capacity']}"
    )
    expect(first.locator(".needs-rec-distance")).to_contain_text("公里")
    # the uses (次) of the need's kind left at each unit whose kind is capped; none otherwise
    capped = [r for r in expected if r["kind_capacity"] is not None]
    assert capped, "the 星城 seed's resources count uses"
    for r in expected:
        cell = panel.locator(f'tbody tr[data-unit="{r["unit"]}"] .needs-rec-uses')
        if r["kind_capacity"] is None:
            expect(cell).to_have_count(0)
        else:
            expect(cell).to_have_text(
                re.compile(rf"\S+ 剩余 {r['remaining_uses']}/{r['kind_capacity']} 次")
            )
            expect(cell).to_have_attribute("data-kind", r["kind"])
    shot(page, "needs-recommend-panel")

    # 派给 claims the need for that unit
    first.locator('button[data-action="dispatch"]').click()
    expect(panel).to_have_count(0)
    deadline = time.monotonic() + 20
    with server.client("committee") as c:
        while (got := c.get(f"/needs/{NEED}").json())["status"] == "open":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert (got["status"], got["claimed_by"]) == ("claimed", expected[0]["unit"])
    # the toast names the order by its title (and number), never its internal id
    expect(page.locator("#toast")).to_contain_text(f"消防隐患{IMG}")
    expect(page.locator("#toast")).not_to_contain_text(NEED)


def test_the_plan_decisions_table_shows_the_runner_up(console: Console, server: ApiServer) -> None:
    with server.client("committee") as c:
        plan_id = solve(c)["id"]  # a finished 2026Q4 plan
        ex = c.get(f"/plans/{plan_id}/explain").json()
    with_ru = [d for d in ex["decisions"] if d["runner_up"]["unit"]]
    assert with_ru

    console.sign_in("committee")
    page = console.page
    page.evaluate("h => { location.hash = h; }", f"#/plans?id={plan_id}")
    table = page.locator("#plans-by-unit")
    expect(table).to_be_visible()
    expect(table.locator("th", has_text="次选 / 未选原因")).to_have_count(1)
    # a carried-over need: its runner-up and reason, and how overdue it is
    d = next(x for x in with_ru if x["overdue_days"])
    page.fill("#plans-filter", d["item"])
    row = table.locator(f'tr[data-item="{d["item"]}"][data-unit="{d["unit"]}"]')
    cell = row.locator(".plans-ru")
    expect(cell).to_contain_text(d["runner_up"]["reason_zh"])
    expect(cell.locator(".plans-ru-unit")).to_have_text(d["runner_up"]["unit_name"])
    expect(cell.locator(".plans-ru-reason")).to_have_attribute(
        "data-reason", d["runner_up"]["reason"]
    )
    expect(row.locator(".plans-carried")).to_have_text(f"逾期 {d['overdue_days']} 天")
    assert table.locator("img, script").count() == 0
    shot(page, "plans-runner-up")


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A server of this test's own: it lowers capacities the other pages' tests count on."""
    server = start_api(tmp_path_factory.mktemp("web-last-resort"), "embedded")
    yield server
    server.stop()


def test_the_panel_marks_last_resorts_when_no_suitable_unit_can_take_it(
    browser: Browser, fresh_server: ApiServer
) -> None:
    with fresh_server.client("committee") as c:
        before = c.get(f"/needs/{NEED}/recommendations", params={"limit": 20}).json()
        for r in before["items"]:  # every suitable unit: capacity below the order's effort
            got = c.get(f"/units/{r['unit']}")
            body = {k: v for k, v in got.json().items() if k != "version"}
            body["capacity"] = before["effort"] - 1
            put = c.put(f"/units/{r['unit']}", json=body, headers={"If-Match": got.headers["etag"]})
            assert put.status_code == 200, put.text
        after = c.get(f"/needs/{NEED}/recommendations").json()["items"]
        community = c.get(f"/needs/{NEED}").json()["community_id"]
    assert after and all(r["last_resort"] for r in after)
    with console_in(browser, fresh_server) as con:
        con.sign_in("committee")
        page = con.page
        page.evaluate("h => { location.hash = h; }", f"#/needs?status=open&community={community}")
        page.locator(f'#needs-list tr[data-need="{NEED}"] button[data-action="recommend"]').click()
        panel = page.locator("#needs-rec")
        expect(panel).to_contain_text("合适的单位都无法承接，以下为末选单位")
        rows = panel.locator("tbody tr")
        expect(rows).to_have_count(len(after))
        for i, r in enumerate(after):
            expect(rows.nth(i)).to_have_attribute("data-unit", r["unit"])
            tag = rows.nth(i).locator(".needs-rec-unit .needs-rec-last")
            expect(tag).to_have_text("末选")
            expect(tag).to_have_attribute("title", re.compile("适配度低于 50"))
        shot(page, "needs-recommend-last-resorts")
