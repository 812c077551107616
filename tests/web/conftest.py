"""The web app in a real browser: a running Freight, Debian's Chromium driven by Playwright.

``site`` is a served Freight (uvicorn in the test loop, no map tiles); ``browser`` a
Chromium; ``open_page`` a new browser context at a desktop or phone viewport that
records CSP violations and page errors; ``sign_in`` fills the real sign-in form;
``check_page`` runs axe-core (from npm), checks for horizontal scrolling and saves a
screenshot under ``test-artifacts/``. ``world`` makes an organisation with a user of
every role, a shipper account, a driver with a truck, and one pending load.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from freight.settings import Settings
from tests.conftest import base_settings
from tests.fleet_helpers import DriverAt, add_driver, add_vehicle, book_load
from tests.helpers import PASSWORD, Session, add_customer, add_user, register
from tests.realtime.conftest import LiveServer, start_server

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

# An assertion waits as long as an action: on a loaded two-core CI machine a write, its
# commit and the page it reloads can take longer than Playwright's default of 5 s.
expect.set_options(timeout=10_000)

if not CHROMIUM.exists() and not os.environ.get("FREIGHT_TEST_REQUIRE_BROWSER"):
    pytest.skip(
        "needs Debian's chromium (.ci/run installs it: apt-get install chromium)",
        allow_module_level=True,
    )


# Closing a context or the browser takes well under a second; past this it is wedged.
CLOSE_TIMEOUT_S = 20


@pytest.fixture
def web_settings(clean_db: str, tmp_path: Path) -> Settings:
    return base_settings(clean_db, tmp_path, map_tile_url="", ws_idle_timeout_s=120)


@pytest.fixture
async def site(web_settings: Settings) -> AsyncIterator[LiveServer]:
    server, task, url, app = await start_server(web_settings)
    try:
        async with AsyncClient(base_url=url, timeout=10) as http:
            yield LiveServer(url, web_settings, http, app)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            # A wedged browser must not hang the suite: leaving ``async_playwright`` ends
            # the driver, and Chromium exits when its pipe to the driver closes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(chromium.close(), CLOSE_TIMEOUT_S)


@dataclass
class PageProblems:
    """What went wrong in a page that the user would not see as an error message."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp.append(message.text)

    def assert_clean(self) -> None:
        assert not self.csp, f"CSP violations: {self.csp}"
        assert not self.errors, f"uncaught page errors: {self.errors}"


OpenPage = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_page(browser: Browser) -> AsyncIterator[OpenPage]:
    """``await open_page(phone=False, **context_options)``: a fresh signed-out browser tab.

    Each tab's CSP violations and uncaught errors fail the test at teardown.
    """
    contexts = []
    problems: list[PageProblems] = []

    async def make(phone: bool = False, **options: Any) -> Page:
        context = await browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            accept_downloads=True,
            **options,
        )
        contexts.append(context)
        page = await context.new_page()
        seen = PageProblems()
        page.on("console", seen.on_console)
        page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
        problems.append(seen)
        page.set_default_timeout(10_000)
        return page

    yield make
    stuck = 0
    for context in contexts:
        try:
            await asyncio.wait_for(context.close(), CLOSE_TIMEOUT_S)
        except TimeoutError:
            stuck += 1
    for seen in problems:
        seen.assert_clean()
    assert not stuck, f"{stuck} browser context(s) did not close in {CLOSE_TIMEOUT_S} s"


async def sign_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    await page.goto(f"{url}/app/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda u: "/app/login" not in u)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in result if v.get("impact") in ("serious", "critical")]


async def check_page(page: Page, name: str) -> None:
    """No serious accessibility violation, no sideways scrolling, and a screenshot."""
    violations = await axe_violations(page)
    summary = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not violations, json.dumps(summary, indent=1)
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@dataclass
class World:
    """One organisation with a user of every role, ready to sign in."""

    site: LiveServer
    admin: Session
    dispatcher: Session
    customer: Session
    customer_id: str
    driver: DriverAt
    load: dict[str, Any]

    @property
    def url(self) -> str:
        return self.site.url


@pytest.fixture
async def world(site: LiveServer) -> World:
    http = site.http
    admin = await register(http, "Acme Haulage", "admin@acme.example")
    dispatcher = await add_user(http, admin, "dispatcher", "dan@acme.example")
    customer_id = await add_customer(http, admin, "Globex Foods")
    customer = await add_user(http, admin, "customer", "buyer@globex.example", customer_id)
    driver = await add_driver(http, admin, "drew@acme.example", city="Chicago")
    await add_vehicle(http, admin, "T-100")
    load = await book_load(http, admin, customer_id)
    return World(site, admin, dispatcher, customer, customer_id, driver, load)


async def loaded_width(image: Locator) -> int:
    """Wait for an ``<img>`` to finish loading; its natural width (0 if it failed)."""
    await expect(image).to_be_visible()
    handle = await image.element_handle()
    await image.page.wait_for_function("img => img.complete", arg=handle)
    width: int = await image.evaluate("img => img.naturalWidth")
    return width
