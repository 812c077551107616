"""A booking form that forgives: stops removed in place (and without the script), a draft
that survives a reload and belongs to its user, the quote before the Book button on a
phone, and a cancel form that a live update does not wipe while someone types in it."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.fleet_helpers import add_driver, assign, book_load
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in
from tests.web.test_portal import fill_stop, set_rates, shipments_of

BUYER = "buyer@globex.example"


async def test_a_stop_added_then_removed_leaves_the_others_in_order(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    before = await shipments_of(world.site, world.customer)
    page = await open_page()
    await sign_in(page, world.url, BUYER)
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("1200")
    await fill_stop(page, 0, "Chicago")
    await fill_stop(page, 1, "Dallas")
    await expect(page.get_by_role("button", name="Remove stop 1")).to_be_hidden()  # two stay
    await page.evaluate("window.__same_page = true")
    await page.get_by_role("button", name="Add a stop").click()
    await fill_stop(page, 1, "Memphis")  # the new stop goes before the last
    await expect(page.locator("#stops-2-city")).to_have_value("Dallas")
    await expect(page.locator("#stops-1 legend")).to_have_text("Stop 2: Delivery")
    await page.get_by_role("button", name="Remove stop 1").click()  # the pickup, by mistake?
    await expect(page.locator("fieldset[data-stop]")).to_have_count(2)
    await expect(page.locator("#stops-0-city")).to_have_value("Memphis")
    await page.get_by_label("Kind", exact=True).first.select_option("pickup")
    await expect(page.locator("#stops-0 legend")).to_have_text("Stop 1: Pickup")
    await expect(page.locator("#stops-1-city")).to_have_value("Dallas")
    await expect(page.get_by_role("button", name="Remove stop 1")).to_be_hidden()
    assert await page.evaluate("window.__same_page") is True  # no round trip
    await expect(page.get_by_test_id("quote-total")).to_contain_text("$")
    await page.get_by_role("button", name="Book shipment").click()
    await expect(page.get_by_text("Shipment booked.")).to_be_visible()
    after = await shipments_of(world.site, world.customer)
    [booked] = [s for s in after if s["id"] not in {b["id"] for b in before}]
    assert [s["city"] for s in booked["stops"]] == ["Memphis", "Dallas"]


async def test_remove_a_stop_without_javascript(world: World) -> None:
    async with signed_in(world.url, BUYER) as http:
        token = form_value((await http.get("/app/shipments/new")).text)
        data = {"csrf_token": token, "stop_count": "3", "weight": "700", "remove_stop": "1"}
        for i, city in enumerate(["Chicago", "Memphis", "Dallas"]):
            data |= {f"stops-{i}-kind": "delivery" if i else "pickup", f"stops-{i}-city": city}
        fewer = await http.post("/app/shipments/new", data=data)
        assert fewer.status_code == 200
        assert 'name="stop_count" value="2"' in fewer.text
        cities = re.findall(
            r'id="(stops-\d-city)" name="[^"]+" type="text" value="([^"]*)"', fewer.text
        )
        assert cities == [("stops-0-city", "Chicago"), ("stops-1-city", "Dallas")]
        # two stops stay: a tampered request cannot take the form below them
        data |= {"stop_count": "2", "remove_stop": "0"}
        kept = await http.post("/app/shipments/new", data=data)
        assert kept.status_code == 422  # booked nothing: the form came back with why
        assert 'name="stop_count" value="2"' in kept.text


# Whether the booking form's saved draft (draft.js, in localStorage) mentions this text.
DRAFT_HOLDS = """(text) => Object.keys(localStorage)
  .filter((k) => k.startsWith("freight:draft:"))
  .some((k) => localStorage.getItem(k).includes(text))"""


async def test_a_draft_survives_a_reload_and_stays_with_its_user(
    world: World, open_page: OpenPage
) -> None:
    page = await open_page()
    await sign_in(page, world.url, BUYER)
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("4400")
    await page.get_by_label("Commodity").fill("Paper rolls")
    await page.get_by_role("button", name="Add a stop").click()
    await fill_stop(page, 0, "Chicago")
    await fill_stop(page, 1, "Memphis")
    await fill_stop(page, 2, "Dallas")
    # the draft is saved a moment after typing stops: wait until it holds the last stop
    await page.wait_for_function(DRAFT_HOLDS, arg="Dallas")
    await page.reload()
    await expect(page.locator("#draft-notice")).to_contain_text("Your unsent booking from")
    await expect(page.get_by_label("Weight (lb)")).to_have_value("4400")
    await expect(page.get_by_label("Commodity")).to_have_value("Paper rolls")
    await expect(page.locator("fieldset[data-stop]")).to_have_count(3)
    await expect(page.locator("#stops-1-city")).to_have_value("Memphis")
    await expect(page.locator("#stops-2-lat")).to_have_value("32.78306")  # GeoNames: Dallas, TX
    # on a wide screen the quote sits beside the first fields, not below them
    await page.evaluate("window.scrollTo(0, 0)")
    quote_box = await page.locator(".booking-quote").bounding_box()
    load_box = await page.get_by_role("group", name="The load").bounding_box()
    assert quote_box and load_box
    assert abs(quote_box["y"] - load_box["y"]) < 40, (quote_box, load_box)
    await check_page(page, "booking-draft-desktop")

    # The dispatcher on the same browser does not get the customer's draft.
    await page.context.clear_cookies()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/shipments/new")
    await expect(page.locator("#draft-notice")).to_have_count(0)
    await expect(page.get_by_label("Commodity")).to_have_value("")
    # The customer's draft is still there for them; signing out forgets it.
    kept = await page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft'))")
    assert len(kept) == 1
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url("**/app/login")
    assert await page.evaluate("Object.keys(localStorage).length") == 0

    # Start over empties the form for good.
    await sign_in(page, world.url, BUYER)
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Commodity").fill("Paper rolls")
    await page.wait_for_function(DRAFT_HOLDS, arg="Paper rolls")
    await page.reload()
    await page.get_by_role("button", name="Start over").click()
    await expect(page.locator("#draft-notice")).to_have_count(0)
    await expect(page.get_by_label("Commodity")).to_have_value("")
    await page.reload()
    await expect(page.get_by_label("Commodity")).to_have_value("")


async def test_on_a_phone_the_quote_comes_before_the_book_button(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    page = await open_page(phone=True)
    await sign_in(page, world.url, BUYER)
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("900")
    await fill_stop(page, 0, "Chicago")
    await fill_stop(page, 1, "Dallas")
    quote = page.get_by_test_id("quote-total")
    await expect(quote).to_contain_text("$")
    book = page.get_by_role("button", name="Book shipment")
    quote_box, book_box = await quote.bounding_box(), await book.bounding_box()
    assert quote_box and book_box and quote_box["y"] + quote_box["height"] <= book_box["y"]
    await book.scroll_into_view_if_needed()
    await check_page(page, "booking-phone-quote")


async def test_a_live_update_does_not_wipe_a_cancel_reason_being_typed(
    world: World, open_page: OpenPage
) -> None:
    page = await open_page()
    await sign_in(page, world.url, BUYER)
    await page.goto(f"{world.url}/app/shipments/{world.load['id']}")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    reason = page.get_by_label("Reason")
    await reason.fill("The order was withdrawn by our customer")
    await assign(world.site.http, world.dispatcher, world.load["id"], world.driver)
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Assigned")
    gone = page.locator("#cancel-gone")
    await expect(gone).to_contain_text("it can no longer be cancelled here")
    await expect(reason).to_have_value("The order was withdrawn by our customer")
    await expect(page.get_by_role("button", name="Cancel shipment")).to_have_count(0)
    await check_page(page, "cancel-overtaken-desktop")

    # An untouched form simply goes away.
    load = await book_load(world.site.http, world.dispatcher, world.customer_id)
    await page.goto(f"{world.url}/app/shipments/{load['id']}")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    await expect(page.locator("#cancel")).to_be_visible()
    second = await add_driver(world.site.http, world.admin, "dee@acme.example", "Dallas")
    await assign(world.site.http, world.dispatcher, load["id"], second)
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Assigned")
    await expect(page.locator("#cancel")).to_have_count(0)
