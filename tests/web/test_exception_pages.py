"""A delivery that goes wrong, as the people on it see it: the driver reports the closed
dock with a photo from the phone; the dispatcher reads it on the shipment page and sets a
new window; the shipper sees what happened without the driver's note."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.async_api import FilePayload, Page, expect

from tests.fleet_helpers import assign, move, tiny_png
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def _in_transit(world: World) -> None:
    http = world.site.http
    await assign(http, world.dispatcher, world.load["id"], world.driver)
    await move(http, world.driver, world.load["id"], "PICKED_UP")
    await move(http, world.driver, world.load["id"], "IN_TRANSIT")


async def _phone(open_page: OpenPage, world: World) -> Page:
    page = await open_page(phone=True)
    await sign_in(page, world.url, "drew@acme.example")
    await page.goto(f"{world.url}/app/driver/loads/{world.load['id']}")
    return page


async def test_a_failed_delivery_reported_from_the_phone_and_reattempted_by_dispatch(
    open_page: OpenPage, world: World
) -> None:
    await _in_transit(world)
    phone = await _phone(open_page, world)
    problem = phone.locator("#problem")
    await problem.get_by_text("Report a problem").click()
    await problem.get_by_role("button", name="Send to dispatch").click()
    await expect(problem.locator(".field-error")).to_contain_text("Choose what happened")

    await problem.get_by_label("What happened").select_option("delivery_failed:closed")
    await problem.get_by_label("Note for dispatch").fill("Gate locked, nobody answers")
    await problem.get_by_label("Photos of the problem").set_input_files(
        files=FilePayload(name="gate.png", mimeType="image/png", buffer=tiny_png(8, 6))
    )
    await check_page(phone, "driver-problem-phone")
    await problem.get_by_role("button", name="Send to dispatch").click()
    await expect(phone.get_by_test_id("problem-reported")).to_be_visible()
    await expect(phone.get_by_test_id("shipment-status")).to_have_text("Attempt failed")
    await expect(phone.get_by_test_id("attempt-failed")).to_be_visible()
    await expect(phone.get_by_test_id("reports")).to_contain_text("Closed")

    office = await open_page()
    await sign_in(office, world.url, "dan@acme.example")
    await office.goto(f"{world.url}/app/shipments/{world.load['id']}")
    reports = office.get_by_test_id("exceptions")
    await expect(reports).to_contain_text("Closed")
    await expect(reports).to_contain_text("Gate locked, nobody answers")
    photo = await office.request.get(
        f"{world.url}{await reports.get_by_role('link', name='Photo 1').get_attribute('href')}"
    )
    assert photo.ok and (await photo.body()).startswith(b"\x89PNG")
    await expect(office.locator("main")).to_contain_text("Delivery attempt failed: closed")

    action = office.locator("#reattempt-action")
    await action.get_by_role("button", name="Reattempt").click()
    await expect(action.locator(".field-error").first).to_contain_text("Enter a date and time")
    start = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0)
    await action.get_by_label("New window opens").fill(start.strftime("%Y-%m-%dT%H:%M"))
    end = start + timedelta(hours=3)
    await action.get_by_label("Closes").fill(end.strftime("%Y-%m-%dT%H:%M"))
    await check_page(office, "shipment-reattempt-desktop")
    await action.get_by_role("button", name="Reattempt").click()
    await expect(office.locator(".notice")).to_have_text("Status updated.")
    await expect(office.get_by_test_id("shipment-status")).to_have_text("In transit")
    await expect(office.locator("main")).to_contain_text("Delivery to be reattempted")

    shipper = await open_page(phone=True)
    await sign_in(shipper, world.url, "buyer@globex.example")
    await shipper.goto(f"{world.url}/app/shipments/{world.load['id']}")
    await expect(shipper.get_by_test_id("exceptions")).to_contain_text("Closed")
    await expect(shipper.locator("main")).not_to_contain_text("Gate locked")
    await expect(shipper.locator("main")).to_contain_text(re.compile("Delivery attempt failed"))
    await check_page(shipper, "shipment-exception-customer-phone")
