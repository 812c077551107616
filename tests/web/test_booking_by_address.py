"""Booking a town that is not one of a few hubs: the city is suggested as it is typed,
picked with the keyboard, quoted, and placed by the server from its address."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import OpenPage, World, check_page, sign_in
from tests.web.test_portal import fill_stop, set_rates, shipments_of


async def test_a_customer_books_joplin_by_picking_it_from_the_suggestions(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    before = {s["id"] for s in await shipments_of(world.site, world.customer)}
    page = await open_page()
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("12000")
    city = page.locator("#stops-0-city")
    await city.press_sequentially("Jopl")
    option = page.locator('#stops-0-places option[value="Joplin, MO"]')
    await expect(option).to_have_count(1)
    await city.fill("Joplin, MO")  # what choosing the suggestion puts in the field
    await expect(city).to_have_value("Joplin")
    await expect(page.locator("#stops-0-region")).to_have_value("MO")
    await expect(page.locator("#stops-0-zone")).to_contain_text("America/Chicago")
    await fill_stop(page, 1, "Dallas")
    await expect(page.get_by_test_id("quote-total")).to_contain_text("$")
    await check_page(page, "booking-by-address-desktop")
    await page.get_by_role("button", name="Book shipment").click()
    await expect(page.get_by_text("Shipment booked.")).to_be_visible()
    [booked] = [s for s in await shipments_of(world.site, world.customer) if s["id"] not in before]
    joplin = booked["stops"][0]
    assert (joplin["city"], joplin["region"]) == ("Joplin", "MO")
    assert joplin["geocode"] == {"source": "embedded", "precision": "city"}
    assert abs(joplin["lat"] - 37.08) < 0.05
