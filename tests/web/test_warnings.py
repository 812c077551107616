"""Warnings on the pages, in a real browser, asked before the write lands: booking and
editing (pickup window past, weight over capacity, implausible weight), the board's
picker (pickup window closed for the driver), the driver's pickup and delivery (far from
the stop, outside the window). Going ahead takes a reason, which the timeline shows to
staff only; other organisations reach none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from tests.fleet_helpers import add_driver, assign, book_load, move, tiny_png
from tests.helpers import add_user, register
from tests.shipments.factory import CITIES, stop
from tests.web.clients import csrf, signed_in
from tests.web.conftest import DESKTOP, PHONE, OpenPage, World, check_page, sign_in
from tests.web.test_driver import DRIVER, draw_signature
from tests.web.test_portal import SHIPMENT_URL, fill_stop, shipments_of

DISPATCHER = "dan@acme.example"
CHICAGO = ZoneInfo("America/Chicago")
NO_REASON = "Say why you are going ahead despite the warning."


def local(days: int, hour: int) -> str:
    """A wall-clock time in Chicago, as a datetime-local field takes it."""
    day = datetime.now(CHICAGO) + timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


async def events(world: World, load_id: str) -> list[dict[str, Any]]:
    resp = await world.site.http.get(f"/api/shipments/{load_id}/events", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def closing_soon() -> list[dict[str, Any]]:
    """A Chicago pickup whose window closes in an hour, to Dallas."""
    start = datetime.now(UTC) - timedelta(hours=2)
    return [stop("pickup", "Chicago", start, hours=3), stop("delivery", "Dallas", start, 30)]


def warned(page: Page, code: str) -> Any:
    return page.get_by_test_id("warnings").locator(f'li[data-code="{code}"]')


async def test_a_booking_is_warned_before_it_lands_and_the_override_reaches_the_timeline(
    world: World, open_page: OpenPage
) -> None:
    before = await shipments_of(world.site, world.admin)
    page = await open_page()
    await sign_in(page, world.url, DISPATCHER)
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Customer").select_option(label="Globex Foods")
    await page.get_by_label("Equipment").select_option("box_truck")
    await page.get_by_label("Weight (lb)").fill("12000")
    await fill_stop(page, 0, "Chicago")
    await fill_stop(page, 1, "Dallas")
    await page.locator("#stops-0-window_start").fill(local(-1, 8))
    await page.locator("#stops-0-window_end").fill(local(-1, 12))
    await page.get_by_role("button", name="Book shipment").click()

    await expect(warned(page, "pickup_window_past")).to_contain_text("already closed")
    await expect(warned(page, "weight_over_capacity")).to_contain_text("12,000 lb")
    await expect(page.get_by_test_id("warnings")).to_contain_text("nothing is saved yet")
    assert await shipments_of(world.site, world.admin) == before
    await check_page(page, "warnings-book-desktop")
    await page.set_viewport_size(PHONE)
    await check_page(page, "warnings-book-phone")

    await page.get_by_role("button", name="Book anyway").click()  # no reason given
    await expect(page.locator("#override_reason-error")).to_have_text(NO_REASON)
    assert await shipments_of(world.site, world.admin) == before
    await page.get_by_label("Override: reason").fill("Their own box truck; dock open late")
    await page.get_by_role("button", name="Book anyway").click()
    await page.wait_for_url(SHIPMENT_URL)
    await expect(page.locator("#timeline")).to_contain_text(
        "Warning overridden (pickup window already past, weight over capacity): "
        "Their own box truck; dock open late"
    )


async def test_an_edit_to_an_implausible_weight_asks_first_on_a_phone(
    world: World, open_page: OpenPage
) -> None:
    load = world.load
    page = await open_page(phone=True)
    await sign_in(page, world.url, DISPATCHER)
    await page.goto(f"{world.url}/app/shipments/{load['id']}/edit")
    await page.get_by_label("Weight (lb)").fill("5")
    await page.get_by_role("button", name="Save changes").click()
    await expect(warned(page, "weight_implausible")).to_contain_text("5 lb")
    await check_page(page, "warnings-edit-phone")
    await page.set_viewport_size(DESKTOP)
    await check_page(page, "warnings-edit-desktop")
    await page.get_by_role("link", name="Go ahead anyway").click()
    await expect(page.get_by_label("Override: reason")).to_be_focused()
    await page.get_by_label("Override: reason").fill("Sample pallet, customer confirmed")
    await page.get_by_role("button", name="Save anyway").click()
    await page.wait_for_url(SHIPMENT_URL)
    await expect(page.get_by_text("Changes saved.")).to_be_visible()
    await expect(page.locator("#timeline")).to_contain_text(
        "Warning overridden (implausible weight): Sample pallet"
    )
    # The customer sees the edit, not the override or its reason.
    async with signed_in(world.url, "buyer@globex.example") as customer:
        seen = (await customer.get(f"/app/shipments/{load['id']}")).text
    assert "Changed the weight" in seen and "overridden" not in seen and "Sample" not in seen


async def test_the_board_asks_before_a_driver_who_cannot_make_the_pickup_window(
    world: World, open_page: OpenPage
) -> None:
    http = world.site.http
    load = await book_load(http, world.admin, world.customer_id, stops=closing_soon())
    far = await add_driver(http, world.admin, "den@acme.example", city="Denver")
    page = await open_page()
    await sign_in(page, world.url, DISPATCHER)
    await page.goto(f"{world.url}/app/dispatch")
    await page.get_by_label(f"Driver for {load['reference']}").select_option(far.id)
    card = page.locator(f'#pending-loads [data-shipment-id="{load["id"]}"]')
    await card.get_by_role("button", name="Assign").click()

    panel = page.locator("#assign-warning")
    await expect(panel.get_by_role("heading")).to_have_text(
        f"Assign {load['reference']} to Driver den?"
    )
    await expect(warned(page, "pickup_window_closed")).to_contain_text("after its window closes")
    await check_page(page, "warnings-board-desktop")
    await page.set_viewport_size(PHONE)
    await check_page(page, "warnings-board-phone")
    assert [e["type"] for e in await events(world, load["id"])] == ["shipment.created"]

    await panel.get_by_label("Override: reason").fill("Shipper holds the dock for Den")
    await panel.get_by_role("button", name="Assign anyway").click()
    await expect(page.get_by_text(f"{load['reference']} is assigned.")).to_be_visible()
    last = (await events(world, load["id"]))[-1]
    assert last["type"] == "shipment.warning_overridden"
    assert last["data"] == {
        "action": "assign",
        "codes": ["pickup_window_closed"],
        "reason": "Shipper holds the dock for Den",
    }


async def test_a_driver_is_asked_about_a_pickup_far_away_and_an_early_delivery(
    world: World, open_page: OpenPage
) -> None:
    http, load = world.site.http, world.load  # picked up today, due tomorrow and after
    await assign(http, world.dispatcher, load["id"], world.driver)
    _, lat, lng = CITIES["Dallas"]  # the phone says Dallas; the pickup is in Chicago
    fix = {"lat": lat, "lng": lng, "recorded_at": datetime.now(UTC).isoformat()}
    sent = await http.post(
        "/api/tracking/positions", headers=world.driver.auth, json={"positions": [fix]}
    )
    assert sent.status_code == 202, sent.text
    page = await open_page(phone=True)
    await sign_in(page, world.url, DRIVER)
    await page.goto(f"{world.url}/app/driver/loads/{load['id']}")
    await page.get_by_role("button", name="Picked up").click()
    await expect(warned(page, "far_from_stop")).to_contain_text("Picked up 805 mi from")
    await expect(warned(page, "outside_window")).to_contain_text("before the pickup window opens")
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Assigned")
    await check_page(page, "warnings-driver-pickup-phone")
    await page.set_viewport_size(DESKTOP)
    await check_page(page, "warnings-driver-pickup-desktop")
    await page.set_viewport_size(PHONE)
    await page.get_by_label("Override: reason").fill("Shipper loaded us early")
    await page.get_by_role("button", name="Picked up anyway").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Picked up")

    await page.get_by_role("button", name="In transit").click()
    await page.get_by_label("Received by").fill("Rita Receiver")
    await draw_signature(page)
    await page.get_by_role("button", name="Confirm delivery").click()
    await expect(warned(page, "outside_window")).to_contain_text("before the delivery window")
    await page.get_by_role("button", name="Confirm delivery anyway").click()  # no reason yet
    await expect(page.locator("#pod-override_reason-error")).to_have_text(NO_REASON)
    await check_page(page, "warnings-driver-pod-phone")
    await page.get_by_label("Override: reason").fill("Receiver took it a day early")
    await page.get_by_role("button", name="Confirm delivery anyway").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Delivered")
    overrides = [e["data"] for e in await events(world, load["id"]) if "overridden" in e["type"]]
    assert [(o["action"], o["codes"]) for o in overrides] == [
        ("pickup", ["far_from_stop", "outside_window"]),
        ("deliver", ["outside_window"]),
    ]


async def test_without_javascript_the_proof_asks_too_and_outsiders_reach_nothing(
    world: World,
) -> None:
    http, load = world.site.http, world.load
    await assign(http, world.dispatcher, load["id"], world.driver)
    for status in ("PICKED_UP", "IN_TRANSIT"):
        await move(http, world.driver, load["id"], status)
    rival = await register(http, "Rival Trucking", "boss@rival.example")
    await add_user(http, rival, "dispatcher", "disp@rival.example")
    ack = {"acknowledge_warnings": "outside_window", "override": "1", "override_reason": "x"}
    async with signed_in(world.url, "disp@rival.example") as outsider:
        data = ack | {"csrf_token": csrf(outsider), "shipment_id": load["id"]}
        data |= {"driver_id": world.driver.id}
        posted = await outsider.post("/app/dispatch/assign", data=data)
        assert posted.status_code == 404 and load["reference"] not in posted.text
        edit = await outsider.post(f"/app/shipments/{load['id']}/edit", data=data)
        assert edit.status_code == 404
    async with signed_in(world.url, DRIVER) as driver:
        signature = {"signature": ("sig.png", tiny_png(), "image/png")}
        url = f"/app/driver/loads/{load['id']}/pod"
        form = {"csrf_token": csrf(driver), "recipient_name": "Rita"}
        asked = await driver.post(url, data=form, files=signature)
        assert asked.status_code == 409 and 'data-code="outside_window"' in asked.text
        assert "Choose the signature photo again" in asked.text
        done = await driver.post(
            url, data=form | ack | {"override_reason": "Early"}, files=signature
        )
        assert done.status_code == 303, done.text
    overrides = [e for e in await events(world, load["id"]) if "overridden" in e["type"]]
    assert [o["data"]["reason"] for o in overrides] == ["Early"]


async def test_the_shipment_page_asks_before_reassigning_to_a_driver_too_far_away(
    world: World,
) -> None:
    http = world.site.http
    load = await book_load(http, world.admin, world.customer_id, stops=closing_soon())
    assigned = await assign(http, world.admin, load["id"], world.driver)
    far = await add_driver(http, world.admin, "den@acme.example", city="Denver")
    async with signed_in(world.url, DISPATCHER) as dan:
        form = {"csrf_token": csrf(dan), "version": str(assigned["version"])}
        form |= {"driver_id": far.id, "reason": "Drew is out sick"}
        url = f"/app/shipments/{load['id']}/reassign"
        asked = await dan.post(url, data=form)
        assert asked.status_code == 409 and 'data-code="pickup_window_closed"' in asked.text
        assert 'id="reassign-override_reason"' in asked.text and "Reassign anyway" in asked.text
        now = await http.get(f"/api/shipments/{load['id']}", headers=world.admin.auth)
        assert now.json()["driver_id"] == world.driver.id  # nothing changed yet
        ack = {"acknowledge_warnings": "pickup_window_closed", "override": "1"}
        done = await dan.post(url, data=form | ack | {"override_reason": "Shipper waits for Den"})
        assert done.status_code == 303, done.text
    overrides = [e for e in await events(world, load["id"]) if "overridden" in e["type"]]
    assert [(o["data"]["action"], o["data"]["reason"]) for o in overrides] == [
        ("assign", "Shipper waits for Den")
    ]
