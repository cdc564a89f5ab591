"""用户 and 审计日志 pages in the browser: the committee adds a unit account (unit picked
by name, token shown once), the new holder signs in with it, the committee disables it
and the token stops working; the audit page finds both writes by who, what and when;
no other role sees either page."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, console_in, shot


def test_the_committee_adds_and_disables_an_account(
    console: Console, browser: Browser, server: ApiServer
) -> None:
    page = console.page
    console.sign_in("committee")
    console.open("users")
    name = f"联络员<b>{uuid.uuid4().hex[:6]}</b>"
    page.fill("#users-f-name", name)
    page.select_option("#users-f-role", "unit")
    expect(page.locator("#users-f-community")).to_be_hidden()
    page.fill("#users-f-unit", "星城中学（u01）")
    login = f"lianluo{uuid.uuid4().hex[:6]}"
    page.fill("#users-f-username", login)
    page.fill("#users-f-password", "Xingcheng-2026")
    page.click("#users-f-submit")
    token_box = page.locator("#users-token-value")
    expect(token_box).to_be_visible()
    token = token_box.inner_text()
    assert token.startswith("gj_")
    row = page.locator("#users-list tr", has_text=name)
    expect(row).to_contain_text("星城中学")  # the unit by name
    expect(row).to_contain_text("驻区单位")
    shot(page, "users-token-once")

    # the new holder signs in with the token and lands on the unit's to-do list
    with console_in(browser, server) as other:
        other.page.goto(server.base_url + "/")
        other.page.fill("#token", token)
        other.page.click("#signin-submit")
        expect(other.page.locator("#h-todo")).to_contain_text("星城中学")

    # … and with the user name and password; five wrong passwords lock it
    def attempt(page, password: str) -> None:
        page.fill("#username", login)
        page.fill("#password", password)
        form = page.locator("form.signin").element_handle()
        # one sign-in request per click: the form is drawn anew after each answer
        with page.expect_response(
            lambda r: r.url.endswith("/session") and r.request.method == "POST"
        ):
            page.click("#signin-submit")
        # the answer's redraw replaces this form: wait for it, or the next attempt types
        # into the old form (the last attempt's alert is still on it) and the redraw
        # clears what it typed
        form.wait_for_element_state("hidden")

    with console_in(browser, server) as other:
        other.page.goto(server.base_url + "/")
        for _ in range(4):
            attempt(other.page, "wrong-password-1")
            expect(other.page.get_by_role("alert")).to_contain_text("用户名或密码错误")
        attempt(other.page, "Xingcheng-2026")
        expect(other.page.locator("#h-todo")).to_contain_text("星城中学")
        other.page.click("#signout")
        expect(other.page.locator("#username")).to_be_visible()
        for _ in range(5):
            attempt(other.page, "wrong-password-1")
            expect(other.page.get_by_role("alert")).to_be_visible()
        expect(other.page.get_by_role("alert")).to_contain_text("锁定")
        shot(other.page, "signin-locked")

    # a reload shows the list, never the token again
    page.reload()
    expect(page.locator("#users-list")).to_contain_text(name)
    expect(page.locator("#users-token-value")).to_have_count(0)
    assert token not in page.content()

    page.once("dialog", lambda d: d.accept())
    page.locator("#users-list tr", has_text=name).locator("button.danger").click()
    expect(page.locator("#users-list tr", has_text=name)).to_have_count(0)
    r = httpx.get(server.base_url + "/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401

    # the audit log has both writes, by the committee's name
    console.open("audit")
    page.fill("#audit-f-q", "/users")
    page.click("#audit-form button[type=submit]")
    expect(page.locator("#audit-total")).not_to_contain_text("共 0 条")
    expect(page.locator("#audit-list tbody tr").first).to_contain_text("删除")
    page.select_option("#audit-f-method", "DELETE")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    page.fill("#audit-f-since", today)
    page.fill("#audit-f-until", today)
    page.click("#audit-form button[type=submit]")
    rows = page.locator("#audit-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("/users/")
    expect(rows.first).to_contain_text("共建委员会")
    assert "method=DELETE" in page.url and f"since={today}" in page.url  # a link to share
    shot(page, "audit-filtered")


def test_no_other_role_sees_the_account_pages(console: Console) -> None:
    page = console.page
    for who in ("viewer", "unit:u01", "community:c01"):
        console.sign_in(who)
        assert "users" not in console.nav_ids() and "audit" not in console.nav_ids()
        page.goto(console.server.base_url + "/#/users")
        expect(page.get_by_role("alert")).to_be_visible()
        page.click("#signout")
        expect(page.locator("#token")).to_be_visible()
