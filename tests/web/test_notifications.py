"""The 通知 page and the bell in headless Chromium: channels masked, test, outbox, text kept text."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.api.notify_receivers import RobotReceiver
from tests.api.server import ApiServer
from tests.web.conftest import Console

XSS = '<img src=x onerror="window.__xss=1">'


def test_committee_adds_tests_and_sees_a_channel_masked(
    console: Console, server: ApiServer
) -> None:
    robots = RobotReceiver()
    name = f"web-{uuid.uuid4().hex[:6]}"
    robots.secrets[name] = "SECweb-secret-abcdef-9f8e"
    try:
        console.sign_in("committee")
        expect(console.page.locator("#bell")).to_be_visible()
        console.page.click("#bell")
        expect(console.page.locator('section[data-page="notifications"]')).to_be_visible()
        form = console.page.locator("#notify-add")
        form.locator('select[name="kind"]').select_option("dingtalk")
        form.locator('input[name="name"]').fill(XSS)
        form.locator('input[name="url"]').fill(
            robots.url("dingtalk", name) + "?access_token=tok123456789abc"
        )
        form.locator('input[name="secret"]').fill("SECweb-secret-abcdef-9f8e")
        form.locator('button[type="submit"]').click()
        channels = console.page.locator("#notify-channels")
        expect(channels).to_contain_text("SEC…9f8e")
        expect(channels).to_contain_text(XSS)  # the name is shown as text
        expect(channels).not_to_contain_text("SECweb-secret-abcdef-9f8e")
        expect(channels).not_to_contain_text("tok123456789abc")
        channels.locator("button.notify-test").first.click()
        expect(console.page.locator("#toast")).to_contain_text("测试消息已送达")
        assert len(robots.received[name].messages) == 1
        expect(console.page.locator("#notify-outbox")).to_be_visible()
        assert console.page.evaluate("window.__xss") is None
    finally:
        robots.close()


def test_viewer_has_no_bell_and_a_unit_no_outbox(console: Console) -> None:
    console.sign_in("viewer")
    expect(console.page.locator("#bell")).to_be_hidden()
    assert "notifications" not in console.nav_ids()
    console.page.click("#signout")
    console.sign_in("unit:u01")
    console.open("notifications")
    expect(console.page.locator("#notify-channels")).to_be_visible()
    expect(console.page.locator("#notify-outbox")).to_have_count(0)
