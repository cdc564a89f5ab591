"""The city page (全市计划) in headless Chromium: the city user starts a plan of one
sub-district and the table follows it to the end, with the chart of gaps and coverage;
the committee's navigation has no city page and its address shows none. A run still
waiting is stopped from the page (a confirmation first); the button is gone after."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.api.server import ApiServer
from tests.api.test_plans_city import QUARTER, _solver_lock, start_city_api
from tests.web.conftest import console_in, shot
from tests.web.test_zh_text import VISIBLE_TEXT, english_words


@pytest.fixture(scope="module")
def city_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = start_city_api(tmp_path_factory.mktemp("web-city"), subdistricts=2)
    yield server
    server.stop()


def test_city_page_follows_a_run_for_the_city_and_is_absent_for_the_committee(
    browser: Browser, city_server: ApiServer
) -> None:
    with console_in(browser, city_server) as c:
        c.sign_in("city")
        assert "city" in c.nav_ids()
        c.open("city")
        page = c.page
        expect(page.get_by_text("还没有全市计划。")).to_be_visible()  # a fresh server
        page.select_option("#city-quarter", QUARTER)
        page.fill("#city-subdistricts", "SD02, SD99")
        page.fill("#city-time-limit", "8")  # ends at its proof, well before
        page.click("#city-start")
        expect(page).to_have_url(re.compile(r"#/city/city-2027Q2-[0-9a-f]{10}$"))
        with console_in(browser, city_server) as committee:  # while the city's run solves
            committee.sign_in("committee")
            assert "city" not in committee.nav_ids() and "plans" in committee.nav_ids()
            committee.page.goto(city_server.base_url + "/#/city")
            expect(committee.page.locator("#view")).to_contain_text("没有这个页面。")
            expect(committee.page.locator("#city-form")).to_have_count(0)
        expect(page.locator('#city-run-card[data-finished="1"]')).to_be_visible(timeout=60_000)
        done = page.locator('#city-table tr[data-subdistrict="SD02"]')
        expect(done).to_contain_text("星城街道2")
        expect(done).to_contain_text("已完成")
        expect(done.locator("td").nth(2)).to_have_text("0.0%")  # proven optimal: no gap
        expect(done.locator("td").nth(3)).to_have_text(re.compile(r"^\d+ / 24（\d+\.\d%）$"))
        failed = page.locator('#city-table tr[data-subdistrict="SD99"]')
        expect(failed).to_contain_text("失败")
        expect(failed).to_contain_text("未知街道 SD99")
        expect(page.locator("#city-summary")).to_contain_text("共 2 个街道：已完成 1，失败 1")
        chart = page.locator('#city-chart[data-ready="1"]')
        expect(chart).to_have_attribute("data-kind", "scatter")  # the generator's coordinates
        expect(page.locator("#city-runs a")).to_have_count(1)
        # the user is named "city"; an error names the code and says it in English too
        words = english_words(
            page.evaluate(VISIBLE_TEXT), {"city", "SD99", "unknown", "sub", "district"}
        )
        assert words == [], words
        shot(page, "city-run")


def test_the_city_stops_a_run_from_the_page(browser: Browser, city_server: ApiServer) -> None:
    with console_in(browser, city_server) as c:
        c.sign_in("city")
        c.open("city")
        page = c.page
        with _solver_lock(city_server):  # the run's jobs wait, queued, until it lets go
            page.select_option("#city-quarter", QUARTER)
            page.fill("#city-subdistricts", "SD01,SD02")
            page.click("#city-start")
            expect(page.locator("#city-summary")).to_contain_text("进行中 2")
            # a second thought: the dialog's 取消 keeps the run going
            page.click("#city-cancel")
            page.click("#plans-dlg-cancel")
            expect(page.locator("#city-summary")).to_contain_text("进行中 2")
            page.click("#city-cancel")
            expect(page.locator("#plans-dlg-msg")).to_contain_text("已完成的街道保留计划")
            page.click("#plans-dlg-ok")
            expect(page.locator("#toast")).to_contain_text(
                "已停止：0 个街道已完成，其余 2 个已停止"
            )
            expect(page.locator('#city-run-card[data-finished="1"]')).to_be_visible()
        for sd in ("SD01", "SD02"):
            expect(page.locator(f'#city-table tr[data-subdistrict="{sd}"]')).to_contain_text(
                "已取消"
            )
        expect(page.locator("#city-summary")).to_contain_text(
            "共 2 个街道：已完成 0，失败 0，已停止 2"
        )
        expect(page.locator("#city-cancel")).to_have_count(0)
        shot(page, "city-run-cancelled")
