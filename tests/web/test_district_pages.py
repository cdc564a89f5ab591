"""The dashboard and the network page at district size in the browser, on the session's
district server (``district`` in tests/web/conftest.py: 2,000 units in 200 communities,
20,000 work orders; shared with tests/web/test_need_lists_district.py). Read only.

The dashboard stays a few screens tall (the unit ranking is paged on the server, the
负荷均衡 card counts the tied units instead of listing them), never asks for a fixed
``limit=1000`` of units, and its type-ahead finds the 2,000th unit's ranking row. The
network page shows a loading sign, then the overview by community (one node per
community, none over another), and expanding a community shows its units. 我的待办
shows a loading sign, then each section's total with one page of it (the next page from
the server); the service map keeps its table of communities to a page.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from gongjian.graph.model import Unit
from tests.api.server import ApiServer
from tests.web.conftest import UNITS, Console, console_in, pick, shot
from tests.web.test_network import node_overlaps

#: the tallest a district page may be (px)
TALL = 4000

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


# records whether the to-do page's loading sign came before its sections
TODO_SEEN = """
window.__seen = [];
new MutationObserver(() => {
  if (document.getElementById('todo-loading')) window.__seen.push('loading');
  if (document.querySelector('section[data-page="todo"] [data-section]')) window.__seen.push('sections');
}).observe(document, { subtree: true, childList: true });
"""


def test_todo_shows_section_totals_and_pages_them(
    browser: Browser, district: tuple[ApiServer, Unit]
) -> None:
    server, _ = district
    with server.client("committee") as c:
        # every section's count, and the second page of each (one answer)
        r = c.get("/me/todo", params={"limit": 10, "offset": 10})
        assert r.status_code == 200, r.text
        sections = r.json()["sections"]
    counts = {s["key"]: s["count"] for s in sections}
    largest = max(sections, key=lambda s: s["count"])
    assert largest["count"] > 10, counts  # 18,000 open orders to dispatch
    links = [i["link"] for i in largest["items"]]
    largest = largest["key"]
    with console_in(browser, server) as console:
        page = console.page
        page.add_init_script(TODO_SEEN)
        _sign_in_at(console, "#/todo")
        cards = page.locator('section[data-page="todo"] [data-section]')
        expect(cards).to_have_count(len(counts), timeout=30_000)
        seen = page.evaluate("window.__seen")
        assert "loading" in seen and seen.index("loading") < seen.index("sections"), seen[:5]
        for key, n in counts.items():
            card = page.locator(f'[data-section="{key}"]')
            expect(card.locator("h2 .count")).to_have_text(str(n))
            expect(card.locator("tbody tr")).to_have_count(max(1, min(n, 10)))
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < TALL, height
        card = page.locator(f'[data-section="{largest}"]')
        expect(card.locator(".pager")).to_contain_text(f"共 {counts[largest]} 条")
        card.locator(".pager button").last.click()
        expect(card).to_have_attribute("data-offset", "10")
        shown = card.locator("tbody tr a.button")
        expect(shown).to_have_count(len(links))
        assert [shown.nth(i).get_attribute("href") for i in range(len(links))] == links
        shot(page, "todo-district")


def test_map_keeps_its_community_table_to_a_page(
    browser: Browser, district: tuple[ApiServer, Unit]
) -> None:
    server, last = district
    with server.client("viewer") as c:
        communities = c.get("/communities", params={"limit": 1}).json()["total"]
        home = c.get(f"/communities/{last.community_id}").json()["name"]
    assert communities > 20
    with console_in(browser, server) as console:
        page = console.page
        _sign_in_at(console, "#/map")
        expect(page.locator("#map-chart")).to_have_attribute("data-ready", "1", timeout=30_000)
        table_ = page.locator("#map-list")
        expect(table_).to_have_attribute("data-total", str(communities))
        rows = table_.locator("tbody tr")
        expect(rows).to_have_count(20)
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < TALL, height
        first = rows.first.get_attribute("data-community")
        page.locator("#map-list-box .pager button").last.click()
        expect(page.locator("#map-list")).to_have_attribute("data-offset", "20")
        assert page.locator("#map-list tbody tr").first.get_attribute("data-community") != first
        # a community found by its name, on any page
        page.fill("#map-list-find", home)
        expect(page.locator("#map-list")).to_have_attribute("data-offset", "0")
        expect(
            page.locator(f'#map-list tbody tr[data-community="{last.community_id}"]')
        ).to_have_count(1)
        shot(page, "service-map-district-list")
