"""共建网络 in the browser: the graph renders the API's nodes, expands, filters, shows gaps."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, shot

QUARTER = "2026Q4"
OPTION = "() => echarts.getInstanceByDom(document.getElementById('network-chart')).getOption()"


# the pairs of nodes whose symbols meet, and the nodes outside the chart, as drawn (pixels)
OVERLAPS = """() => {
  const el = document.getElementById('network-chart');
  const inst = echarts.getInstanceByDom(el);
  const data = inst.getModel().getSeriesByIndex(0).getData();
  const nodes = [];
  for (let i = 0; i < data.count(); i++) {
    const [x, y] = inst.convertToPixel({ seriesIndex: 0 }, data.getItemLayout(i));
    const size = data.getItemVisual(i, 'symbolSize');
    nodes.push({ name: data.getName(i), x, y, r: (Array.isArray(size) ? Math.max(...size) : size) / 2 });
  }
  const meet = [];
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i], b = nodes[j];
      if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r) meet.push([a.name, b.name]);
    }
  const w = el.clientWidth, h = el.clientHeight;
  const outside = nodes.filter((n) => n.x - n.r < 0 || n.y - n.r < 0 || n.x + n.r > w || n.y + n.r > h);
  return { nodes: nodes.length, meet, outside: outside.map((n) => n.name), least: Math.min(...nodes.map((n) => n.r)) };
}"""


def node_overlaps(page: Page) -> dict[str, Any]:
    """Pairs of graph nodes drawn over each other, nodes outside the chart, node count."""
    return page.evaluate(OVERLAPS)


def _nodes(page: Page) -> list[dict[str, Any]]:
    """The graph series' nodes as the ECharts instance holds them."""
    return page.evaluate(f"() => ({OPTION})().series[0].data")


def _wait_nodes(page: Page, at_least: int) -> None:
    page.wait_for_function(
        f"n => {{ try {{ return ({OPTION})().series[0].data.length >= n; }}"
        " catch (e) { return false; } }",
        arg=at_least,
    )


def _wait_exactly(page: Page, keys: set[str]) -> None:
    """Wait until the graph shows exactly the nodes ``keys``."""
    page.wait_for_function(
        f"ks => {{ try {{ const names = ({OPTION})().series[0].data.map(d => d.name);"
        " return names.length === ks.length && ks.every(k => names.includes(k)); }"
        " catch (e) { return false; } }",
        arg=sorted(keys),
    )


def _choose_start(page: Page, key: str, hops: int) -> None:
    page.select_option("#network-hops", str(hops))
    page.select_option("#network-start", key)
    page.wait_for_function(
        f"k => {{ try {{ return ({OPTION})().series[0].data.some(d => d.name === k); }}"
        " catch (e) { return false; } }",
        arg=key,
    )


def test_graph_renders_the_api_nodes_and_expands(console: Console, server: ApiServer) -> None:
    api = server.client("committee")
    console.sign_in("committee")
    console.open("network")
    page = console.page
    # the default view: the first community, two hops
    start = api.get("/network/communities/c01", params={"hops": 2}).json()
    _wait_nodes(page, len(start["nodes"]))
    shown = {n["name"] for n in _nodes(page)}
    assert shown >= {n["key"] for n in start["nodes"]}
    expect(page.locator("#network-summary")).to_contain_text(f"节点 {len(shown)} 个")
    expect(page.locator("#network-central-table tbody tr")).to_have_count(10)
    shot(page, "network-default")

    # from one unit, one hop; then expand a neighbour whose own network adds nodes
    net = api.get("/network/units/u01", params={"hops": 1}).json()
    keys = {n["key"] for n in net["nodes"]}
    _choose_start(page, "Unit:u01", 1)
    _wait_exactly(page, keys)
    categories = {n["name"]: n["category"] for n in _nodes(page)}
    for n in net["nodes"]:
        if n["label"] == "Unit":
            assert categories[n["key"]] == 1, n  # 单位
        else:
            assert categories[n["key"]] in (0, 2), n  # 社区 (2: with a coverage gap)
    target, more = None, set()
    for n in net["nodes"]:
        if n["key"] == "Unit:u01":
            continue
        path = "communities" if n["label"] == "Community" else "units"
        around = api.get(f"/network/{path}/{n['id']}", params={"hops": 1}).json()
        more = {m["key"] for m in around["nodes"]} - keys
        if more:
            target = n["key"]
            break
    assert target, "no neighbour of u01 has neighbours of its own"
    shot(page, "network-unit-u01")
    page.click(f'#network-node-list [data-expand="{target}"]')
    _wait_exactly(page, keys | more)
    expect(page.locator(f'#network-node-list [data-expand="{target}"]')).to_be_disabled()
    expect(page.locator("#network-selected")).to_contain_text("选中")
    shot(page, "network-expanded")


def test_filter_by_resource_kind_and_joint_type(console: Console, server: ApiServer) -> None:
    api = server.client("committee")
    offering = {
        f"Unit:{r['unit_id']}"
        for r in api.get("/resources", params={"kind": "medical", "limit": 1000}).json()["items"]
        if not r["quarters"] or QUARTER in r["quarters"]
    }
    assert offering
    console.sign_in("committee")
    console.open("network")
    page = console.page
    _wait_nodes(page, 2)
    page.select_option("#network-kind", "medical")
    expect(page.locator("#network-summary")).to_contain_text("符合筛选")
    for n in _nodes(page):
        if n["kind"] == "Unit":
            assert n["match"] == (n["name"] in offering), n
            assert (n["itemStyle"]["opacity"] == 1) == (n["name"] in offering), n
    page.check("#network-only")
    page.wait_for_function(
        f"() => ({OPTION})().series[0].data.every(d => d.kind !== 'Unit' || d.match)"
    )
    assert {n["name"] for n in _nodes(page) if n["kind"] == "Unit"} <= offering
    shot(page, "network-filter-kind")

    page.uncheck("#network-only")
    page.select_option("#network-kind", "")
    hosts = {
        f"Community:{a['community_id']}"
        for a in api.get(
            "/activities",
            params={"quarter": QUARTER, "joint_type": "joint_services", "limit": 1000},
        ).json()["items"]
    }
    page.select_option("#network-joint", "joint_services")
    page.wait_for_function(
        f"() => ({OPTION})().series[0].data.some(d => d.kind === 'Community' && !d.match)"
    )
    for n in _nodes(page):
        if n["kind"] == "Community":
            assert n["match"] == (n["name"] in hosts), n
    shot(page, "network-filter-joint")


def test_a_need_nobody_can_take_is_a_red_gap(console: Console, server: ApiServer) -> None:
    api = server.client("committee")
    need_id = f"nweb-{uuid.uuid4().hex[:8]}"
    title = f"网页测试缺口 {need_id}"
    # nobody offers poverty relief (帮困救助) in the seed's 2026Q4
    r = api.post(
        "/needs",
        json={
            "id": need_id,
            "title": title,
            "category": "poverty_relief",
            "community_id": "c05",
            "quarter": QUARTER,
            "priority": 5,
        },
    )
    assert r.status_code == 201, r.text
    gaps = api.get("/network/gaps", params={"quarter": QUARTER}).json()
    assert need_id in {g["need_id"] for g in gaps["gaps"]}

    console.sign_in("community:c01")
    console.open("network")
    page = console.page
    item = page.locator(f'#network-gaps li[data-need="{need_id}"]')
    expect(item).to_contain_text(title)
    expect(page.locator('#network-gaps li[data-community="c05"]')).to_contain_text("第五社区")
    expect(page.locator("#network-gap-count")).to_contain_text(f"{gaps['count']} 项缺口")
    _choose_start(page, "Community:c05", 1)
    node = next(n for n in _nodes(page) if n["name"] == "Community:c05")
    assert node["category"] == 2  # 有覆盖缺口的社区, drawn red
    series = page.evaluate(f"() => ({OPTION})().series[0].categories.map(c => c.name)")
    assert series[2] == "有覆盖缺口的社区"
    expect(page.locator('#network-node-list li[data-key="Community:c05"]')).to_have_class(
        re.compile(r"\bgap\b")
    )
    shot(page, "network-gap")


def test_export_and_phone_width(console: Console) -> None:
    page = console.page
    page.set_viewport_size({"width": 390, "height": 844})
    console.sign_in("unit:u01")
    page.click("#menu-toggle")
    console.open("network")
    # a unit starts from its own unit
    expect(page.locator("#network-start")).to_have_value("Unit:u01")
    _wait_nodes(page, 2)
    expect(page.locator("#network-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    with page.expect_download() as info:
        page.click("#network-export-graphml")
    download = info.value
    assert download.suggested_filename == "gongjian-network.graphml"
    text = download.path().read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "graphml" in text and "星城" in text
    shot(page, "network-phone")


def test_no_node_hides_another(console: Console, server: ApiServer) -> None:
    """The 星城 graph from a community (2 hops) and the overview by community: no two node
    symbols meet and every node is inside the chart (第五社区 is not under 第一社区)."""
    page = console.page
    console.sign_in("committee")
    with server.client("viewer") as c:
        communities = c.get("/communities", params={"limit": 100}).json()["items"]
        first = communities[0]["id"]
        net = c.get(f"/network/communities/{first}", params={"hops": 2}).json()
    page.goto(server.base_url + f"/#/network?start=Community:{first}&hops=2&quarter={QUARTER}")
    _wait_exactly(page, {n["key"] for n in net["nodes"]})
    drawn = node_overlaps(page)
    assert drawn["nodes"] == len(net["nodes"]) and drawn["least"] >= 3, drawn
    assert drawn["meet"] == [] and drawn["outside"] == [], drawn
    shot(page, "network-hops-xingcheng")
    # the overview: one node per community, none over another
    page.select_option("#network-start", "overview")
    page.wait_for_selector(f'#network-chart[data-mode="overview"][data-nodes="{len(communities)}"]')
    drawn = node_overlaps(page)
    assert drawn["nodes"] == len(communities) and drawn["meet"] == [], drawn
    assert drawn["outside"] == [], drawn
    shot(page, "network-overview-xingcheng")
