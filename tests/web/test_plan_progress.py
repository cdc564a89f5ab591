"""季度计划 while the solver runs: the live chart of objective and bound, the time bar.

The server's store holds a 100-unit synthetic network, so that a plan takes its
time limit and the solver reports several improvements while the page watches.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from gongjian.graph.embedded import EmbeddedStore
from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from tests.api.server import ApiServer, start_api
from tests.web.conftest import console_in, shot

QUARTER = "2026Q4"
TIME_LIMIT = 8


@pytest.fixture(scope="module")
def progress_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    workdir: Path = tmp_path_factory.mktemp("web-progress")
    server = start_api(workdir, "embedded", seed=False, start=False)
    store = EmbeddedStore(workdir / "graph.sqlite")
    try:
        store.migrate()
        load_network(store, generate(units=100, needs=1000, activities=40, seed=1, quarter=QUARTER))
    finally:
        store.close()
    server.start()
    yield server
    server.stop()


def test_the_chart_appears_while_the_job_runs_and_follows_it(
    browser: Browser, progress_server: ApiServer
) -> None:
    api = progress_server.client("committee")
    with console_in(browser, progress_server) as console:
        console.sign_in("committee")
        console.open("plans")
        page = console.page
        page.fill("#plans-time-limit", str(TIME_LIMIT))
        # every GET of a job the page makes: while it runs it polls the light status
        # route and reads the whole job (with its plan) once, when it has finished
        reads: list[tuple[float, str]] = []
        page.on(
            "request",
            lambda r: (
                reads.append((time.monotonic(), r.url.split("?")[0]))
                if r.method == "GET" and "/plans/" in r.url
                else None
            ),
        )
        page.click("#plans-run")
        chart = page.locator("#plans-progress-chart")
        status = page.locator("#plans-status [data-status]")

        # the chart is drawn while the job is still running, from the first figures
        expect(status).to_have_attribute("data-status", "running", timeout=60_000)
        expect(chart).to_be_visible(timeout=60_000)
        assert status.get_attribute("data-status") == "running"
        first = int(chart.get_attribute("data-points") or 0)
        assert first >= 1
        plan_id = page.locator("#plans-current-id").get_attribute("data-plan-id")
        assert plan_id
        # the bar follows elapsed / time limit (it does not jump ahead)
        bar = page.locator("#plans-status [role=progressbar]")
        job = api.get(f"/plans/{plan_id}").json()
        if job["status"] == "running":
            share = 100 * job["progress"]["elapsed"] / TIME_LIMIT
            now = int(bar.get_attribute("aria-valuenow") or 0)
            assert now < 100 and now <= share + 15, (now, share)
        # mark the chart's element: it must be updated in place, not drawn anew
        chart.evaluate("el => { el.dataset.probe = 'kept'; }")
        shot(page, "plans-progress-running")

        expect(status).to_have_attribute("data-status", "done", timeout=120_000)
        full = [t for t, url in reads if url.endswith(f"/plans/{plan_id}")]
        polls = [t for t, url in reads if url.endswith(f"/plans/{plan_id}/status")]
        assert len(polls) >= 3, reads  # it followed the job
        assert len(full) == 1, reads  # the plan was read once ...
        assert full[0] >= max(polls), reads  # ... after the last poll saw it finished
        job = api.get(f"/plans/{plan_id}").json()
        series = job["progress"]["series"]
        assert len(series) > first, (first, series)  # more came after the first drawing
        expect(chart).to_have_attribute("data-points", str(len(series)))
        expect(chart).to_have_attribute("data-probe", "kept")
        expect(bar).to_have_attribute("aria-valuenow", "100")
        # what ECharts draws is the series the API returns: objective and bound per point
        deadline = time.monotonic() + 10
        while True:
            drawn = chart.evaluate(
                """el => {
                  const c = window.echarts.getInstanceByDom(el);
                  return c ? c.getOption().series.map((s) => s.data.map((d) => d[1])) : null;
                }"""
            )
            if drawn is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert drawn is not None
        assert drawn[0] == [p["objective"] for p in series]
        assert drawn[1] == [p["bound"] for p in series]
        gap = [None if p["gap"] is None else pytest.approx(p["gap"] * 100) for p in series]
        assert drawn[2] == gap
        shot(page, "plans-progress-done")
