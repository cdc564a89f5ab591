"""The API docs page renders in the browser with no internet, under the strict CSP."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.api.server import ApiServer
from tests.web.conftest import shot


def test_swagger_ui_renders_offline_without_csp_violations(
    browser: Browser, server: ApiServer
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: foreign.append(r.url) if not r.url.startswith(server.base_url) else None,
    )
    page.goto(server.base_url + "/docs")
    # the operations of the OpenAPI document are listed (Swagger UI ran)
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() > 20
    expect(page.get_by_role("heading", level=1)).to_contain_text("共建 gongjian")
    shot(page, "api-docs")
    page.close()
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert not problems, problems
    assert not foreign, foreign
