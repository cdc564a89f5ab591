"""Every console page on a district-size store (2,000 units in 200 communities, 20,000
work orders), as a committee member opens them one after the other from the menu in
headless Chromium: per page its height (px) once it has settled, the time from the click
to its first painted heading (``first_paint_ms``) and to its content (``content_ms``: no
request in flight for QUIET_MS and no loading sign left; the quiet time is not counted)
and, for the pages in MAIN, to their main content (``main_ms``: the graph, the ranking,
the list) before the side panels.
The first visit of a page is the one measured: the server's caches are cold. Prints one
JSON line.

    .venv/bin/python bench/console_pages.py [--units 2000 --needs 20000]

Needs the dev extra (playwright) and Debian's Chromium (``GONGJIAN_CHROMIUM``). The
store is the browser tests' district (tests/web/conftest.py ``fill_district``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.web.conftest

from gongjian.cli.bench_api import _free_port, _prepare, _serve
from gongjian.cli.common import print_json_line, stop_process
from gongjian.seeds.network import SeedNetwork
from tests.web.conftest import CHROMIUM_ARGS, NEEDS, UNITS, fill_district

CHROMIUM = os.environ.get("GONGJIAN_CHROMIUM", "/usr/bin/chromium")
QUIET_MS = 500
#: a page still loading shows one of these
LOADING = "正在加载|正在搜索|加载中"
#: the main content of a page whose side panels come later (``main_ms``: the time to it)
MAIN = {
    "network": "#network-chart[data-nodes]",
    "dashboard": "#dash-rank tbody tr[data-unit]",
    "needs": "#needs-list tbody tr[data-need]",
}


def _settle(page: Page, pending: list[int], section: str, limit_s: float = 120.0) -> float:
    """Wait until no request is in flight for QUIET_MS and ``section`` shows no loading
    sign; the monotonic time at which that quiet began."""
    deadline = time.monotonic() + limit_s
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)
        loading = page.evaluate(
            """([sel, re]) => {
              const s = document.querySelector(sel);
              if (!s) return true;
              const signs = [...s.querySelectorAll('#network-loading, [aria-busy="true"]')]
                .filter((e) => !e.hidden && e.offsetParent !== null);
              return signs.length > 0 || new RegExp(re).test(s.innerText);
            }""",
            [section, LOADING],
        )
        if pending[0] or loading:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_MS / 1000:
            return quiet_since
    return time.monotonic()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, default=UNITS)
    ap.add_argument("--needs", type=int, default=NEEDS)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongjian-console-pages-") as tmp:
        workdir = Path(tmp)
        t_build = time.monotonic()
        fill_district(workdir / "graph.sqlite", a.units, a.needs)
        env, token = _prepare(workdir, SeedNetwork(entities=[]))
        build_s = time.monotonic() - t_build
        port = _free_port()
        server = _serve(workdir, env, port, 1)
        pages: dict[str, dict[str, float | int | None]] = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(
                    viewport={"width": 1366, "height": 768}, locale="zh-CN"
                )
                context.set_default_timeout(120_000)
                page = context.new_page()
                pending = [0]

                def started(_r: object) -> None:
                    pending[0] += 1

                def ended(_r: object) -> None:
                    pending[0] = max(0, pending[0] - 1)

                page.on("request", started)
                page.on("requestfinished", ended)
                page.on("requestfailed", ended)
                page.goto(f"http://127.0.0.1:{port}/")
                page.fill("#token", token)
                page.click("#signin-submit")
                page.locator("#signout").wait_for()
                ids = page.eval_on_selector_all(
                    "#nav a[data-page]", "as => as.map((a) => a.dataset.page)"
                )
                for pid in ids:
                    section = f'section[data-page="{pid}"]'
                    t0 = time.monotonic()
                    page.click(f'#nav a[data-page="{pid}"]')
                    page.locator(f"{section} h1").first.wait_for()
                    first = time.monotonic()
                    main = None
                    if pid in MAIN:
                        page.locator(MAIN[pid]).first.wait_for()
                        main = round((time.monotonic() - t0) * 1000)
                    done = _settle(page, pending, section)
                    pages[pid] = {
                        "height_px": page.evaluate("document.documentElement.scrollHeight"),
                        "first_paint_ms": round((first - t0) * 1000),
                        "main_ms": main,
                        "content_ms": round((max(done, first) - t0) * 1000),
                    }
                browser.close()
        finally:
            stop_process(server)
    print_json_line(
        {
            "bench": "console_pages",
            "units": a.units,
            "needs": a.needs,
            "build_s": round(build_s, 1),
            "viewport": "1366x768",
            "pages": pages,
        }
    )


if __name__ == "__main__":
    main()
