"""The vehicles pages: add and edit a truck, take it out of service with a reason (its
driver leaves dispatch: the picker no longer offers them, plans skip them), and bad input."""

from __future__ import annotations

from playwright.async_api import expect

from tests.fleet_helpers import add_vehicle
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def test_add_a_vehicle_and_take_it_out_of_dispatch_with_a_reason(
    open_page: OpenPage, world: World
) -> None:
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/vehicles")
    await page.get_by_label("Truck number").fill("T-300")
    await page.get_by_label("Capacity (lb)").fill("40,000")
    await page.get_by_role("button", name="Add vehicle").click()
    await expect(page.locator(".notice")).to_contain_text("Vehicle added.")
    truck_id = page.url.split("/")[-1].split("?")[0]
    http = world.site.http
    linked = await http.patch(
        f"/api/drivers/{world.driver.id}", headers=world.admin.auth, json={"vehicle_id": truck_id}
    )
    assert linked.status_code == 200, linked.text
    # typed in the organisation's pounds, kept in kg (the API's unit), shown back in pounds
    stored = await http.get(f"/api/vehicles/{truck_id}", headers=world.admin.auth)
    assert round(stored.json()["capacity_kg"]) == 18144, stored.text
    await expect(page.get_by_label("Capacity (lb)")).to_have_value("40000")
    await check_page(page, "vehicle-edit-desktop")

    await page.get_by_label("Reason").fill("Brake inspection")
    await page.get_by_role("button", name="Take out of service").click()
    await expect(page.get_by_test_id("vehicle-service")).to_contain_text("Brake inspection")
    # out of dispatch: the board's picker no longer offers the driver, a plan leaves
    # them out, and a direct assignment says why
    board = await http.get(
        f"/api/shipments/{world.load['id']}/candidates", headers=world.dispatcher.auth
    )
    assert board.status_code == 200, board.text
    assert [c for c in board.json() if c["driver_id"] == world.driver.id] == []
    plan = await http.post("/api/dispatch/plans", headers=world.dispatcher.auth, json={})
    assert plan.status_code == 201, plan.text
    result = plan.json()["result"]
    assert [a for a in result["assignments"] if a["driver_id"] == world.driver.id] == []
    assert result["drivers_considered"] == 0  # the only driver: not free while off the road
    refused = await http.post(
        f"/api/shipments/{world.load['id']}/assign",
        headers=world.dispatcher.auth,
        json={"driver_id": world.driver.id},
    )
    assert refused.status_code == 409, refused.text
    assert "in maintenance" in refused.json()["detail"]

    await page.goto(f"{world.url}/app/vehicles")
    row = page.locator(f'#vehicles [data-vehicle-id="{truck_id}"]')
    await expect(row).to_contain_text("Out of service")
    await expect(row).to_contain_text("Brake inspection")
    await expect(row.get_by_role("link", name="Driver drew")).to_be_visible()
    await check_page(page, "vehicles-desktop")
    await page.goto(f"{world.url}/app/vehicles/{truck_id}")
    await page.get_by_role("button", name="Back in service").click()
    await expect(page.get_by_test_id("vehicle-service")).to_contain_text("In service")
    again = await http.get(
        f"/api/shipments/{world.load['id']}/candidates", headers=world.dispatcher.auth
    )
    assert [c["fits"] for c in again.json() if c["driver_id"] == world.driver.id] == [True]

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(f"{world.url}/app/vehicles")
    await check_page(phone, "vehicles-phone")
    await phone.goto(f"{world.url}/app/vehicles/{truck_id}")
    await check_page(phone, "vehicle-edit-phone")


async def test_bad_vehicle_input_shows_each_field_and_writes_nothing(world: World) -> None:
    http = world.site.http
    truck = await add_vehicle(http, world.admin, "T-400")
    before = (await http.get("/api/vehicles", headers=world.admin.auth)).json()
    async with signed_in(world.url, "dan@acme.example") as staff:
        token = form_value((await staff.get("/app/vehicles")).text)
        bad = await staff.post(
            "/app/vehicles",
            data={
                "csrf_token": token,
                "number": "",
                "kind": "tractor",
                "equipment_type": "dry_van",
                "capacity": "-5",
                "vin": "nope",
            },
        )
        assert bad.status_code == 422
        assert "Enter the truck&#39;s number" in bad.text
        assert "Enter the capacity in lb, more than 0 and at most 220,462" in bad.text
        assert "Enter the 17-character VIN" in bad.text
        taken = await staff.post(
            f"/app/vehicles/{truck['id']}",
            data={
                "csrf_token": token,
                "number": "T-100",
                "kind": "tractor",
                "equipment_type": "dry_van",
                "capacity": "44000",
            },
        )
        assert taken.status_code == 409
        assert "Another vehicle already has this number" in taken.text
        no_reason = await staff.post(
            f"/app/vehicles/{truck['id']}/service",
            data={"csrf_token": token, "in_service": "false", "reason": " "},
        )
        assert no_reason.status_code == 422
        assert "Say why" in no_reason.text
    assert (await http.get("/api/vehicles", headers=world.admin.auth)).json() == before
