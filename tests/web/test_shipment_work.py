"""Dispatchers working a shipment from its page, in a real browser: booking for an account,
editing with If-Match and the conflict screen, unassign and reassign with a reason, a
price set by hand, and who may reach those forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from tests.fleet_helpers import DriverAt, add_driver, add_vehicle, assign, move
from tests.helpers import PASSWORD, Session, add_customer, add_user, login, register
from tests.web.clients import csrf, form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in
from tests.web.test_portal import SHIPMENT_URL, fill_stop, set_rates


async def shipment(world: World, load_id: str) -> dict[str, Any]:
    resp = await world.site.http.get(f"/api/shipments/{load_id}", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def driver_record(world: World, driver: DriverAt) -> dict[str, Any]:
    resp = await world.site.http.get(f"/api/drivers/{driver.id}", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def named_dispatcher(world: World, name: str, email: str) -> Session:
    body = {"email": email, "full_name": name, "role": "dispatcher", "password": PASSWORD}
    resp = await world.site.http.post("/api/users", headers=world.admin.auth, json=body)
    assert resp.status_code == 201, resp.text
    return await login(world.site.http, email)


async def open_shipment(page: Page, world: World, load_id: str) -> None:
    await page.goto(f"{world.url}/app/shipments/{load_id}")
    await expect(page.get_by_role("heading", name="Dispatch")).to_be_visible()


async def test_a_dispatcher_books_for_an_account_with_the_quote_and_it_is_on_the_board(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Customer").select_option(label="Globex Foods")
    await page.get_by_label("Weight (lb)").fill("15000")
    await fill_stop(page, 0, "Memphis")
    await fill_stop(page, 1, "Atlanta")
    await expect(page.get_by_test_id("quote-total")).to_contain_text("Estimated price: $")
    await check_page(page, "staff-book-desktop")
    await page.get_by_role("button", name="Book shipment").click()
    await page.wait_for_url(SHIPMENT_URL)
    reference = (await page.get_by_test_id("shipment-reference").text_content()) or ""
    await expect(page.locator("#staff")).to_contain_text("No driver yet.")

    await page.goto(f"{world.url}/app/dispatch")
    await expect(page.get_by_text(reference).first).to_be_visible()
    listed = await world.site.http.get(
        "/api/shipments", headers=world.customer.auth, params={"q": "memphis"}
    )
    assert [s["reference"] for s in listed.json()["items"]] == [reference]

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(f"{world.url}/app/shipments/new")
    await expect(phone.get_by_label("Customer")).to_be_visible()
    await check_page(phone, "staff-book-phone")


async def change_delivery_window(page: Page, end: str) -> None:
    await page.locator("#stops-1-window_end").fill(end)


async def test_two_dispatchers_edit_at_once_and_the_second_sees_the_conflict(
    world: World, open_page: OpenPage
) -> None:
    await named_dispatcher(world, "Dana Whitfield", "dana@acme.example")
    metric = await world.site.http.patch(
        "/api/organization", headers=world.admin.auth, json={"units": "metric"}
    )
    assert metric.status_code == 200, metric.text  # weights in kg, as the load was booked
    load = world.load
    edit_url = f"{world.url}/app/shipments/{load['id']}/edit"
    dana, dan = await open_page(), await open_page()
    await sign_in(dana, world.url, "dana@acme.example")
    await sign_in(dan, world.url, "dan@acme.example")
    for page in (dana, dan):
        await page.goto(edit_url)
        heading = page.get_by_role("heading", name=f"Edit shipment {load['reference']}")
        await expect(heading).to_be_visible()
    await check_page(dana, "shipment-edit-desktop")
    window_end = load["stops"][1]["window_end"][:11] + "20:30"

    await change_delivery_window(dana, window_end)
    await dana.get_by_role("button", name="Save changes").click()
    await dana.wait_for_url(SHIPMENT_URL)
    await expect(dana.get_by_text("Changes saved.")).to_be_visible()
    await expect(dana.locator("#timeline")).to_contain_text("Changed the window of stop 2")

    await dan.get_by_label("Weight (kg)").fill("15500")
    await dan.get_by_label("Notes for the carrier").fill("Call ahead")
    await dan.get_by_role("button", name="Save changes").click()
    headline = dan.get_by_test_id("conflict-headline")
    await expect(dan.get_by_role("heading", name="Your change was not saved")).to_be_visible()
    await expect(headline).to_contain_text("Dana Whitfield")
    await expect(headline).to_contain_text("the window of stop 2")
    table = dan.get_by_test_id("conflict-table")
    weight = table.locator("tr", has_text="Weight")
    await expect(weight).to_contain_text("12000")
    await expect(weight).to_contain_text("15500")
    window = table.locator("tr", has_text="Stop 2 (delivery): window closes")
    await expect(window).to_contain_text(window_end.replace("T", " "))
    await check_page(dan, "shipment-conflict-desktop")

    now = await shipment(world, load["id"])
    assert now["weight_kg"] == 12000 and now["notes"] is None  # nothing of Dan's
    # Dana's stands: she typed wall-clock time at the delivery stop.
    zone = ZoneInfo(now["stops"][1]["timezone"])
    typed = datetime.fromisoformat(window_end).replace(tzinfo=zone)
    assert datetime.fromisoformat(now["stops"][1]["window_end"]) == typed
    assert now["version"] == load["version"] + 1

    # Editing again starts from the saved version, and then it goes through.
    await dan.get_by_role("link", name="Edit again from the saved version").click()
    await expect(dan.locator("#stops-1-window_end")).to_have_value(window_end)
    await dan.get_by_label("Weight (kg)").fill("15500")
    await dan.get_by_role("button", name="Save changes").click()
    await dan.wait_for_url(SHIPMENT_URL)
    assert (await shipment(world, load["id"]))["weight_kg"] == 15500

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(edit_url)
    await check_page(phone, "shipment-edit-phone")
    await phone.locator("#stops-0-city").fill("Denver")  # a conflict at phone width
    await phone.locator("input[name=version]").evaluate("e => e.value = '1'")
    await phone.locator("input[name=seen]").evaluate("e => e.value = '1'")
    await phone.get_by_role("button", name="Save changes").click()
    await expect(phone.get_by_test_id("conflict-headline")).to_contain_text("Dispatcher")
    await check_page(phone, "shipment-conflict-phone")


async def test_bad_edit_input_shows_field_errors_and_saves_nothing(world: World) -> None:
    load = world.load
    async with signed_in(world.url, "dan@acme.example") as http:
        page = (await http.get(f"/app/shipments/{load['id']}/edit")).text
        fields = {
            "csrf_token": form_value(page),
            "version": form_value(page, "version"),
            "seen": form_value(page, "seen"),
            "stop_count": "2",
            "equipment_type": "dry_van",
            "weight": "heavy",
        }
        for i, stop in enumerate(load["stops"]):
            for key in ("kind", "city", "country", "lat", "lng"):
                fields[f"stops-{i}-{key}"] = str(stop[key])
            fields[f"stops-{i}-window_start"] = stop["window_start"][:16]
            fields[f"stops-{i}-window_end"] = stop["window_start"][:16]  # ends as it opens
        resp = await http.post(f"/app/shipments/{load['id']}/edit", data=fields)
        assert resp.status_code == 422, resp.text
        assert 'id="weight-error"' in resp.text and "Nothing was saved" in resp.text
        fixed = fields | {"weight": "900"}  # the weight mended, the window still bad
        again = await http.post(f"/app/shipments/{load['id']}/edit", data=fixed)
        assert again.status_code == 422 and 'id="stops-0-window_end-error"' in again.text
        assert 'value="900"' in again.text  # what was typed is kept
    now = await shipment(world, load["id"])
    assert now["version"] == load["version"] and now["weight_kg"] == 12000


async def test_unassign_and_reassign_with_a_reason(world: World, open_page: OpenPage) -> None:
    http, load = world.site.http, world.load
    truck = await add_vehicle(http, world.admin, "T-200")
    second = await add_driver(
        http, world.admin, "rosa@acme.example", city="Chicago", vehicle_id=truck["id"]
    )
    await assign(http, world.admin, load["id"], world.driver)
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await open_shipment(page, world, load["id"])
    await expect(page.get_by_test_id("crew-driver")).to_have_text("Driver drew")
    await expect(page.get_by_test_id("crew-phone")).to_have_text("+1 312 555 0142")
    staff = page.locator("#staff")
    await expect(staff.get_by_role("button", name="Mark picked up")).to_be_visible()
    for action in ("Give it to another driver", "Unassign the driver", "Set the price by hand"):
        await expect(staff.locator("summary", has_text=action)).to_be_visible()
    await expect(page.get_by_role("button", name="Cancel shipment")).to_be_visible()

    # No reason: the form says so and the load stays with its driver.
    await staff.get_by_text("Give it to another driver").click()
    await staff.get_by_label("New driver").select_option(label="Driver rosa")
    await staff.get_by_role("button", name="Reassign").click()
    await expect(page.locator("#reassign-reason-error")).to_have_text(
        "Say why you are changing the driver."
    )
    assert (await shipment(world, load["id"]))["driver_id"] == world.driver.id
    await expect(staff.get_by_label("New driver")).to_have_value(second.id)  # kept
    await check_page(page, "shipment-staff-error-desktop")

    await staff.get_by_label("Reason for the change").fill("Drew is out sick")
    await staff.get_by_role("button", name="Reassign").click()
    await expect(page.get_by_text("Load given to the new driver.")).to_be_visible()
    await expect(page.get_by_test_id("crew-driver")).to_have_text("Driver rosa")
    await expect(page.get_by_test_id("crew-truck")).to_have_text("T-200")
    await expect(page.locator("#timeline")).to_contain_text(
        "Driver unassigned; back to pending: Drew is out sick"
    )
    await expect(page.locator("#timeline")).to_contain_text(
        "Assigned to a driver: Drew is out sick"
    )
    assert (await shipment(world, load["id"]))["driver_id"] == second.id
    assert (await driver_record(world, world.driver))["current_shipment_id"] is None
    assert (await driver_record(world, second))["current_shipment_id"] == load["id"]
    await check_page(page, "shipment-staff-desktop")

    await staff.get_by_text("Unassign the driver").click()
    await staff.get_by_label("Reason for unassigning").fill("Customer moved the pickup")
    await staff.get_by_role("button", name="Unassign driver").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Pending")
    await expect(page.locator("#timeline")).to_contain_text(": Customer moved the pickup")
    assert (await driver_record(world, second))["current_shipment_id"] is None
    await expect(staff.get_by_role("button", name="Assign")).to_be_visible()

    # The customer sees the moves, never the reasons, and no staff forms.
    customer = await open_page(phone=True)
    await sign_in(customer, world.url, "buyer@globex.example")
    await customer.goto(f"{world.url}/app/shipments/{load['id']}")
    await expect(customer.locator("#timeline")).to_contain_text("Driver unassigned")
    await expect(customer.locator("#timeline")).not_to_contain_text("sick")
    await expect(customer.locator("#staff")).to_have_count(0)

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await open_shipment(phone, world, load["id"])
    await check_page(phone, "shipment-staff-phone")


async def test_a_stale_page_acts_on_nothing(world: World) -> None:
    load = world.load
    await assign(world.site.http, world.admin, load["id"], world.driver)
    async with signed_in(world.url, "dan@acme.example") as http:
        data = {"csrf_token": csrf(http), "version": str(load["version"]), "reason": "late"}
        resp = await http.post(f"/app/shipments/{load['id']}/unassign", data=data)
    assert resp.status_code == 412 and "nothing was done" in resp.text
    assert (await shipment(world, load["id"]))["status"] == "ASSIGNED"


async def test_a_dispatcher_sets_the_price_by_hand_with_a_reason(
    world: World, open_page: OpenPage
) -> None:
    load = world.load
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await open_shipment(page, world, load["id"])
    staff = page.locator("#staff")
    await staff.get_by_text("Set the price by hand").click()
    await staff.get_by_label("Price (USD)").fill("twelve")
    await staff.get_by_role("button", name="Set price").click()
    await expect(page.locator("#price-price-error")).to_have_text("Enter a price such as 3250.00.")
    await expect(page.locator("#price-reason-error")).to_be_visible()
    assert (await shipment(world, load["id"]))["price_cents"] == load["price_cents"]

    await staff.get_by_label("Price (USD)").fill("3,250.00")
    await staff.get_by_label("Reason for the price").fill("Contract rate for Globex")
    await staff.get_by_role("button", name="Set price").click()
    await expect(page.get_by_text("Price set.")).to_be_visible()
    await expect(page.locator("#timeline")).to_contain_text(
        "Price set by hand: Contract rate for Globex"
    )
    assert (await shipment(world, load["id"]))["price_cents"] == 325_000

    customer = await open_page()
    await sign_in(customer, world.url, "buyer@globex.example")
    await customer.goto(f"{world.url}/app/shipments/{load['id']}")
    await expect(customer.locator(".facts")).to_contain_text("3,250.00")
    await expect(customer.locator("body")).not_to_contain_text("Contract rate")
    await expect(customer.get_by_role("button", name="Set price")).to_have_count(0)


async def test_customers_get_403_and_other_organisations_404_on_the_staff_forms(
    world: World,
) -> None:
    http, load = world.site.http, world.load
    rival = await register(http, "Rival Trucking", "boss@rival.example")
    await add_user(http, rival, "dispatcher", "disp@rival.example")
    other = await add_customer(http, world.admin, "Initech")
    await add_user(http, world.admin, "customer", "peter@initech.example", other)
    posts = {
        "edit": {"weight_kg": "1"},
        "assign": {"driver_id": world.driver.id},
        "unassign": {"reason": "x"},
        "reassign": {"reason": "x", "driver_id": world.driver.id},
        "price": {"price": "1.00", "reason": "x"},
        "move": {"status": "PICKED_UP"},
    }
    for email, status in (
        ("buyer@globex.example", 403),
        ("peter@initech.example", 403),
        ("disp@rival.example", 404),
    ):
        async with signed_in(world.url, email) as outsider:
            assert (await outsider.get(f"/app/shipments/{load['id']}/edit")).status_code == status
            for action, data in posts.items():
                resp = await outsider.post(
                    f"/app/shipments/{load['id']}/{action}",
                    data=data | {"csrf_token": csrf(outsider), "version": "1"},
                )
                assert resp.status_code == status, (email, action, resp.status_code)
    now = await shipment(world, load["id"])
    assert now["version"] == load["version"] and now["price_cents"] == load["price_cents"]


async def test_a_picked_up_load_offers_only_what_its_state_allows(
    world: World, open_page: OpenPage
) -> None:
    http, load = world.site.http, world.load
    await assign(http, world.admin, load["id"], world.driver)
    await move(http, world.driver, load["id"], "PICKED_UP")
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await open_shipment(page, world, load["id"])
    staff = page.locator("#staff")
    await expect(staff.get_by_role("button", name="Mark in transit")).to_be_visible()
    for gone in ("Reassign", "Unassign driver", "Mark picked up", "Assign"):
        await expect(staff.get_by_role("button", name=gone, exact=True)).to_have_count(0)
    await expect(staff.get_by_role("link", name="Edit details, stops and windows")).to_have_count(0)
    await expect(page.get_by_role("button", name="Cancel shipment")).to_have_count(0)
    async with signed_in(world.url, "dan@acme.example") as dan:
        assert (await dan.get(f"/app/shipments/{load['id']}/edit")).status_code == 409
    await staff.get_by_role("button", name="Mark in transit").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("In transit")
    await expect(staff).to_contain_text("The driver marks it delivered with a proof of delivery.")
