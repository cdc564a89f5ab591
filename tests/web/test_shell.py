"""The console shell: served at /, sign-in per role, role-aware navigation, language switch."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.api.server import ApiServer
from tests.web.conftest import Console, assert_no_sideways_scroll, at_phone_width, shot

ALL_PAGES = [
    "dashboard",
    "map",
    "units",
    "needs",
    "plans",
    "network",
    "activities",
    "commitments",
    "suitability",
]


def test_console_is_served_without_internet(server: ApiServer) -> None:
    r = httpx.get(server.base_url + "/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in ("/static/app.css", "/static/js/app.js", "/static/vendor/echarts.min.js"):
        assert asset in html
        assert httpx.get(server.base_url + asset).status_code == 200, asset
    assert "/" not in httpx.get(server.base_url + "/openapi.json").json()["paths"]


def test_bad_token_is_refused_with_a_message(console: Console) -> None:
    page = console.page
    page.goto(console.server.base_url + "/")
    page.fill("#token", "gj_not-a-real-token")
    page.click("#signin-submit")
    expect(page.get_by_role("alert")).to_contain_text("令牌无效")
    expect(page.locator("#nav a")).to_have_count(0)


def test_each_role_sees_only_its_pages(console: Console) -> None:
    expected = {
        "committee": ["todo", *ALL_PAGES, "users", "audit", "notifications"],
        "viewer": ALL_PAGES,  # a read-only role has nothing to do and no notifications
        "unit:u01": ["todo", *(p for p in ALL_PAGES if p != "plans"), "notifications"],
        "community:c01": ["todo", *(p for p in ALL_PAGES if p != "plans"), "notifications"],
    }
    for who, pages in expected.items():
        console.sign_in(who)
        assert console.nav_ids() == pages, who
        role = who.split(":")[0]
        label = {
            "committee": "共建委员会",
            "viewer": "只读",
            "unit": "驻区单位",
            "community": "社区",
        }
        expect(console.page.locator("#who")).to_contain_text(label[role])
        console.page.click("#signout")
        expect(console.page.locator("#token")).to_be_visible()


def test_chinese_renders_with_a_real_font_and_english_switch(console: Console) -> None:
    console.sign_in("committee")
    page = console.page
    # tofu boxes look alike; real glyphs differ from each other and from an unassigned
    # private-use character (which can only be drawn as a box)
    distinct = page.evaluate(
        """() => {
          const font = getComputedStyle(document.body).fontFamily;
          const draw = (ch) => {
            const c = document.createElement("canvas"); c.width = 40; c.height = 40;
            const g = c.getContext("2d"); g.font = `32px ${font}`; g.fillText(ch, 2, 32);
            return c.toDataURL();
          };
          const box = draw("\\uE000");
          const glyphs = ["共", "建", "网", "联"].map(draw);
          return glyphs.every(g => g !== box) && new Set(glyphs).size === glyphs.length;
        }"""
    )
    assert distinct, "Chinese characters render as tofu boxes"
    shot(page, "shell-committee-zh")
    expect(page.locator("#nav")).to_contain_text("民情交办单")
    page.click("#lang")
    expect(page.locator("#nav")).to_contain_text("Work orders")
    expect(page.locator("#signout")).to_have_text("Sign out")
    page.click("#lang")
    expect(page.locator("#nav")).to_contain_text("民情交办单")


def test_phone_width_has_a_menu(console: Console) -> None:
    page = at_phone_width(console, "committee")
    expect(page.locator("#menu-toggle")).to_be_visible()
    page.click("#menu-toggle")
    expect(page.locator('#nav a[data-page="needs"]')).to_be_visible()
    assert_no_sideways_scroll(page)
    shot(page, "shell-phone-menu")


def test_vocabulary_labels_from_the_server_in_both_languages(console: Console) -> None:
    """Labels and defaults come from GET /vocab (once per sign-in), in 中文 and English."""
    vocab = console.server.client("viewer").get("/vocab").json()
    requests: list[str] = []
    console.page.on("request", lambda r: requests.append(r.url) if "/vocab" in r.url else None)
    console.sign_in("committee")
    page = console.page
    medical = next(t for t in vocab["need_categories"] if t["value"] == "medical")
    console.open("needs")
    expect(page.locator('#needs-f-category option[value="medical"]')).to_have_text(medical["zh"])
    console.open("plans")
    expect(page.locator("#plans-quarter")).to_have_value(vocab["current_quarter"])
    expect(page.locator("#plans-w-coverage")).to_have_value(str(vocab["weights"]["coverage"]))
    page.click("#lang")
    expect(page.locator("#who")).to_contain_text("Committee")
    console.open("needs")
    expect(page.locator('#needs-f-category option[value="medical"]')).to_have_text(medical["en"])
    expect(page.locator('#needs-f-status option[value="open"]')).to_have_text("Open")
    console.open("plans")
    shot(page, "plans-en")
    page.click("#lang")
    expect(page.locator("#who")).to_contain_text("共建委员会")
    assert len(requests) == 1, requests


def test_sign_out_is_hidden_on_the_sign_in_screen_and_the_phone_header_holds(
    console: Console,
) -> None:
    page = console.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(console.server.base_url + "/")
    expect(page.locator("#token")).to_be_visible()
    expect(page.locator("#signout")).to_be_hidden()  # nobody to sign out yet
    console.sign_in("community:c01")
    button = page.locator("#signout")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#signout')).lineHeight)"
    )
    assert box["height"] < 2 * line, "退出 breaks over two lines"
    assert box["x"] + box["width"] <= 390
    assert_no_sideways_scroll(page)
