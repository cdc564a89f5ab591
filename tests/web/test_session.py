"""The console's session: an HttpOnly cookie no page script can read, kept across a reload."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.web.conftest import Console

COOKIE = "gongjian_session"

_STORAGE = """() => {
  const dump = (s) => Object.fromEntries(Array.from({length: s.length}, (_, i) => s.key(i))
                                           .map((k) => [k, s.getItem(k)]));
  return {local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie};
}"""


def test_no_token_in_page_storage_and_the_cookie_is_out_of_reach(console: Console) -> None:
    console.sign_in("unit:u01")
    page = console.page
    token = console.server.tokens["unit:u01"]
    seen = page.evaluate(_STORAGE)
    stored = " ".join(f"{k}={v}" for part in ("local", "session") for k, v in seen[part].items())
    assert token not in stored and "token" not in stored.lower(), seen
    assert set(seen["local"]) <= {"gongjian.lang"} and not seen["session"], seen
    assert COOKIE not in seen["cookie"], seen["cookie"]
    # the browser holds it, HttpOnly and SameSite=Strict, for this server only
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies[COOKIE]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/"
    assert token not in session["value"]
    # the token field is emptied once signed in
    expect(page.locator("#token")).to_have_count(0)


def test_reload_keeps_the_user_signed_in_and_writes_carry_the_csrf_token(
    console: Console,
) -> None:
    console.sign_in("committee")
    page = console.page
    page.reload()
    expect(page.locator("#signout")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("共建委员会")
    expect(page.locator("#view section")).to_be_visible()
    # a write from the page's own API client works after the reload (CSRF token from
    # GET /session); the same request without the header is refused
    result = page.evaluate(
        """async () => {
          const {api} = await import("/static/js/api.js");
          const ok = await api("/needs", {method: "POST", body: {
            id: "n-web-sess-1", title: "会话测试", category: "repair",
            community_id: "c01", quarter: "2026Q4"}});
          const bare = await fetch("/needs", {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({id: "n-web-sess-2", title: "x", category: "repair",
              community_id: "c01", quarter: "2026Q4"})});
          return {ok: ok.id, bare: bare.status, message: (await bare.json()).error.message};
        }"""
    )
    assert result["ok"] == "n-web-sess-1"
    assert result["bare"] == 403 and "CSRF" in result["message"], result
    console.errors.clear()  # the refused bare request logged its expected 403


def test_sign_out_clears_the_session(console: Console) -> None:
    console.sign_in("viewer")
    page = console.page
    before = {c["name"]: c["value"] for c in page.context.cookies()}[COOKIE]
    page.click("#signout")
    expect(page.locator("#token")).to_be_visible()
    assert COOKIE not in {c["name"] for c in page.context.cookies()}
    page.reload()
    expect(page.locator("#token")).to_be_visible()
    expect(page.locator("#nav a")).to_have_count(0)
    # the old session id is dead on the server too
    r = httpx.get(console.server.base_url + "/me", cookies={COOKIE: before})
    assert r.status_code == 401
