"""我的待办 in the browser: unit and community users land on it, each role sees its own
sections with names (not ids), the unit downloads its calendar and task list."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.web.conftest import Console, shot


def _todo(console: Console, who: str) -> dict:
    with console.server.client(who) as c:
        r = c.get("/me/todo", params={"limit": 500})
        assert r.status_code == 200, r.text
        return r.json()


def test_a_unit_lands_on_its_to_do_list_and_downloads_its_files(console: Console) -> None:
    expected = _todo(console, "unit:u09")
    console.sign_in("unit:u09")
    page = console.page
    section = page.locator('section[data-page="todo"]')
    expect(section).to_be_visible()  # the landing page, without a click
    expect(page.locator("#h-todo")).to_contain_text(expected["scope_name"])
    for s in expected["sections"]:
        card = section.locator(f'[data-section="{s["key"]}"]')
        expect(card.locator("h2")).to_contain_text(s["label"])
        expect(card.locator("h2 .count")).to_have_text(str(s["count"]))
        rows = card.locator("tbody tr")
        if s["items"]:
            expect(rows).to_have_count(min(len(s["items"]), 10))  # a page (PAGE)
            first = s["items"][0]
            expect(rows.first).to_contain_text(first["title"])
            expect(rows.first).to_contain_text(first["community_name"])
    overdue = next(s for s in expected["sections"] if s["key"] == "overdue")
    assert overdue["items"], "u09 holds overdue orders in the seed"
    expect(section.locator('[data-section="overdue"] .tag.overdue').first).to_contain_text("逾期")
    shot(page, "todo-unit")

    with page.expect_download() as got:
        page.click("#todo-calendar")
    assert got.value.suggested_filename.endswith(".ics")
    assert b"BEGIN:VCALENDAR" in got.value.path().read_bytes()
    with page.expect_download() as got:
        page.click("#todo-tasks")
    assert got.value.suggested_filename.endswith(".xlsx")


def test_a_community_lands_on_its_follow_ups_and_the_committee_on_the_dashboard(
    console: Console,
) -> None:
    expected = _todo(console, "community:c01")
    console.sign_in("community:c01")
    page = console.page
    expect(page.locator('section[data-page="todo"]')).to_be_visible()
    follow = next(s for s in expected["sections"] if s["key"] == "to_follow_up")
    card = page.locator('[data-section="to_follow_up"]')
    expect(card.locator("h2")).to_contain_text("待回访")
    if follow["items"]:
        link = card.locator("tbody tr a.button").first
        expect(link).to_contain_text("回访")
        link.click()
        expect(page.locator('section[data-page="needs"]')).to_be_visible()
    page.click("#signout")
    expect(page.locator("#token")).to_be_visible()

    console.sign_in("committee")
    expect(page.locator('section[data-page="dashboard"]')).to_be_visible()
    console.open("todo")
    expect(page.locator('[data-section="unclaimed"] h2')).to_contain_text("待派单")
    page.click("#lang")
    expect(page.locator("#h-todo")).to_contain_text("My to-do")
    expect(page.locator('[data-section="unclaimed"] h2')).to_contain_text("Open, to dispatch")
    page.click("#lang")


def test_the_downloads_are_refused_to_other_roles(console: Console) -> None:
    for who in ("committee", "community:c01"):
        r = httpx.get(
            console.server.base_url + "/me/calendar.ics",
            headers={"Authorization": f"Bearer {console.server.tokens[who]}"},
        )
        assert r.status_code == 403
