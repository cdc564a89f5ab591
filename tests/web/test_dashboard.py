"""总览 Dashboard: headline cards from /metrics/summary, charts drawn, ranking, quarter switch."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, assert_no_sideways_scroll, at_phone_width, shot

RATE_CARDS = {
    "dash.response": "response_rate",
    "dash.resolution": "resolution_rate",
    "dash.ontime": "on_time_rate",
    "dash.satisfaction": "satisfaction_rate",
}


def _get(server: ApiServer, path: str) -> Any:
    with server.client("committee") as c:
        r = c.get(path)
        assert r.status_code == 200, r.text
        return r.json()


def _latest_quarter(server: ApiServer) -> str:
    return _get(server, "/metrics/quarters")["items"][-1]["id"]


def _check_cards(page: Page, summary: dict[str, Any]) -> None:
    """Every headline card shows the figures of ``summary`` (value, numerator / denominator)."""
    rates = {**{k: summary["rates"][v] for k, v in RATE_CARDS.items()}}
    rates["dash.coverage"] = summary["need_coverage"]
    for kpi, rate in rates.items():
        card = page.locator(f'[data-kpi="{kpi}"]')
        expect(card).to_contain_text(f"{rate['numerator']} / {rate['denominator']}")
        value = card.locator(".dash-value")
        if rate["value"] is None:
            expect(value).to_have_text("—")
            expect(card).to_contain_text("暂无可计算的案件")
        else:
            assert float(value.get_attribute("data-value") or "nan") == pytest.approx(rate["value"])
            assert value.inner_text().endswith("%")
    whistles = page.locator('[data-kpi="dash.whistles"] .dash-value')
    expect(whistles).to_have_text(str(summary["overdue_whistles"]))
    expect(page.locator('[data-kpi="dash.needs"] .dash-value')).to_have_text(str(summary["needs"]))
    fair = summary["fairness"]
    if fair is not None:
        gini = page.locator('[data-kpi="dash.fair"] .dash-gini')
        expect(gini).to_have_text(f"{fair['gini']:.2f}")
    assert "NaN" not in page.locator("#dash-cards").inner_text()


def _check_charts(page: Page, minimum: int) -> None:
    charts = page.locator("section[data-page=dashboard] .chart")
    expect(charts.first).to_be_visible()
    assert charts.count() >= minimum
    for i in range(charts.count()):
        chart = charts.nth(i)
        expect(chart).to_have_attribute("data-ready", "1")
        expect(chart.locator("canvas").first).to_be_attached()


@pytest.mark.parametrize("who", ["committee", "viewer"])
def test_dashboard_cards_show_the_seed_figures_and_charts_are_drawn(
    console: Console, who: str
) -> None:
    server = console.server
    quarter = _latest_quarter(server)
    summary = _get(server, f"/metrics/summary?quarter={quarter}")
    assert summary["needs"] > 0  # the seed has needs in its latest quarter
    console.sign_in(who)
    console.open("dashboard")
    page = console.page
    expect(page.locator("#h-dashboard")).to_have_text("总览")
    expect(page.locator("section[data-page=dashboard]")).to_have_attribute("data-quarter", quarter)
    expect(page.locator("#dash-quarter")).to_have_value(quarter)
    _check_cards(page, summary)
    # rates per quarter, activities by joint type, load against capacity
    _check_charts(page, 3)
    for name in ("quarters", "activities", "load"):
        expect(page.locator(f'[data-chart="{name}"]')).to_have_attribute("data-ready", "1")
    # the ranking table lists every unit; units below min cases are marked unranked
    ranking = _get(server, f"/metrics/units?quarter={quarter}&min_cases=3")
    rows = page.locator(".dash-rank tbody tr")
    expect(rows).to_have_count(len(ranking["items"]))
    unranked = sum(1 for g in ranking["items"] if not g["ranked"])
    expect(page.locator(".dash-rank tr.dash-unranked")).to_have_count(unranked)
    shot(page, f"dashboard-{who}")


def test_dashboard_switches_quarter_ranks_and_links_to_whistles(console: Console) -> None:
    server = console.server
    console.sign_in("committee")
    console.open("dashboard")
    page = console.page
    quarters = [q["id"] for q in _get(server, "/metrics/quarters")["items"]]
    earlier = quarters[-2]
    page.select_option("#dash-quarter", earlier)
    expect(page.locator("section[data-page=dashboard]")).to_have_attribute("data-quarter", earlier)
    _check_cards(page, _get(server, f"/metrics/summary?quarter={earlier}"))
    _check_charts(page, 3)

    # ranking with a lower threshold ranks more units
    page.fill("#dash-min-cases", "1")
    page.locator("#dash-min-cases").dispatch_event("change")
    ranking = _get(server, f"/metrics/units?quarter={earlier}&min_cases=1")
    ranked = [g for g in ranking["items"] if g["ranked"]]
    assert ranked
    expect(page.locator(".dash-rank .dash-rank-no")).to_have_count(len(ranked))
    first = page.locator(".dash-rank tbody tr").first
    expect(first).to_have_attribute("data-unit", ranked[0]["id"])
    shot(page, "dashboard-earlier-quarter")

    # all quarters: no fairness (it needs one quarter), charts still drawn
    page.select_option("#dash-quarter", "all")
    expect(page.locator("section[data-page=dashboard]")).to_have_attribute("data-quarter", "all")
    _check_cards(page, _get(server, "/metrics/summary"))
    expect(page.locator('[data-kpi="dash.fair"]')).to_contain_text("选择单个季度")
    _check_charts(page, 2)

    # English
    page.click("#lang")
    expect(page.locator("#h-dashboard")).to_have_text("Dashboard")
    expect(page.locator('[data-kpi="dash.response"]')).to_contain_text("Response rate")
    page.click("#lang")
    expect(page.locator("#h-dashboard")).to_have_text("总览")

    # the overdue-whistle card links to the work orders' whistle list, overdue only
    page.click("#dash-whistles-link")
    expect(page.locator("section[data-page=needs]")).to_be_visible()
    expect(page.locator("#needs-w-overdue")).to_have_value("true")


def test_dashboard_at_phone_width(console: Console) -> None:
    page = at_phone_width(console, "community:c01")
    page.goto(console.server.base_url + "/#/dashboard")  # a community lands on its to-do list
    expect(page.locator("section[data-page=dashboard]")).to_be_visible()
    _check_charts(page, 3)
    assert_no_sideways_scroll(page)
    shot(page, "dashboard-phone")
