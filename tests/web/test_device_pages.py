"""The Traccar Client app as the office sets it up: on the driver's page, issue an
identifier (shown once), see the app's reports arrive, and revoke it."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import OpenPage, World, check_page, sign_in


async def test_the_office_issues_an_identifier_sees_reports_and_revokes_it(
    open_page: OpenPage, world: World
) -> None:
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/drivers/{world.driver.id}")
    card = page.locator("#devices")
    await card.get_by_label("Phone (for you to tell them apart)").fill("Drew's Android")
    await card.get_by_role("button", name="Issue a device identifier").click()
    identifier = await page.get_by_test_id("device-identifier").inner_text()
    assert len(identifier) == 20
    await expect(card).to_contain_text("/api/tracking/osmand")
    await check_page(page, "driver-device-issued-desktop")

    http = world.site.http
    report = {"id": identifier, "lat": "41.88", "lon": "-87.63", "batt": "64", "speed": "0"}
    assert (await http.get("/api/tracking/osmand", params=report)).status_code == 200
    await page.goto(f"{world.url}/app/drivers/{world.driver.id}")
    await expect(page.get_by_test_id("device-identifier")).to_have_count(0)  # shown once
    devices = page.get_by_test_id("devices")
    await expect(devices).to_contain_text("Drew's Android")
    await expect(devices).to_contain_text("battery 64 %")
    await expect(devices).not_to_contain_text(identifier)

    await devices.get_by_role("button", name=f"Revoke Drew's Android ···{identifier[-4:]}").click()
    await expect(page.locator(".notice")).to_contain_text("The device is revoked")
    await expect(devices).to_contain_text("Revoked")
    assert (await http.get("/api/tracking/osmand", params=report)).status_code == 401

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(f"{world.url}/app/drivers/{world.driver.id}#devices")
    await check_page(phone, "driver-devices-phone")
