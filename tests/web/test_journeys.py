"""The issue's cross-role journeys, each person in their own browser: a booking reaches
the dispatch board live and its assignment reaches the customer live; a driver delivers
with a drawn signature and a photo and the customer sees the proof; a customer's
message appears live on the driver's page."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from tests.fleet_helpers import assign, due_now
from tests.web.conftest import OpenPage, World, loaded_width, sign_in
from tests.web.test_driver import draw_signature, png_file

CUSTOMER, DISPATCHER, DRIVER = "buyer@globex.example", "dan@acme.example", "drew@acme.example"


async def live(page: Page) -> None:
    """The page's socket is connected (so what happens next reaches it)."""
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    await page.evaluate("window.__not_reloaded = true")


async def not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.__not_reloaded") is True


async def book_through_the_form(page: Page, url: str) -> str:
    """The customer books Chicago → Dallas with the portal's form; the new shipment's id."""
    await page.goto(f"{url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("8000")
    await page.get_by_label("Commodity").fill("Paper towels")
    for i, city in enumerate(("Chicago", "Dallas")):
        await page.locator(f"#stops-{i}-name").fill(f"{city} dock")
        await page.locator(f"#stops-{i}-address").fill("1 Freight Way")
        await page.locator(f"#stops-{i}-city").fill(city)
    await expect(page.locator("#stops-1-lat")).to_have_value("32.78306")  # GeoNames: Dallas, TX
    await page.get_by_role("button", name="Book shipment").click()
    await page.wait_for_url("**/app/shipments/*-*")
    return page.url.split("?")[0].rsplit("/", 1)[-1]


async def test_a_booking_reaches_the_board_live_and_its_assignment_reaches_the_customer(
    open_page: OpenPage, world: World
) -> None:
    dispatcher = await open_page()
    await sign_in(dispatcher, world.url, DISPATCHER)
    await expect(dispatcher).to_have_url(f"{world.url}/app/dispatch")
    await live(dispatcher)

    customer = await open_page()
    await sign_in(customer, world.url, CUSTOMER)
    shipment_id = await book_through_the_form(customer, world.url)
    reference = (await customer.get_by_test_id("shipment-reference").text_content() or "").strip()
    assert reference.startswith("FRT-")
    await customer.get_by_role("link", name="Shipments", exact=True).click()
    row = customer.locator(f'tr[data-shipment-id="{shipment_id}"]')
    await expect(row).to_contain_text("Pending")
    await row.get_by_role("link", name=reference).click()
    await expect(customer.get_by_test_id("shipment-status")).to_have_text("Pending")
    await live(customer)

    # the dispatcher's open board shows the new load without a reload, then assigns it
    card = dispatcher.locator(f'#pending-loads [data-shipment-id="{shipment_id}"]')
    await expect(card).to_contain_text(reference)
    await dispatcher.get_by_label(f"Driver for {reference}").select_option(world.driver.id)
    await card.get_by_role("button", name="Assign").click()
    await expect(card).to_have_count(0)
    await not_reloaded(dispatcher)

    # the customer's open page follows
    await expect(customer.get_by_test_id("shipment-status")).to_have_text("Assigned")
    await not_reloaded(customer)


async def test_a_driver_delivers_with_a_drawn_signature_and_photo_and_the_customer_sees_it(
    open_page: OpenPage, world: World, tmp_path: Path
) -> None:
    load_id = world.load["id"]
    await due_now(world.site.http, world.dispatcher, world.load)  # on time: no warnings
    await assign(world.site.http, world.dispatcher, load_id, world.driver)

    customer = await open_page()
    await sign_in(customer, world.url, CUSTOMER)
    await customer.goto(f"{world.url}/app/shipments/{load_id}")
    await expect(customer.get_by_test_id("shipment-status")).to_have_text("Assigned")

    driver = await open_page(phone=True)
    await sign_in(driver, world.url, DRIVER)
    await driver.locator(f'#my-loads [data-shipment-id="{load_id}"]').get_by_role("link").click()
    await driver.get_by_role("button", name="Picked up").click()
    await driver.get_by_role("button", name="In transit").click()
    await expect(driver.get_by_test_id("shipment-status")).to_have_text("In transit")
    await driver.get_by_label("Received by").fill("Rita Receiver")
    await draw_signature(driver)
    await driver.get_by_label("Photos", exact=True).set_input_files(png_file(tmp_path))
    await driver.get_by_role("button", name="Confirm delivery").click()
    await expect(driver.get_by_test_id("shipment-status")).to_have_text("Delivered")

    await expect(customer.get_by_test_id("shipment-status")).to_have_text("Delivered")
    await customer.reload()
    proof = customer.locator("#proof")
    signature = proof.get_by_role("img", name="Signature of Rita Receiver")
    photo = proof.get_by_role("img", name="Delivery photo 1")
    for image in (signature, photo):
        assert await loaded_width(image) > 0


async def test_a_customers_message_appears_live_on_the_drivers_page(
    open_page: OpenPage, world: World
) -> None:
    load_id = world.load["id"]
    await assign(world.site.http, world.dispatcher, load_id, world.driver)
    driver = await open_page(phone=True)
    await sign_in(driver, world.url, DRIVER)
    await driver.goto(f"{world.url}/app/driver/loads/{load_id}")
    await live(driver)

    customer = await open_page()
    await sign_in(customer, world.url, CUSTOMER)
    await customer.goto(f"{world.url}/app/shipments/{load_id}")
    await customer.get_by_label("Message", exact=True).fill("Please use the side gate.")
    await customer.get_by_role("button", name="Send").click()

    thread = driver.locator("#messages ol.messages")
    await expect(thread.locator("li")).to_contain_text(["Please use the side gate."])
    await expect(thread).to_contain_text("Customer")
    await not_reloaded(driver)
    # and the driver's answer reaches the customer
    await driver.get_by_label("Message", exact=True).fill("Will do.")
    await driver.get_by_role("button", name="Send").click()
    await expect(customer.locator("#messages ol.messages li").last).to_contain_text("Will do.")
