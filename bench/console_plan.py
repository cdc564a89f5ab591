"""Time a district-size plan the way a committee member runs it: from the click on 生成计划
in the console (headless Chromium) to the final plan on the page. Prints one JSON line.

    .venv/bin/python bench/console_plan.py [--units 2000 --needs 20000 --activities 800
                                            --seed 1 --time-limit 20]

Needs the dev extra (playwright) and Debian's Chromium (``GONGJIAN_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from gongjian.cli.bench_api import _free_port, _prepare, _serve
from gongjian.cli.common import print_json_line, stop_process
from gongjian.matching.examples import EXAMPLE_QUARTER, planning_day
from gongjian.seeds.synthetic import generate

CHROMIUM = os.environ.get("GONGJIAN_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--needs", type=int, default=20000)
    ap.add_argument("--activities", type=int, default=800)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=20.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongjian-console-plan-") as tmp:
        workdir = Path(tmp)
        network = generate(
            units=a.units, needs=a.needs, activities=a.activities, seed=a.seed,
            quarter=EXAMPLE_QUARTER,
        )  # fmt: skip
        env, token = _prepare(workdir, network)
        env["GONGJIAN_TODAY"] = planning_day(EXAMPLE_QUARTER).isoformat()
        port = _free_port()
        server = _serve(workdir, env, port, 1)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                page.set_default_timeout(120_000)
                base = f"http://127.0.0.1:{port}"
                page.goto(base + "/")
                page.fill("#token", token)
                page.click("#signin-submit")
                page.locator("#signout").wait_for()
                t_open = time.monotonic()
                page.click('#nav a[data-page="plans"]')
                page.locator('section[data-page="plans"]').wait_for()
                page.locator("#plans-run").wait_for()
                opened = time.monotonic() - t_open
                page.fill("#plans-time-limit", str(int(a.time_limit)))
                status = page.locator("#plans-status [data-status]")
                t0 = time.monotonic()
                page.click("#plans-run")
                first_figure = None
                while True:
                    s = status.get_attribute("data-status") if status.count() else None
                    if first_figure is None and page.locator("#plans-progress-chart").count():
                        pts = page.locator("#plans-progress-chart").get_attribute("data-points")
                        if pts and int(pts) > 0:
                            first_figure = time.monotonic() - t0
                    if s in ("done", "failed", "cancelled"):
                        break
                    if time.monotonic() - t0 > 10 * a.time_limit + 120:
                        raise SystemExit(f"plan did not finish: {s}")
                    time.sleep(0.1)
                final = time.monotonic() - t0
                browser.close()
        finally:
            stop_process(server)
    print_json_line(
        {
            "bench": "console-plan",
            "problem": f"district-{a.units}u-{a.needs}n-{a.activities}a-s{a.seed}",
            "time_limit": a.time_limit,
            "plans_page_seconds": round(opened, 2),
            "click_to_first_figure_seconds": round(first_figure, 2) if first_figure else None,
            "click_to_final_plan_seconds": round(final, 2),
            "status": s,
        }
    )


if __name__ == "__main__":
    main()
