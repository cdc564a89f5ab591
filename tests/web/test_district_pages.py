"""The dashboard and the network page at district size in the browser, on the session's
district server (``district`` in tests/web/conftest.py: 2,000 units in 200 communities,
20,000 work orders; shared with tests/web/test_need_lists_district.py). Read only.

The dashboard stays a few screens tall (the unit ranking is paged on the server, the
负荷均衡 card counts the tied units instead of listing them), never asks for a fixed
``limit=1000`` of units, and its type-ahead finds the 2,000th unit's ranking row. The
network page shows a loading sign, then the overview by community (one node per
community, none over another), and expanding a community shows its units.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from gongjian.graph.model import Unit
from tests.api.server import ApiServer
from tests.web.conftest import UNITS, Console, console_in, pick, shot
from tests.web.test_network import node_overlaps

# records, from the first moment, whether the loading sign came before the graph
SEEN = """
window.__seen = [];
new MutationObserver(() => {
  const l = document.getElementById('network-loading');
  if (l && !l.hidden && l.textContent.trim()) window.__seen.push('loading');
  const c = document.querySelector('#network-chart[data-nodes]');
  if (c) window.__seen.push('graph:' + c.dataset.nodes);
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


def _sign_in_at(console: Console, hash_: str) -> None:
    """Sign the committee in straight onto ``hash_`` (the district's home page, 我的待办,
    would be computed for nothing first)."""
    page = console.page
    page.goto(console.server.base_url + "/" + hash_)
    page.fill("#token", console.server.tokens["committee"])
    page.click("#signin-submit")
    expect(page.locator("#signout")).to_be_visible()


def test_dashboard_is_paged_and_finds_the_last_unit(
    browser: Browser, district: tuple[ApiServer, Unit]
) -> None:
    server, last = district
    with server.client("viewer") as c:
        quarter = c.get("/metrics/quarters").json()["items"][-1]["id"]
        # (the page asks the same: its answer is then cached)
        tied = c.get("/metrics/fairness", params={"quarter": quarter}).json()
    with console_in(browser, server) as console:
        page = console.page
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        _sign_in_at(console, "#/dashboard")
        rows = page.locator("#dash-rank tbody tr[data-unit]")
        # the first visit computes the district's figures (cached after)
        expect(rows).to_have_count(20, timeout=60_000)
        expect(page.locator("#dash-rank")).to_have_attribute("data-total", str(UNITS))
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 6000, height
        # the tied units are counted, at most a few named
        top = page.locator("#dash-fair-top").inner_text()
        if tied["max_load_ratio"] and len(tied["max_load_units"]) > 3:
            assert f"共 {len(tied['max_load_units'])} 个单位并列最高负荷" in top, top
        assert top.count("、") <= 2, top
        # the next page of the ranking comes from the server
        first = rows.first.get_attribute("data-unit")
        page.locator("#dash-rank .pager button").last.click()
        expect(page.locator("#dash-rank")).to_have_attribute("data-offset", "20")
        expect(rows).to_have_count(20)
        assert rows.first.get_attribute("data-unit") != first
        # the 2,000th unit, found by typing
        pick(page, "#dash-rank-unit", last.name, last.id)
        expect(page.locator("#dash-rank")).to_have_attribute("data-total", "1")
        expect(page.locator(f'#dash-rank tbody tr[data-unit="{last.id}"]')).to_have_count(1)
        shot(page, "dashboard-district")
        assert not [u for u in asked if "/units?" in u and "limit=1000" in u], asked


def test_network_overview_by_community_and_expanding_one(
    browser: Browser, district: tuple[ApiServer, Unit]
) -> None:
    server, last = district
    home = last.community_id
    with server.client("viewer") as c:
        communities = c.get("/communities", params={"limit": 1}).json()["total"]
        located = c.get("/units", params={"community_id": home, "limit": 1}).json()["total"]
    assert located > 1
    with console_in(browser, server) as console:
        page = console.page
        page.add_init_script(SEEN)
        _sign_in_at(console, "#/network")
        chart = page.locator("#network-chart")
        expect(chart).to_have_attribute("data-mode", "overview", timeout=30_000)
        expect(chart).to_have_attribute("data-nodes", str(communities))
        seen = page.evaluate("window.__seen")
        assert "loading" in seen and seen.index("loading") < min(
            i for i, s in enumerate(seen) if s.startswith("graph:")
        ), seen[:5]
        expect(page.locator("#network-loading")).to_be_hidden()
        drawn = node_overlaps(page)
        assert drawn["nodes"] == communities and drawn["meet"] == [], drawn["meet"][:5]
        assert drawn["outside"] == [], drawn["outside"][:5]
        # expanding the last unit's community shows its units, still none over another
        page.locator("#network-nodes > summary, .net-nodes > summary").first.click()
        page.click(f'[data-expand="Community:{home}"]')
        # (the side panels' district figures may still be computing beside it)
        expect(chart).to_have_attribute("data-expanded", home, timeout=30_000)
        expect(chart).to_have_attribute("data-nodes", str(communities + located))
        drawn = node_overlaps(page)
        assert drawn["meet"] == [] and drawn["outside"] == [], drawn["meet"][:5]
        shot(page, "network-district-expanded")
