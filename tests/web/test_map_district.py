"""服务一张图 at district size in the browser: a store of the synthetic generator's
district (2,000 units in 200 communities, with their coordinates) on one server for
the module. The map draws every community, one aggregated point per community whose
counts add up to every unit, stays responsive, and a click reaches a unit (through
the community it expands)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Unit
from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from tests.api.server import ApiServer, start_api
from tests.web.conftest import console_in, shot

UNITS, NEEDS, ACTIVITIES = 2000, 2000, 40


@pytest.fixture(scope="module")
def district(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ApiServer, Counter[str]]]:
    """The server, and how many units each community has."""
    workdir: Path = tmp_path_factory.mktemp("web-district")
    server = start_api(workdir, "embedded", seed=False, start=False)
    network = generate(UNITS, NEEDS, ACTIVITIES, seed=1)
    store = EmbeddedStore(workdir / "graph.sqlite")
    try:
        store.migrate()
        load_network(store, network)
    finally:
        store.close()
    per_community = Counter(e.community_id for e in network.entities if isinstance(e, Unit))
    server.start()
    yield server, per_community
    server.stop()


def _click_feature(page: Page, series: int, name: str, url: str) -> None:
    """Click the point ``name`` of scatter ``series`` until the page goes to ``url``
    (a click that lands while the chart still lays out is tried again)."""
    page.evaluate("document.querySelector('#map-chart').scrollIntoView()")
    for _ in range(6):
        box = page.locator("#map-chart").bounding_box()
        assert box is not None
        point = page.evaluate(
            """([series, name]) => {
              const c = window.__gongjianMap;
              const d = c.getOption().series[series].data.find(d => d.name === name);
              const [x, y] = c.convertToPixel({geoIndex: 0}, d.value);
              return {x, y};
            }""",
            [series, name],
        )
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        try:
            page.wait_for_url(url, timeout=3000)
            return
        except PlaywrightTimeout:
            page.wait_for_timeout(300)
    raise AssertionError(f"no click reached {name}")


def test_the_district_map_aggregates_and_a_click_reaches_a_unit(
    browser: Browser, district: tuple[ApiServer, Counter[str]]
) -> None:
    server, per_community = district
    with server.client("viewer") as c:
        started = time.monotonic()
        r = c.get("/map")
        seconds = time.monotonic() - started
    assert r.status_code == 200 and r.json()["meta"]["aggregated"]
    assert seconds < 15, seconds  # generous: a shared 2-core CI machine
    with console_in(browser, server) as console:
        console.sign_in("viewer")
        console.open("map")
        page = console.page
        chart = page.locator("#map-chart")
        expect(chart).to_have_attribute("data-ready", "1", timeout=30_000)
        assert chart.get_attribute("data-communities") == str(len(per_community))
        expect(page.locator("#map-summary")).to_contain_text(f"200 个社区，{UNITS} 家单位")
        expect(page.locator("#view .notice").first).to_contain_text("按社区汇总")
        page.wait_for_function("() => window.__gongjianMap")
        drawn = page.evaluate(
            """() => {
              const o = window.__gongjianMap.getOption();
              return {areas: o.series[0].data.map(d => d.name),
                      counts: Object.fromEntries(o.series[1].data.map(
                        d => [d.props.community_id, d.props.count]))};
            }"""
        )
        assert sorted(drawn["areas"]) == sorted(per_community)
        assert drawn["counts"] == dict(per_community)
        # the table under the map: every community, a page of them at a time
        expect(page.locator("#map-list")).to_have_attribute("data-total", str(len(per_community)))
        expect(page.locator("#map-list tbody tr")).to_have_count(20)
        shot(page, "service-map-district")

        # a community's aggregated point expands it; a unit's point opens the unit
        target = sorted(per_community)[len(per_community) // 2]
        _click_feature(page, 1, f"agg-{target}", f"**/#/map?community={target}")
        expect(chart).to_have_attribute("data-points", str(per_community[target]))
        expect(chart).to_have_attribute("data-ready", "1")
        page.wait_for_function(
            "n => window.__gongjianMap && window.__gongjianMap.getOption().series[1].data"
            ".every(d => d.props.kind === 'unit') && "
            "window.__gongjianMap.getOption().series[1].data.length === n",
            arg=per_community[target],
        )
        # the unit farthest from its neighbours on screen (points may touch)
        unit = page.evaluate(
            """() => {
              const c = window.__gongjianMap;
              const px = c.getOption().series[1].data.map(
                d => [d.name, c.convertToPixel({geoIndex: 0}, d.value)]);
              const gap = ([n, p]) => Math.min(...px.filter(([m]) => m !== n)
                .map(([, q]) => Math.hypot(p[0] - q[0], p[1] - q[1])));
              return px.reduce((a, b) => (gap(b) > gap(a) ? b : a))[0];
            }"""
        )
        _click_feature(page, 1, unit, "**/#/units*")
        expect(page.locator('section[data-page="units"]')).to_be_visible()
        assert f"id={unit}" in page.url
