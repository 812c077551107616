"""Mail in the browser on the embedded default (no SMTP host): a forgotten password
reset through the link the admin's Outbox shows, one's own mail choices, a one-page
unsubscribe, and each mail beside the load's timeline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from playwright.async_api import Page, expect

from tests.fleet_helpers import book_load
from tests.helpers import add_customer, add_user, login, register
from tests.mail.conftest import mail_settings
from tests.realtime.conftest import LiveServer, start_server
from tests.web.conftest import OpenPage, check_page, sign_in

ADMIN, DISPATCHER = "admin@acme.example", "dan@acme.example"
NEW = "correct horse battery staple"


@pytest.fixture
async def mail_site(clean_db: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """A served Freight whose worker keeps mails for the Outbox."""
    settings = mail_settings(clean_db, tmp_path, None, map_tile_url="")
    server, task, url, app = await start_server(settings)
    try:
        async with AsyncClient(base_url=url, timeout=10) as http:
            yield LiveServer(url, settings, http, app)
    finally:
        server.should_exit = True
        await task


async def open_mail(page: Page, url: str, subject: str) -> str:
    """Open the newest mail with this subject on the Outbox page; its plain text."""
    for _ in range(40):  # the worker keeps it within a second or so
        await page.goto(f"{url}/app/admin/outbox")
        link = page.locator("#outbox").get_by_role("link", name=subject).first
        if await link.count():
            await link.click()
            return await page.locator("#mail-text").inner_text()
        await page.wait_for_timeout(250)
    raise AssertionError(f"no mail {subject!r} in the Outbox")


def path_of(text: str, prefix: str) -> str:
    found = re.search(rf"https://freight\.acme\.example({re.escape(prefix)}\S+)", text)
    assert found is not None, text
    return found.group(1)


async def test_a_forgotten_password_is_reset_by_the_mailed_link(
    open_page: OpenPage, mail_site: LiveServer
) -> None:
    http, url = mail_site.http, mail_site.url
    admin = await register(http, "Acme Haulage", ADMIN)
    await add_user(http, admin, "dispatcher", DISPATCHER)
    for phone in (False, True):
        guest = await open_page(phone=phone)
        await guest.goto(f"{url}/app/login")
        await guest.get_by_role("link", name="Forgot your password?").click()
        await guest.get_by_label("Email").fill(DISPATCHER if phone else "nobody@nowhere.example")
        await guest.get_by_role("button", name="Send me a link").click()
        await expect(guest.locator("#reset-sent")).to_contain_text("If an account signs in")
        await check_page(guest, f"forgot-password-{'phone' if phone else 'desktop'}")

    office = await open_page()
    await sign_in(office, url, ADMIN)
    text = await open_mail(office, url, "Reset your Freight password")
    await check_page(office, "outbox-mail")
    await expect(office.locator("dl.facts")).to_contain_text(DISPATCHER)

    guest = await open_page(phone=True)
    await guest.goto(url + path_of(text, "/app/reset-password"))
    await guest.get_by_label("New password").fill(NEW)
    await guest.get_by_label("Repeat it").fill(NEW + "x")
    await guest.get_by_role("button", name="Save the new password").click()
    await expect(guest.locator("#reset-error")).to_contain_text("not the same")
    await guest.get_by_label("New password").fill(NEW)
    await guest.get_by_label("Repeat it").fill(NEW)
    await guest.get_by_role("button", name="Save the new password").click()
    await expect(guest.get_by_role("status").last).to_contain_text("Password changed")
    await check_page(guest, "password-reset-done-phone")
    await login(http, DISPATCHER, NEW)


async def test_mail_choices_unsubscribing_and_the_timeline(
    open_page: OpenPage, mail_site: LiveServer
) -> None:
    http, url = mail_site.http, mail_site.url
    admin = await register(http, "Acme Haulage", ADMIN)
    account = await add_customer(http, admin, "Globex Foods")
    load = await book_load(http, admin, account)
    office = await open_page()
    await sign_in(office, url, ADMIN)
    text = await open_mail(office, url, f"Booking confirmed: {load['reference']}")

    await office.goto(f"{url}/app/shipments/{load['id']}")
    side = office.locator("#side-entries")
    await expect(side).to_contain_text(f"Mail “Booking confirmed” to {ADMIN}: kept")
    await check_page(office, "shipment-side-entries")

    await office.get_by_role("link", name=re.compile("Ada")).click()  # one's own name
    box = office.get_by_label("Booking confirmed")
    await expect(box).to_be_checked()
    await box.uncheck()
    await office.get_by_role("button", name="Save").click()
    await expect(office.get_by_text("Saved.")).to_be_visible()
    await expect(office.get_by_label("Booking confirmed")).not_to_be_checked()
    await check_page(office, "my-mails-desktop")

    guest = await open_page(phone=True)
    await guest.goto(url + path_of(text, "/app/unsubscribe"))
    await expect(guest.get_by_role("heading", name="Stop these mails?")).to_be_visible()
    await guest.get_by_role("button", name="Unsubscribe").click()
    await expect(guest.locator("#unsubscribed")).to_contain_text("a***@acme.example")
    await check_page(guest, "unsubscribed-phone")
    await guest.goto(f"{url}/app/unsubscribe?token=forged.token.here")
    await expect(guest.get_by_role("heading", name="This link does not work")).to_be_visible()


async def test_the_outbox_is_for_admins(open_page: OpenPage, mail_site: LiveServer) -> None:
    http, url = mail_site.http, mail_site.url
    admin = await register(http, "Acme Haulage", ADMIN)
    await add_user(http, admin, "dispatcher", DISPATCHER)
    page = await open_page()
    await sign_in(page, url, DISPATCHER)
    resp = await page.goto(f"{url}/app/admin/outbox")
    assert resp is not None and resp.status == 403
