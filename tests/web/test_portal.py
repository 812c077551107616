"""The customer portal in a real browser: booking with a live quote, the list, the shipment page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.fleet_helpers import assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, add_user, register
from tests.realtime.conftest import LiveServer
from tests.web.clients import BrowserLike, csrf, form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, loaded_width, sign_in

RATES = {"currency": "USD", "per_km_cents": {"dry_van": 150, "reefer": 190}}
SHIPMENT_URL = re.compile(r".*/app/shipments/[0-9a-f-]{36}(\?.*)?$")


async def set_rates(world: World) -> None:
    resp = await world.site.http.put("/api/billing/rates", headers=world.admin.auth, json=RATES)
    assert resp.status_code == 200, resp.text


async def shipments_of(site: LiveServer, who: Session, **params: Any) -> list[dict[str, Any]]:
    resp = await site.http.get("/api/shipments", headers=who.auth, params=params)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def fill_stop(page: Page, i: int, city: str) -> None:
    await page.locator(f"#stops-{i}-name").fill(f"{city} dock")
    await page.locator(f"#stops-{i}-address").fill("1 Freight Way")
    await page.locator(f"#stops-{i}-city").fill(city)


async def test_a_customer_books_with_a_live_quote_and_finds_it_in_the_list(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    before = await shipments_of(world.site, world.customer)
    page = await open_page()
    await sign_in(page, world.url, "buyer@globex.example")
    await page.get_by_role("link", name="Book", exact=True).click()
    await expect(page.get_by_role("heading", name="Book a shipment")).to_be_visible()
    await page.get_by_label("Equipment").select_option("reefer")
    await page.get_by_label("Weight (lb)").fill("9500")
    await page.get_by_label("Commodity").fill("Frozen peas")
    await fill_stop(page, 0, "Chicago")
    await fill_stop(page, 1, "Dallas")
    # The city list filled in the coordinates; the quote follows without a reload.
    await expect(page.locator("#stops-1-lat")).to_have_value("32.78306")  # GeoNames: Dallas, TX
    quote = page.get_by_test_id("quote-total")
    await expect(quote).to_contain_text("Estimated price: $")
    await check_page(page, "portal-book-desktop")
    quoted = await quote.text_content()
    await page.get_by_role("button", name="Book shipment").click()
    await page.wait_for_url(SHIPMENT_URL)
    await expect(page.get_by_text("Shipment booked.")).to_be_visible()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Pending")
    reference = (await page.get_by_test_id("shipment-reference").text_content()) or ""

    after = await shipments_of(world.site, world.customer)
    assert len(after) == len(before) + 1
    booked = next(s for s in after if s["reference"] == reference)
    assert booked["equipment_type"] == "reefer"
    assert booked["weight_kg"] == pytest.approx(9500 * 0.45359237, abs=0.001)  # typed in lb
    assert [s["city"] for s in booked["stops"]] == ["Chicago", "Dallas"]
    assert booked["stops"][0]["address"] == "1 Freight Way"
    assert quoted and f"{booked['price_cents'] / 100:,.2f}" in quoted  # the quote is the price

    await page.get_by_role("link", name="Shipments", exact=True).click()
    row = page.locator(f'tr[data-shipment-id="{booked["id"]}"]')
    await expect(row).to_contain_text("Pending")
    await row.get_by_role("link", name=reference).click()
    await page.wait_for_url(f"**/app/shipments/{booked['id']}")


async def test_bad_booking_input_shows_each_fields_error_and_books_nothing(
    world: World, open_page: OpenPage
) -> None:
    before = await shipments_of(world.site, world.customer)
    page = await open_page()
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("heavy")
    await fill_stop(page, 0, "Nowhere Special")  # not a known city and no coordinates
    await fill_stop(page, 1, "Dallas")
    end = page.locator("#stops-1-window_end")
    start_value = await page.locator("#stops-1-window_start").input_value()
    await end.fill((datetime.fromisoformat(start_value) - timedelta(hours=2)).isoformat()[:16])
    await page.get_by_role("button", name="Book shipment").click()

    await expect(page.get_by_role("alert")).to_contain_text("The booking was not made")
    weight_said = "Enter a weight between 0 and 220,462 lb."  # the limit, in the org's unit
    await expect(page.locator("#weight-error")).to_have_text(weight_said)
    # the summary names each field and links to it
    summary = page.locator("#form-errors")
    await expect(summary.get_by_role("link", name=f"Weight: {weight_said}")).to_have_attribute(
        "href", "#weight"
    )
    await expect(page.locator("#weight")).to_have_attribute("aria-invalid", "true")
    assert await page.locator("#stops-0-city").input_value() == "Nowhere Special"  # kept
    assert await page.locator("#weight").input_value() == "heavy"
    await check_page(page, "portal-book-errors-desktop")

    # Fix the weight: the stops are checked next, every problem of them at once.
    await page.get_by_label("Weight (lb)").fill("1000")
    await page.get_by_role("button", name="Book shipment").click()
    city_said = page.locator("#stops-0-city-error")
    await expect(city_said).to_contain_text("We could not find this city")
    await expect(page.locator("#stops-1-window_end-error")).to_contain_text("after")
    await summary.get_by_role("link", name=re.compile("^Stop 1 city: We could not")).click()
    await expect(page.locator("#stops-0-city")).to_be_focused()

    # A real city: only the window is left, still nothing booked.
    await page.locator("#stops-0-city").fill("Chicago")
    await page.get_by_role("button", name="Book shipment").click()
    await expect(page.locator("#stops-1-window_end-error")).to_contain_text("after")
    await expect(page.locator("#stops-0-city-error")).to_have_count(0)
    assert await shipments_of(world.site, world.customer) == before


async def test_add_a_stop_without_javascript_keeps_what_was_typed(world: World) -> None:
    async with signed_in(world.url, "buyer@globex.example") as http:
        form = await http.get("/app/shipments/new")
        assert form.status_code == 200
        data = {
            "csrf_token": form_value(form.text),
            "stop_count": "2",
            "weight": "700",
            "equipment_type": "dry_van",
            "stops-0-kind": "pickup",
            "stops-0-city": "Chicago",
            "stops-1-kind": "delivery",
            "stops-1-city": "Dallas",
            "add_stop": "1",
        }
        more = await http.post("/app/shipments/new", data=data)
        assert more.status_code == 200
        assert 'name="stop_count" value="3"' in more.text
        assert 'id="stops-2-city"' in more.text and 'value="Dallas"' in more.text
        assert 'value="700"' in more.text


async def test_the_list_filters_by_status_searches_and_pages(
    world: World, open_page: OpenPage
) -> None:
    http, buyer = world.site.http, world.customer
    atlanta = await book_load(
        http, buyer, world.customer_id, origin="Atlanta", destination="Memphis"
    )
    denver = await book_load(http, buyer, world.customer_id, origin="Denver", destination="Phoenix")
    resp = await http.post(
        f"/api/shipments/{denver['id']}/cancel", headers=buyer.auth, json={"reason": "No stock"}
    )
    assert resp.status_code == 200, resp.text

    for phone in (True, False):
        page = await open_page(phone=phone)
        await sign_in(page, world.url, "buyer@globex.example")
        rows = page.locator("tbody tr[data-shipment-id]")
        await expect(rows).to_have_count(3)
        await check_page(page, f"portal-shipments-{'phone' if phone else 'desktop'}")

    await page.get_by_label("Cancelled").check()
    await page.get_by_role("button", name="Filter").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-shipment-id", denver["id"])
    await expect(page.get_by_label("Cancelled")).to_be_checked()

    await page.get_by_role("link", name="Clear").click()
    await page.get_by_label("Search").fill("memphis")
    await page.get_by_label("Search").press("Enter")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(atlanta["reference"])
    await page.get_by_label("Search").fill("Nowhere at all")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("No shipments match these filters.")).to_be_visible()

    # Newest first, two a page: the next-page link keeps going until the oldest.
    await page.goto(f"{world.url}/app/shipments?limit=2")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_have_attribute("data-shipment-id", denver["id"])
    await page.get_by_role("link", name="Next page").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-shipment-id", world.load["id"])
    await expect(page.get_by_role("link", name="Next page")).to_have_count(0)


async def test_staff_see_the_organisations_shipments_with_the_customer(
    world: World, open_page: OpenPage
) -> None:
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/shipments")
    row = page.locator(f'tr[data-shipment-id="{world.load["id"]}"]')
    await expect(row).to_contain_text("Globex Foods")
    await page.goto(f"{world.url}/app/shipments/new")
    await expect(page.get_by_label("Customer")).to_be_visible()

    # A dispatcher books for an account, which the form asks for.
    async with signed_in(world.url, "dan@acme.example") as http:
        token = form_value((await http.get("/app/shipments/new")).text)
        booking = {"csrf_token": token, "stop_count": "2", "equipment_type": "dry_van"}
        booking |= {"weight": "800", "stops-0-kind": "pickup", "stops-1-kind": "delivery"}
        booking |= {"stops-0-city": "Memphis", "stops-1-city": "Atlanta"}
        missing = await http.post("/app/shipments/new", data=booking)
        assert missing.status_code == 422 and 'id="customer_id-error"' in missing.text
        assert 'id="stops-0-window_start-error"' in missing.text  # all at once
        when = datetime.now(UTC) + timedelta(days=2)
        for i, hour in ((0, 8), (1, 30)):
            start = (when + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M")
            end = (when + timedelta(hours=hour + 4)).strftime("%Y-%m-%dT%H:%M")
            booking |= {f"stops-{i}-window_start": start, f"stops-{i}-window_end": end}
        booked = await http.post(
            "/app/shipments/new", data=booking | {"customer_id": world.customer_id}
        )
        assert booked.status_code == 303, booked.text
    mine = await shipments_of(world.site, world.customer, q="memphis")
    assert len(mine) == 1 and mine[0]["stops"][0]["region"] == "TN"


async def test_other_accounts_and_organisations_get_404_and_drivers_403(world: World) -> None:
    http, load = world.site.http, world.load
    other_account = await add_customer(http, world.admin, "Initech")
    await add_user(http, world.admin, "customer", "peter@initech.example", other_account)
    rival = await register(http, "Rival Trucking", "boss@rival.example")
    rival_account = await add_customer(http, rival, "Umbrella")
    await add_user(http, rival, "customer", "alice@umbrella.example", rival_account)
    await add_user(http, rival, "dispatcher", "disp@rival.example")

    for email in ("peter@initech.example", "alice@umbrella.example", "disp@rival.example"):
        async with signed_in(world.url, email) as outsider:
            page = await outsider.get(f"/app/shipments/{load['id']}")
            assert page.status_code == 404, email
            assert "Shipment not found" in page.text
            assert load["reference"] not in page.text and "Globex" not in page.text
            listing = await outsider.get("/app/shipments")
            assert listing.status_code == 200 and load["reference"] not in listing.text
            for part in ("timeline", "proof", "pod/anything.png"):
                assert (
                    await outsider.get(f"/app/shipments/{load['id']}/{part}")
                ).status_code == 404
            token = csrf(outsider)
            cancel = await outsider.post(
                f"/app/shipments/{load['id']}/cancel", data={"csrf_token": token, "reason": "x"}
            )
            assert cancel.status_code == 404, email

    async with signed_in(world.url, "drew@acme.example") as driver:
        assert (await driver.get("/app/shipments")).status_code == 403
        assert (await driver.get(f"/app/shipments/{load['id']}")).status_code == 403
        assert (await driver.get("/app/shipments/new")).status_code == 403
    still = await http.get(f"/api/shipments/{load['id']}", headers=world.admin.auth)
    assert still.json()["status"] == "PENDING"


async def test_forms_without_their_csrf_token_are_refused(world: World) -> None:
    before = await shipments_of(world.site, world.customer)
    async with signed_in(world.url, "buyer@globex.example") as http:
        booking = {"stop_count": "2", "weight": "100", "equipment_type": "dry_van"}
        booking |= {"stops-0-city": "Chicago", "stops-1-city": "Dallas"}
        assert (await http.post("/app/shipments/new", data=booking)).status_code == 403
        cancel = await http.post(f"/app/shipments/{world.load['id']}/cancel", data={"reason": "x"})
        assert cancel.status_code == 403
    assert await shipments_of(world.site, world.customer) == before
    # Signed out, a post is sent to sign in before anything else is looked at.
    async with BrowserLike(world.url) as anonymous:
        resp = await anonymous.post("/app/shipments/new", data=booking)
        assert resp.status_code in (303, 403)


async def test_a_customer_cancels_a_pending_shipment_with_a_reason(
    world: World, open_page: OpenPage
) -> None:
    page = await open_page(phone=True)
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/{world.load['id']}")
    await page.get_by_role("button", name="Cancel shipment").click()
    await expect(page.locator("#cancel-error")).to_contain_text("Give a reason")
    await page.get_by_label("Reason").fill("Order withdrawn")
    await page.get_by_role("button", name="Cancel shipment").click()
    await expect(page.get_by_text("Shipment cancelled.")).to_be_visible()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Cancelled")
    await expect(page.locator("#timeline")).to_contain_text("Cancelled: Order withdrawn")
    await expect(page.get_by_role("button", name="Cancel shipment")).to_have_count(0)

    # Once a driver has it, the customer can no longer cancel (the form is gone; a post says so).
    load = await book_load(world.site.http, world.admin, world.customer_id)
    await assign(world.site.http, world.admin, load["id"], world.driver)
    async with signed_in(world.url, "buyer@globex.example") as http:
        shown = await http.get(f"/app/shipments/{load['id']}")
        assert "Cancel shipment" not in shown.text
        refused = await http.post(
            f"/app/shipments/{load['id']}/cancel",
            data={"csrf_token": csrf(http), "reason": "Too late"},
        )
        assert refused.status_code == 409 and "only while the shipment is PENDING" in refused.text


async def test_the_shipment_page_follows_the_load_live_to_its_proof(
    world: World, open_page: OpenPage
) -> None:
    http, load, driver = world.site.http, world.load, world.driver
    page = await open_page()
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/{load['id']}")
    await expect(page.locator("body[data-live='on']")).to_have_count(1)
    status = page.get_by_test_id("shipment-status")

    await assign(http, world.dispatcher, load["id"], driver)
    await expect(status).to_have_text("Assigned")
    await move(http, driver, load["id"], "PICKED_UP")
    await move(http, driver, load["id"], "IN_TRANSIT")
    await expect(status).to_have_text("In transit")
    await expect(page.locator("#timeline")).to_contain_text("Picked up")

    now = datetime.now(UTC)
    fixes = [
        {"lat": 41.60, "lng": -87.90, "recorded_at": (now - timedelta(minutes=4)).isoformat()},
        {"lat": 41.55, "lng": -87.95, "recorded_at": (now - timedelta(minutes=2)).isoformat()},
    ]
    resp = await http.post(
        "/api/tracking/positions", headers=driver.auth, json={"positions": fixes}
    )
    assert resp.status_code == 202 and resp.json()["accepted"] == 2, resp.text
    # said as a place and a distance (the nearest sizeable town), not as coordinates
    position = page.locator("#position-text")
    await expect(position).to_contain_text(re.compile(r"Truck last seen \d+ mi N of New Lenox, IL"))
    await expect(page.locator("#eta")).to_contain_text("ETA")
    await check_page(page, "portal-shipment-in-transit-desktop")

    resp = await http.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[
            ("signature", ("sig.png", tiny_png(40, 20), "image/png")),
            ("photos", ("dock.png", tiny_png(30, 30), "image/png")),
        ],
    )
    assert resp.status_code == 201, resp.text
    await expect(status).to_have_text("Delivered")
    proof = page.locator("#proof")
    signature = proof.get_by_role("img", name="Signature of Rita Receiver")
    await expect(proof.get_by_role("img", name="Delivery photo 1")).to_be_visible()
    assert await loaded_width(signature) == 40  # served through the session-checked web route
    await page.reload()
    await expect(page.locator("#proof img")).to_have_count(2)
    await check_page(page, "portal-shipment-delivered-desktop")


async def test_the_shipment_page_at_both_sizes(world: World, open_page: OpenPage) -> None:
    for phone in (False, True):
        page = await open_page(phone=phone)
        await sign_in(page, world.url, "buyer@globex.example")
        await page.goto(f"{world.url}/app/shipments/{world.load['id']}")
        reference = page.get_by_test_id("shipment-reference")
        await expect(reference).to_have_text(world.load["reference"])
        await expect(page.get_by_test_id("shipment-status")).to_have_text("Pending")
        await check_page(page, f"portal-shipment-{'phone' if phone else 'desktop'}")
        await page.goto(f"{world.url}/app/shipments/new")
        await check_page(page, f"portal-book-{'phone' if phone else 'desktop'}")
