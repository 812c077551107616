"""The admin's webhook pages in the browser: add an endpoint (its secret shown once), see
the delivery log, replay a delivery; refusals next to their field; admins only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from playwright.async_api import expect

from tests.fleet_helpers import book_load
from tests.helpers import add_customer, add_user, register
from tests.realtime.conftest import LiveServer, start_server
from tests.web.conftest import OpenPage, check_page, sign_in
from tests.webhooks.conftest import hook_settings
from tests.webhooks.receiver import Receiver

ADMIN = "admin@acme.example"


@pytest.fixture
async def hook_site(clean_db: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """A served Freight that delivers webhooks (to 127.0.0.1) from its own process."""
    settings = hook_settings(clean_db, tmp_path, map_tile_url="")
    server, task, url, app = await start_server(settings)
    try:
        async with AsyncClient(base_url=url, timeout=10) as http:
            yield LiveServer(url, settings, http, app)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.start()
    yield found
    await found.stop()


async def test_an_admin_adds_an_endpoint_sees_its_log_and_replays_a_delivery(
    hook_site: LiveServer, receiver: Receiver, open_page: OpenPage
) -> None:
    http = hook_site.http
    admin = await register(http, "Acme Haulage", ADMIN)
    customer_id = await add_customer(http, admin)
    page = await open_page()
    await sign_in(page, hook_site.url, ADMIN)
    await page.goto(f"{hook_site.url}/app/admin")
    await page.get_by_role("link", name="Webhooks").click()
    await check_page(page, "admin-webhooks-desktop")

    await page.get_by_label("URL").fill("http://10.0.0.1/hooks")
    await page.get_by_role("button", name="Add endpoint").click()
    await expect(page.locator("#url-error")).to_contain_text("Not a deliverable address")
    await expect(page.get_by_label("URL")).to_have_value("http://10.0.0.1/hooks")

    await page.get_by_label("URL").fill(receiver.url)
    await page.get_by_label("Description").fill("ERP order status")
    await page.get_by_label("shipment.created").check()
    await page.get_by_role("button", name="Add endpoint").click()
    secret = await page.get_by_test_id("webhook-secret").input_value()
    assert secret.startswith("whsec_")
    await check_page(page, "admin-webhook-secret-desktop")
    await page.reload()
    await expect(page.get_by_test_id("secret-gone")).to_be_visible()

    load = await book_load(http, admin, customer_id)
    [got] = await receiver.wait_for(1)
    assert got.verified(secret)["data"]["shipment"]["reference"] == load["reference"]
    await page.get_by_role("link", name="To the endpoint").click()
    row = page.locator("#webhook-deliveries tbody tr").first
    for _ in range(50):  # the log shows the delivery once the worker settled it
        if await row.get_attribute("data-status") == "delivered":
            break
        await page.wait_for_timeout(100)
        await page.reload()
    await expect(row).to_contain_text("shipment.created")
    await expect(row).to_contain_text("200")
    await check_page(page, "admin-webhook-desktop")

    await row.get_by_role("button", name="Replay").click()
    await expect(page.get_by_text("Delivery queued again")).to_be_visible()
    second = (await receiver.wait_for(2))[1]
    assert second.webhook_id == got.webhook_id

    phone = await open_page(phone=True)
    await sign_in(phone, hook_site.url, ADMIN)
    await phone.goto(page.url)
    await check_page(phone, "admin-webhook-phone")
    await phone.goto(f"{hook_site.url}/app/admin/webhooks")
    await check_page(phone, "admin-webhooks-phone")


async def test_the_webhook_pages_are_for_admins_only(
    hook_site: LiveServer, open_page: OpenPage
) -> None:
    admin = await register(hook_site.http, "Acme Haulage", ADMIN)
    await add_user(hook_site.http, admin, "dispatcher", "dan@acme.example")
    page = await open_page()
    await sign_in(page, hook_site.url, "dan@acme.example")
    resp = await page.goto(f"{hook_site.url}/app/admin/webhooks")
    assert resp is not None and resp.status == 403
