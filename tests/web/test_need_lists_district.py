"""The work-order and unit pages at district size in the browser: 2,000 units in 200
communities and 20,000 work orders, on the session's district server (``district`` in
tests/web/conftest.py, shared with tests/web/test_district_pages.py).

The last unit (the 2,000th) is found by the type-ahead pickers — the list's 认领单位 filter and the whistle dialog — and by the units page's search; the work-order page
stays one screenful of rows however many orders there are (its height and the time to
the first painted list are printed, and kept under ``/work/artefacts/lists/`` when that
folder exists; never asserted: tests do not time things).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from gongjian.graph.model import Unit
from tests.api.server import ApiServer
from tests.web.conftest import NEEDS, UNITS, console_in, pick, shot

ARTEFACTS = Path("/work/artefacts/lists")


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
