"""服务一张图 in the browser: every community and unit of the 星城 seed drawn, the
coverage table, a click through to a unit, names as text in tooltips; at district
size (units above the point limit) one aggregated point per community; an outline
import round-trips."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from gongjian.graph.embedded import EmbeddedStore
from gongjian.seeds.network import load_network
from gongjian.seeds.suitability import default_suitability
from gongjian.seeds.xingcheng import load_xingcheng
from gongjian.service.map import service as map_service
from tests.web.conftest import Console, shot


def test_the_map_draws_every_community_and_unit(console: Console) -> None:
    console.sign_in("committee")
    console.open("map")
    page = console.page
    chart = page.locator("#map-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    assert chart.get_attribute("data-communities") == "8"
    assert chart.get_attribute("data-points") == "20"
    page.wait_for_function("() => window.__gongjianMap")
    drawn = page.evaluate(
        """() => {
          const o = window.__gongjianMap.getOption();
          return {areas: o.series[0].data.length, units: o.series[1].data.length,
                  labels: o.series[2].data.map(d => d.label)};
        }"""
    )
    assert drawn["areas"] == 8 and drawn["units"] == 20
    assert "第五社区" in drawn["labels"] and "第一社区" in drawn["labels"]
    rows = page.locator("#map-list tbody tr")
    expect(rows).to_have_count(8)
    expect(page.locator("#map-summary")).to_contain_text("8 个社区，20 家单位")
    shot(page, "service-map")

    # a click on a unit's point opens the unit (the point's pixel read once the chart has
    # settled; a click that lands while it still lays out is tried again)
    page.evaluate("document.querySelector('#map-chart').scrollIntoView()")
    for _ in range(5):
        page.wait_for_timeout(300)
        box = page.locator("#map-chart").bounding_box()  # in the viewport, after scrolling
        assert box is not None
        point = page.evaluate(
            """() => {
              const c = window.__gongjianMap;
              const d = c.getOption().series[1].data.find(d => d.name === "u04");
              const [x, y] = c.convertToPixel({geoIndex: 0}, d.value);
              return {x, y};
            }"""
        )
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        try:
            page.wait_for_url("**/#/units*", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    expect(page.locator('section[data-page="units"]')).to_be_visible()
    assert "id=u04" in page.url


def test_at_district_size_units_are_aggregated_per_community(monkeypatch, tmp_path) -> None:
    store = EmbeddedStore(tmp_path / "g.sqlite")
    store.migrate()
    load_network(store, load_xingcheng())
    monkeypatch.setattr(map_service, "POINT_LIMIT", 5)
    fc = map_service.service_map(store=store, table=default_suitability())
    assert fc["meta"]["aggregated"]
    agg = [f for f in fc["features"] if f["properties"]["kind"] == "units"]
    assert sum(f["properties"]["count"] for f in agg) == 20
    assert not [f for f in fc["features"] if f["properties"]["kind"] == "unit"]
    one = map_service.service_map(store=store, table=default_suitability(), community="c03")
    assert not one["meta"]["aggregated"]
    assert {
        f["properties"]["community_id"]
        for f in one["features"]
        if f["properties"]["kind"] == "unit"
    } == {"c03"}
    store.close()


def test_a_unit_places_itself_with_a_click(console: Console) -> None:
    console.sign_in("unit:u09")
    console.open("map")
    page = console.page
    expect(page.locator("#map-chart")).to_have_attribute("data-ready", "1")
    page.wait_for_function("() => window.__gongjianMap")
    # a unit may place only itself
    assert page.eval_on_selector_all("#map-place-unit option", "os => os.map(o => o.value)") == [
        "u09"
    ]
    box = page.locator("#map-chart").bounding_box()
    assert box is not None
    x, y = box["width"] * 0.3, box["height"] * 0.6
    want = page.evaluate(
        f"() => window.__gongjianMap.convertFromPixel({{geoIndex: 0}}, [{x}, {y}])"
    )
    page.click("#map-place-go")
    expect(page.locator("#map-place-hint")).to_contain_text("星城街道城管执法队")
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("#toast")).to_contain_text("已更新")
    with console.server.client("viewer") as c:
        unit = c.get("/units/u09").json()
    assert abs(unit["lon"] - want[0]) < 1e-4 and abs(unit["lat"] - want[1]) < 1e-4
    assert unit["version"] >= 2  # written through the guarded PUT


def test_an_outline_import_round_trips(console: Console, tmp_path) -> None:
    """The committee imports a GeoJSON file on the map page: the chart draws the imported
    outline, and the downloaded outlines are the file's."""
    ring = [[115.966, 39.732], [115.971, 39.732], [115.971, 39.736], [115.966, 39.736]]
    ring.append(ring[0])
    geometry = {"type": "MultiPolygon", "coordinates": [[ring]]}
    upload = tmp_path / "outlines.geojson"
    upload.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"name": "第一社区"}, "geometry": geometry}
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    console.sign_in("committee")
    console.open("map")
    page = console.page
    expect(page.locator("#map-outlines-state")).to_contain_text("推算")
    page.set_input_files("#map-outlines-file", str(upload))
    expect(page.locator("#toast")).to_contain_text("已导入 1 个社区的边界")
    expect(page.locator("#map-outlines-state")).to_contain_text("已导入 1 个社区的边界")
    page.wait_for_function("() => window.__gongjianMap")
    drawn = page.evaluate(
        """() => {
          const c = window.__gongjianMap;
          return echarts.getMap(c.getOption().geo[0].map).geoJSON.features
            .find(f => f.id === "c01").geometry;
        }"""
    )
    assert drawn == geometry
    with page.expect_download() as info:
        page.click("#map-outlines-export")
    exported = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert [f["geometry"] for f in exported["features"]] == [geometry]
    assert exported["features"][0]["properties"] == {"id": "c01", "name": "第一社区"}

    # a file naming an unknown community: the server's Chinese message, nothing changes
    upload.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "<img src=x>社区"},
                        "geometry": geometry,
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    page.set_input_files("#map-outlines-file", str(upload))
    expect(page.locator("#map-outlines-msg")).to_contain_text("<img src=x>社区")
    assert page.locator("#map-outlines-msg img").count() == 0
