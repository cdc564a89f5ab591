"""No script from data: names and titles holding markup are shown as text on every page.

A unit, a community, a need and an activity are renamed to XSS payloads; the committee
then visits every page (the dashboard and the plan page with their load-chart tooltips
shown for every bar, by the mouse and through ECharts itself) and the payload must never
run (``window.__xss`` stays undefined) and must be shown literally.

The city page (全市计划, the city role's) on a city of two sub-districts whose names (and
some of whose units' names) are payloads: a city run's table and its chart's tooltips
show them as text, and no element of theirs is injected.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from gongjian.graph.model import Subdistrict, Unit
from gongjian.seeds.city import city_network, generate_city
from gongjian.seeds.network import load_network
from tests.api.server import ApiServer, start_api
from tests.web.conftest import Console, console_in, shot

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
QUARTER = "2026Q4"

# Every tooltip of every chart on the page: ECharts renders the formatter's HTML for
# each data index. Returns the tooltips' text.
SHOW_EVERY_TOOLTIP = """async () => {
  const texts = [];
  for (const el of document.querySelectorAll("[_echarts_instance_]")) {
    const inst = window.echarts.getInstanceByDom(el);
    if (!inst) continue;
    const series = inst.getOption().series || [];
    for (let s = 0; s < series.length; s += 1) {
      const n = (series[s].data || []).length;
      for (let i = 0; i < n; i += 1) {
        inst.dispatchAction({ type: "showTip", seriesIndex: s, dataIndex: i });
        await new Promise((r) => setTimeout(r, 0));
        texts.push(el.textContent);
      }
    }
    inst.dispatchAction({ type: "hideTip" });
  }
  return texts.join("\\n");
}"""


def _rename(c: httpx.Client, path: str, field: str, value: str) -> dict[str, Any]:
    got = c.get(path)
    body = got.json()
    body[field] = value
    r = c.put(path, json=body, headers={"If-Match": got.headers["etag"]})
    assert r.status_code == 200, r.text
    return body


@pytest.fixture(scope="module")
def planted(server: ApiServer) -> dict[str, str]:
    """The ids whose names now hold payloads, and a finished plan of the quarter."""
    with server.client("committee") as c:
        need = c.get("/needs", params={"quarter": QUARTER, "limit": 1}).json()["items"][0]
        activity = c.get("/activities", params={"quarter": QUARTER, "limit": 1}).json()["items"][0]
        _rename(c, "/units/u01", "name", f"单位{IMG}")
        _rename(c, "/units/u02", "name", f"单位{SCRIPT}")
        _rename(c, "/communities/c01", "name", f"社区{SCRIPT}")
        _rename(c, "/communities/c02", "name", f"社区{IMG}")
        _rename(c, f"/needs/{need['id']}", "title", f"诉求{IMG}")
        _rename(c, f"/activities/{activity['id']}", "title", f"活动{SCRIPT}")
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": 5})
        assert r.status_code == 202, r.text
        plan_id = r.json()["id"]
        deadline = time.monotonic() + 120
        while c.get(f"/plans/{plan_id}").json()["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, "plan still running"
            time.sleep(0.2)
    return {"need": need["id"], "activity": activity["id"], "plan": plan_id}


def _no_script_ran(page: Page) -> None:
    # an <img> error handler runs once its request has failed: give it the time
    page.wait_for_timeout(400)
    assert page.evaluate("window.__xss") is None, "a payload ran as script"


def _text(page: Page) -> str:
    return page.evaluate("document.body.textContent")


def _hover_charts(page: Page, selector: str) -> str:
    """Move the mouse over every chart of ``selector``, then show every tooltip; their text."""
    charts = page.locator(selector)
    expect(charts.first).to_have_attribute("data-ready", "1")
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None
        for step in range(1, 10):
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * step / 10)
            page.wait_for_timeout(30)
    return page.evaluate(SHOW_EVERY_TOOLTIP)


def test_payloads_are_text_on_every_page(console: Console, planted: dict[str, str]) -> None:
    console.sign_in("committee")
    page = console.page

    # dashboard: the unit-load chart's tooltip names every unit
    expect(page.locator('section[data-page="dashboard"] [data-chart="load"]')).to_be_visible()
    tips = _hover_charts(page, 'section[data-page="dashboard"] .chart')
    _no_script_ran(page)
    assert f"单位{IMG}" in tips and f"单位{SCRIPT}" in tips
    shot(page, "xss-dashboard")

    # units: the list and the unit's own page
    console.open("units")
    expect(page.locator('#units-list tr[data-unit="u01"]')).to_contain_text(f"单位{IMG}")
    page.locator('#units-list a[data-unit="u02"]').click()
    expect(page.locator("#units-detail-title")).to_contain_text(f"单位{SCRIPT}")
    _no_script_ran(page)

    # needs: the list shows the title and the communities' names as text
    need = console.server.client("viewer").get(f"/needs/{planted['need']}").json()
    page.goto(
        f"{console.server.base_url}/#/needs?quarter={QUARTER}"
        f"&community={need['community_id']}&status={need['status']}"
    )
    expect(page.locator(f'#needs-list tr[data-need="{planted["need"]}"]')).to_contain_text(
        f"诉求{IMG}"
    )
    # the community picker (a type-ahead over /communities) lists the names as text
    page.fill("#needs-f-community", "社区<")
    options = page.locator("#needs-f-community-list")
    expect(options).to_contain_text(f"社区{SCRIPT}")
    expect(options).to_contain_text(f"社区{IMG}")
    _no_script_ran(page)
    _no_script_ran(page)
    page.click('.needs-tabs a[data-view="whistles"]')
    expect(page.locator('.needs-body[data-view="whistles"]')).to_be_visible()
    _no_script_ran(page)

    # plans: the plan's decisions by unit and its load chart
    page.goto(f"{console.server.base_url}/#/plans?quarter={QUARTER}&id={planted['plan']}")
    expect(page.locator("#plans-current-id")).to_have_attribute("data-plan-id", planted["plan"])
    expect(page.locator("#plans-by-unit tr[data-item]").first).to_be_visible()
    tips = _hover_charts(page, "#plans-load-chart")
    _no_script_ran(page)
    assert f"单位{IMG}" in tips and f"单位{SCRIPT}" in tips
    assert f"单位{IMG}" in _text(page)
    page.click("#plans-tab-activity")
    expect(page.locator("#plans-by-activity")).to_be_visible()
    _no_script_ran(page)
    shot(page, "xss-plans")

    # network: node tooltips (names) and the lists beside the graph
    console.open("network")
    expect(page.locator("#network-summary")).not_to_be_empty()
    tips = _hover_charts(page, 'section[data-page="network"] [_echarts_instance_]')
    _no_script_ran(page)
    assert f"社区{SCRIPT}" in tips or f"社区{SCRIPT}" in _text(page)
    assert f"单位{IMG}" in _text(page)

    # activities: the calendar chip and the activity's details
    console.open("activities")
    chip = page.locator(f'#activities-calendar [data-activity="{planted["activity"]}"]').first
    expect(chip).to_contain_text(f"活动{SCRIPT}")
    chip.click()
    _no_script_ran(page)
    assert f"活动{SCRIPT}" in _text(page)
    shot(page, "xss-activities")

    # my to-do: order titles, community and unit names in the section tables
    page.goto(f"{console.server.base_url}/#/todo")
    expect(page.locator('section[data-page="todo"] [data-section]').first).to_be_visible()
    _no_script_ran(page)
    assert f"社区{SCRIPT}" in _text(page) or f"社区{IMG}" in _text(page)
    shot(page, "xss-todo")

    # the service map: community and unit names in the tooltips and the table
    page.goto(f"{console.server.base_url}/#/map")
    expect(page.locator("#map-list")).to_contain_text(f"社区{SCRIPT}")
    _hover_charts(page, "#map-chart")
    _no_script_ran(page)
    assert f"社区{IMG}" in _text(page)
    shot(page, "xss-map")


# --------------------------------------------------------------------------- the city page
CITY_QUARTER = "2027Q2"
#: the sub-districts' hostile names, by code
CITY_NAMES = {"SD01": f"街道{IMG}", "SD02": f"街道{SCRIPT}"}

#: elements a payload would inject: its <img>, or a <script> of its text
INJECTED = """() => [...document.querySelectorAll('img[src="x"], script')]
  .filter((e) => e.tagName === "IMG" || e.textContent.includes("__xss")).length"""


@pytest.fixture(scope="module")
def city_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A city of two tiny sub-districts named by payloads, a unit of each too."""
    server = start_api(tmp_path_factory.mktemp("web-xss-city"), "embedded", start=False)
    store = server.open_store()
    try:
        load_network(store, city_network(generate_city(2, 12, 24, 2, seed=7, quarter=CITY_QUARTER)))
        for code, name in CITY_NAMES.items():
            store.upsert(Subdistrict(id=code, name=name))
            unit = store.list(Unit, filters={"subdistrict": code}, limit=1)[0]
            store.upsert(unit.model_copy(update={"name": f"单位{SCRIPT}{IMG}"}))
    finally:
        store.close()
    server.start()
    yield server
    server.stop()


def test_payloads_are_text_on_the_city_page(browser: Browser, city_server: ApiServer) -> None:
    with city_server.client("city") as c:
        r = c.post("/plans/city", json={"quarter": CITY_QUARTER, "time_limit": 8})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
    with console_in(browser, city_server) as console:
        console.sign_in("city")
        page = console.page
        page.goto(f"{city_server.base_url}/#/city/{run_id}")
        expect(page.locator('#city-run-card[data-finished="1"]')).to_be_visible(timeout=60_000)
        for code, name in CITY_NAMES.items():
            row = page.locator(f'#city-table tr[data-subdistrict="{code}"]')
            expect(row.locator("td").first).to_have_text(name)  # the payload, literally
            expect(row).to_contain_text("已完成")
        expect(page.locator('#city-chart[data-ready="1"]')).to_be_visible()
        tips = _hover_charts(page, "#city-chart")
        _no_script_ran(page)
        for name in CITY_NAMES.values():
            assert name in tips, tips
        assert page.evaluate(INJECTED) == 0
        shot(page, "xss-city")
