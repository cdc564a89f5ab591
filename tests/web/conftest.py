"""Browser tests: Debian's Chromium (headless) driven by Playwright against a real server.

The server is the real service (uvicorn) on a loopback port, seeded with the 星城
network (:func:`tests.api.server.start_api`). Chromium is ``/usr/bin/chromium``
(``GONGJIAN_CHROMIUM`` to override), installed by ``scripts/test.sh`` with the
CJK fonts; if it is missing the tests fail, they never skip. Every page a test
visits can be saved with :func:`shot` under ``out/screenshots/`` (test artefacts).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Need, NeedCategory, Unit
from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from tests.api.server import ApiServer, embedded_server_fixture, start_api

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "out" / "screenshots"
CHROMIUM = os.environ.get("GONGJIAN_CHROMIUM", "/usr/bin/chromium")
# as the machine's notes advise: no background traffic to hosts this machine cannot reach
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium fonts-noto-cjk")
    fc = shutil.which("fc-list")
    fonts = subprocess.run([fc, ":lang=zh"], capture_output=True, text=True).stdout if fc else ""
    if not fonts.strip():
        pytest.fail(
            "no CJK font installed (Chinese would render as tofu): apt-get install fonts-noto-cjk"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


server = embedded_server_fixture(
    "server", "web", "A seeded server of the module's own (tests change data)."
)


class Console:
    """A signed-in browser page on the console, with the JS errors it raised."""

    def __init__(self, page: Page, server: ApiServer) -> None:
        self.page = page
        self.server = server
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def sign_in(self, who: str) -> Console:
        self.page.goto(self.server.base_url + "/")
        self.page.fill("#token", self.server.tokens[who])
        self.page.click("#signin-submit")
        expect(self.page.locator("#signout")).to_be_visible()
        expect(self.page.locator("#view section")).to_be_visible()
        return self

    def open(self, page_id: str) -> None:
        """Go to a page by its id (``#/<id>``) through the navigation."""
        self.page.click(f'#nav a[data-page="{page_id}"]')
        expect(self.page.locator(f'section[data-page="{page_id}"]')).to_be_visible()

    def nav_ids(self) -> list[str]:
        return self.page.eval_on_selector_all("#nav a", "els => els.map(e => e.dataset.page)")


@contextmanager
def console_in(browser: Browser, server: ApiServer, **options: Any) -> Iterator[Console]:
    """A console in a browser context of its own; on leaving, no JS errors but benign ones."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", **options
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    c = Console(page, server)
    yield c
    context.close()
    assert not [e for e in c.errors if not _benign(e)], c.errors


@pytest.fixture
def console(browser: Browser, server: ApiServer) -> Iterator[Console]:
    with console_in(browser, server, accept_downloads=True) as c:
        yield c


def at_phone_width(console: Console, who: str) -> Page:
    """Sign ``who`` in on a 390 px wide screen; the page."""
    console.page.set_viewport_size({"width": 390, "height": 844})
    console.sign_in(who)
    return console.page


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # no sideways scrolling of the page itself


def _benign(message: str) -> bool:
    # a refused API call logs "Failed to load resource" for the 4xx it expected
    return bool(
        re.search(r"Failed to load resource: the server responded with a status of 4\d\d", message)
    )


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact; returns its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pick(page: Page, selector: str, text: str, item_id: str) -> None:
    """Choose ``item_id`` in a type-ahead picker (typeahead.js): type ``text`` into the
    box at ``selector`` and click the option the API's search lists for it."""
    box = page.locator(selector)
    box.fill(text)
    listbox = box.get_attribute("aria-controls")
    page.locator(f'#{listbox} [role="option"][data-id="{item_id}"]').click()


# --------------------------------------------------------------------------- district

UNITS, NEEDS = 2000, 20_000


def fill_district(db: Path, units: int = UNITS, needs: int = NEEDS) -> Unit:
    """Write a district into a new embedded store at ``db``: the generator's district of
    ``units`` units with ~2,000 of its needs, the other orders (up to ``needs``) plain open
    ones spread over its communities (generating them all would take a minute). Returns
    the last unit (the 2,000th). Also used by bench/console_pages.py."""
    network = generate(units, min(needs, 2000), 40, seed=1)
    communities = sorted({e.community_id for e in network.entities if isinstance(e, Unit)})
    categories = list(NeedCategory)
    quarter = next(e.quarter for e in network.entities if isinstance(e, Need))
    generated = sum(isinstance(e, Need) for e in network.entities)
    extra = [
        Need.model_construct(
            id=f"nd{i:05d}",
            version=1,
            title=f"居民诉求 {i}",
            category=categories[i % len(categories)],
            community_id=communities[i % len(communities)],
            grid_id=None,
            quarter=quarter,
            effort=1,
            priority=1 + i % 5,
            due=date(2026, 10, 1) + timedelta(days=i % 90),
        )
        for i in range(needs - generated)
    ]
    store = EmbeddedStore(db)
    try:
        store.migrate()
        load_network(store, network)
        store.upsert_many(extra)
        return store.list(Unit, offset=units - 1, limit=1)[0]
    finally:
        store.close()


@pytest.fixture(scope="session")
def district() -> Iterator[tuple[ApiServer, Unit]]:
    """A district-sized server (2,000 units in 200 communities, 20,000 work orders), and its
    2,000th unit: ONE for the session, shared by the district modules (building it takes
    a while). Those modules only read, or change a few orders (never units or communities)."""
    workdir = Path(tempfile.mkdtemp(prefix="web-district-lists-"))
    server = start_api(workdir, "embedded", seed=False, start=False)
    last = fill_district(workdir / "graph.sqlite")
    # no delivery worker: its outbox writes for 20,000 orders advance the store's data
    # version every second or so, and no cached figure would ever be used twice; these
    # modules test pages, not delivery (bench/console_pages.py runs with the worker)
    server.env["GONGJIAN_NOTIFY_WORKER"] = "false"
    server.start()
    yield server, last
    server.stop()
