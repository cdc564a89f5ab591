"""The work-order and unit pages at district size in the browser: 2,000 units in 200
communities and 20,000 work orders, on one server for the module.

The last unit (the 2,000th) is found by the type-ahead pickers — the list's 认领单位
filter and the whistle dialog — and by the units page's search; the work-order page
stays one screenful of rows however many orders there are (its height and the time to
the first painted list are printed, and kept under ``/work/artefacts/lists/`` when that
folder exists; never asserted: tests do not time things).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Need, NeedCategory, Unit
from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from tests.api.server import ApiServer, start_api
from tests.web.conftest import console_in, pick, shot

UNITS, NEEDS = 2000, 20_000
ARTEFACTS = Path("/work/artefacts/lists")


@pytest.fixture(scope="module")
def district() -> Iterator[tuple[ApiServer, Unit]]:
    """The server, and its 2,000th unit."""
    workdir = Path(tempfile.mkdtemp(prefix="web-district-lists-"))
    server = start_api(workdir, "embedded", seed=False, start=False)
    # the generator's district with ~2,000 of its needs; the other ~18,000 orders are plain
    # open ones spread over its communities (generating them all would take a minute)
    network = generate(UNITS, 2000, 40, seed=1)
    communities = sorted({e.community_id for e in network.entities if isinstance(e, Unit)})
    categories = list(NeedCategory)
    quarter = next(e.quarter for e in network.entities if isinstance(e, Need))
    generated = sum(isinstance(e, Need) for e in network.entities)
    extra = [
        Need.model_construct(
            id=f"nd{i:05d}",
            version=1,
            title=f"居民诉求 {i}",
            category=categories[i % len(categories)],
            community_id=communities[i % len(communities)],
            grid_id=None,
            quarter=quarter,
            effort=1,
            priority=1 + i % 5,
            due=date(2026, 10, 1) + timedelta(days=i % 90),
        )
        for i in range(NEEDS - generated)
    ]
    store = EmbeddedStore(workdir / "graph.sqlite")
    try:
        store.migrate()
        load_network(store, network)
        store.upsert_many(extra)
        last = store.list(Unit, offset=UNITS - 1, limit=1)[0]
    finally:
        store.close()
    server.start()
    yield server, last
    server.stop()


def _figures(name: str, figures: dict[str, float]) -> None:
    print(f"\n[district] {name}: {json.dumps(figures, ensure_ascii=False)}")
    if ARTEFACTS.is_dir():
        with (ARTEFACTS / "district-figures.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps({"page": name, **figures}, ensure_ascii=False) + "\n")


def _first_paint(page: Page, hash_: str, ready: str) -> float:
    """Seconds from going to ``hash_`` until ``ready`` shows."""
    started = time.monotonic()
    page.evaluate("h => { location.hash = h; }", hash_)
    expect(page.locator(ready).first).to_be_visible(timeout=60_000)
    return round(time.monotonic() - started, 2)


def test_the_2000th_unit_is_found_and_the_page_stays_short(
    browser: Browser, district: tuple[ApiServer, Unit]
) -> None:
    server, last = district
    with server.client("viewer") as c:
        assert c.get("/needs", params={"limit": 1}).json()["total"] == NEEDS
        assert c.get("/units", params={"limit": 1}).json()["total"] == UNITS
    with console_in(browser, server, accept_downloads=True) as console:
        console.sign_in("committee")
        page = console.page
        # the dashboard the committee lands on finishes its own requests first (its
        # metrics are another page's figures)
        page.wait_for_load_state("networkidle", timeout=120_000)
        paint = _first_paint(page, "#/needs", "#needs-list tbody tr[data-need]")
        expect(page.locator("#needs-list tbody tr[data-need]")).to_have_count(20)
        expect(page.locator("#needs-pager")).to_contain_text(f"共 {NEEDS} 条")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 4000, height  # one page of rows, not every order
        _figures("needs", {"first_list_paint_s": paint, "page_height_px": height})
        shot(page, "needs-district")

        # the 认领单位 filter finds the last unit by its name
        pick(page, "#needs-f-claimed", last.name, last.id)
        assert f"claimed_by={last.id}" in page.url
        with server.client("viewer") as c:
            held = c.get("/needs", params={"claimed_by": last.id, "limit": 1}).json()["total"]
        expect(page.locator("#needs-pager")).to_contain_text(f"共 {held} 条")

        # so does the whistle dialog of an open order
        page.click("#needs-reset")
        page.select_option("#needs-f-status", "open")
        row = page.locator("#needs-list tbody tr[data-need]").first
        need_id = row.get_attribute("data-need")
        row.locator('[data-action="whistle"]').click()
        pick(page, "#needs-dlg-units", last.name, last.id)
        expect(page.locator(f'#needs-dlg-picked [data-unit="{last.id}"]')).to_contain_text(
            last.name
        )
        page.click("#needs-dlg-ok")
        expect(
            page.locator(f'#needs-list tr[data-need="{need_id}"] .needs-whistle-tag')
        ).to_be_visible()
        with server.client("viewer") as c:
            assert last.id in c.get(f"/needs/{need_id}").json()["summoned"]

        # the units page pages on the server and its search finds the last unit
        paint = _first_paint(page, "#/units", "#units-list tbody tr.units-row")
        expect(page.locator("#units-list .pager")).to_contain_text(f"共 {UNITS} 条")
        height = page.evaluate("document.documentElement.scrollHeight")
        _figures("units", {"first_list_paint_s": paint, "page_height_px": height})
        page.fill("#units-q", last.name)
        expect(page.locator(f'#units-list tr[data-unit="{last.id}"]')).to_be_visible()
        assert "q=" in page.url
