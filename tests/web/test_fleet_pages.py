"""The drivers and vehicles pages in a browser: a driver added with their login signs in
to their loads, availability set from the roster moves the board live, a truck out of
service takes its driver out of dispatch, and bad input writes nothing."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import select

from freight.events import Event
from tests.fleet_helpers import add_vehicle, assign
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def staff_page(open_page: OpenPage, world: World, phone: bool = False) -> Page:
    page = await open_page(phone=phone)
    await sign_in(page, world.url, "dan@acme.example")
    return page


async def drivers_of(world: World) -> list[dict[str, Any]]:
    resp = await world.site.http.get("/api/drivers", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_a_driver_added_with_a_login_signs_in_and_sees_their_loads(
    open_page: OpenPage, world: World
) -> None:
    page = await staff_page(open_page, world)
    await page.goto(f"{world.url}/app/drivers")
    await page.get_by_role("link", name="Add a driver").click()
    await check_page(page, "driver-new-desktop")
    await page.get_by_label("Full name").fill("Rosa Parks")
    await page.get_by_label("Phone").fill("+1 214 555 0199")
    await page.get_by_label("Licence number").fill("TX-998877")
    await page.get_by_label("Reefer").check()
    home = page.get_by_label("Home base")
    await home.press_sequentially("Dall")  # suggestions from /api/places, as typed
    await expect(page.locator('#home-places option[value="Dallas, TX"]')).to_have_count(1)
    await home.fill("Dallas, TX")  # the suggestion chosen
    await expect(page.locator("#home_picked")).to_have_value("Dallas, TX")
    await page.get_by_label("Email for the new login").fill("rosa@acme.example")
    await page.get_by_label("First password").fill("a long first password")
    await page.get_by_role("button", name="Add driver").click()
    await expect(page.locator(".notice")).to_contain_text("Driver added.")
    await expect(page.get_by_test_id("driver-login")).to_have_text("rosa@acme.example")
    await check_page(page, "driver-edit-desktop")

    rosa = await open_page()
    await sign_in(rosa, world.url, "rosa@acme.example", "a long first password")
    await expect(rosa).to_have_url(f"{world.url}/app/driver")
    await expect(rosa.locator("main")).not_to_contain_text("not linked")
    await expect(rosa.get_by_role("heading", level=1)).to_be_visible()
    created = [d for d in await drivers_of(world) if d["full_name"] == "Rosa Parks"]
    assert created and created[0]["equipment_types"] == ["dry_van", "reefer"]
    assert abs(created[0]["home_lat"] - 32.78) < 0.01 and abs(created[0]["home_lng"] + 96.8) < 0.01
    await expect(page.get_by_label("Home base")).to_have_value("Dallas, TX")


async def _driver_form(
    staff: Any, token: str, home: str, path: str = "/app/drivers/new", **picked: str
) -> Any:
    data = {"csrf_token": token, "full_name": "Hank Home", "equipment_types": "dry_van"}
    return await staff.post(path, data=data | {"home_base": home} | picked)


async def test_a_home_base_typed_without_the_suggestions_is_placed_by_the_server(
    world: World,
) -> None:
    async with signed_in(world.url, "dan@acme.example") as staff:
        token = form_value((await staff.get("/app/drivers/new")).text)
        added = await _driver_form(staff, token, "Joplin, MO")
        assert added.status_code == 303, added.text
        (hank,) = [d for d in await drivers_of(world) if d["full_name"] == "Hank Home"]
        assert abs(hank["home_lat"] - 37.084) < 0.01 and abs(hank["home_lng"] + 94.513) < 0.01
        page = await staff.get(f"/app/drivers/{hank['id']}")
        assert 'value="Joplin, MO"' in page.text
        # a yard off any town, typed as coordinates, is kept exactly and shown in words;
        # saved again unchanged, its coordinates stay
        path = f"/app/drivers/{hank['id']}"
        assert (await _driver_form(staff, token, "37.2, -94.3", path)).status_code == 303
        page = await staff.get(path)
        said = form_value(page.text, "home_picked")
        assert re.fullmatch(r"\d+ mi [NESW]{1,2} of [^,]+, MO", said), said
        again = {name: form_value(page.text, name) for name in ("home_lat", "home_lng")}
        kept = await _driver_form(staff, token, said, path, home_picked=said, **again)
        assert kept.status_code == 303
        (hank,) = [d for d in await drivers_of(world) if d["full_name"] == "Hank Home"]
        assert (hank["home_lat"], hank["home_lng"]) == (37.2, -94.3)
        # words changed after a pick: the server places the new words, not the old pick
        joplin = {"home_picked": "Joplin, MO", "home_lat": "37.08", "home_lng": "-94.51"}
        moved = await _driver_form(staff, token, "Tulsa, OK", path, **joplin)
        assert moved.status_code == 303
        (hank,) = [d for d in await drivers_of(world) if d["full_name"] == "Hank Home"]
        assert abs(hank["home_lat"] - 36.15) < 0.05
        # cleared: no home base
        assert (await _driver_form(staff, token, "", path)).status_code == 303
        (hank,) = [d for d in await drivers_of(world) if d["full_name"] == "Hank Home"]
        assert hank["home_lat"] is None and hank["home_lng"] is None


async def test_a_home_base_that_cannot_be_placed_names_the_field_and_writes_nothing(
    world: World,
) -> None:
    before = await drivers_of(world)
    async with signed_in(world.url, "dan@acme.example") as staff:
        token = form_value((await staff.get("/app/drivers/new")).text)
        typo = await _driver_form(staff, token, "Jopln, MO")
        assert typo.status_code == 422
        assert 'id="home_base-error"' in typo.text
        assert "We could not find this place. Did you mean Joplin, MO" in typo.text
        assert 'value="Jopln, MO"' in typo.text  # what was typed is kept
        nowhere = await _driver_form(staff, token, "Qqqxz")
        assert nowhere.status_code == 422 and "such as Joplin, MO, or a ZIP code" in nowhere.text
        off_map = await _driver_form(staff, token, "95, 10")
        assert off_map.status_code == 422 and "not on the map" in off_map.text
        # a forged pick with coordinates off the map is refused the same way
        forged = await _driver_form(staff, token, "X", home_picked="X", home_lat="91", home_lng="0")
        assert forged.status_code == 422 and "not on the map" in forged.text
    assert await drivers_of(world) == before


async def test_an_existing_driver_login_is_linked_in_one_step(world: World) -> None:
    http = world.site.http
    resp = await http.post(
        "/api/users",
        headers=world.admin.auth,
        json={
            "email": "lee@acme.example",
            "full_name": "Lee Ortiz",
            "role": "driver",
            "password": "a long first password",
        },
    )
    assert resp.status_code == 201, resp.text
    async with signed_in(world.url, "dan@acme.example") as staff:
        form = await staff.get("/app/drivers/new")
        assert "Lee Ortiz (lee@acme.example)" in form.text
        added = await staff.post(
            "/app/drivers/new",
            data={
                "csrf_token": form_value(form.text),
                "full_name": "Lee Ortiz",
                "equipment_types": "dry_van",
                "user_id": resp.json()["id"],
            },
        )
        assert added.status_code == 303, added.text
    async with signed_in(world.url, "lee@acme.example", "a long first password") as lee:
        loads = await lee.get("/app/driver")
        assert loads.status_code == 200
        assert "not linked" not in loads.text


async def test_bad_driver_input_shows_each_field_and_writes_nothing(world: World) -> None:
    before = await drivers_of(world)
    async with signed_in(world.url, "dan@acme.example") as staff:
        token = form_value((await staff.get("/app/drivers/new")).text)
        bad = await staff.post(
            "/app/drivers/new",
            data={"csrf_token": token, "full_name": "", "phone": "call me", "equipment_types": ""},
        )
        assert bad.status_code == 422
        assert "Enter the driver&#39;s name" in bad.text
        assert "Enter a phone number such as +1 312 555 0142" in bad.text
        assert 'value="call me"' in bad.text  # what was typed is kept
        # a login whose email is taken: neither the login nor the driver is written
        taken = await staff.post(
            "/app/drivers/new",
            data={
                "csrf_token": token,
                "full_name": "Copy Cat",
                "equipment_types": "dry_van",
                "email": "dan@acme.example",
                "password": "a long first password",
            },
        )
        assert taken.status_code == 409
        assert "A user with this email already exists" in taken.text
        short = await staff.post(
            "/app/drivers/new",
            data={
                "csrf_token": token,
                "full_name": "Short Pass",
                "equipment_types": "dry_van",
                "email": "short@acme.example",
                "password": "short",
            },
        )
        assert short.status_code == 422
        assert 'id="password-error"' in short.text
    assert await drivers_of(world) == before
    users = await world.site.http.get("/api/users?limit=100", headers=world.admin.auth)
    assert "short@acme.example" not in users.text


async def test_setting_a_driver_off_duty_on_the_roster_moves_the_board_live(
    open_page: OpenPage, world: World
) -> None:
    board = await staff_page(open_page, world)
    await board.goto(f"{world.url}/app/dispatch")
    await expect(board.locator("body")).to_have_attribute("data-live", "on")
    await board.evaluate("window.__same_page = true")
    drew = board.locator(f'#available-drivers [data-driver-id="{world.driver.id}"]')
    await expect(drew).to_have_count(1)

    roster = await staff_page(open_page, world)
    await roster.goto(f"{world.url}/app/drivers")
    row = roster.locator(f'#drivers [data-driver-id="{world.driver.id}"]')
    await expect(row).to_contain_text("70 h 00 m")
    await row.get_by_role("button", name="Set off duty for Driver drew").click()
    await expect(roster.locator(".notice")).to_contain_text("off duty")
    await expect(row).to_have_attribute("data-status", "off_duty")
    await expect(drew).to_have_count(0, timeout=5_000)
    await row.get_by_role("button", name="Set available for Driver drew").click()
    await expect(drew).to_have_count(1, timeout=5_000)
    assert await board.evaluate("window.__same_page") is True


async def test_the_roster_shows_truck_and_load_and_finds_by_name_or_truck(
    open_page: OpenPage, world: World
) -> None:
    http = world.site.http
    truck = await add_vehicle(http, world.admin, "T-200")
    resp = await http.patch(
        f"/api/drivers/{world.driver.id}",
        headers=world.admin.auth,
        json={"vehicle_id": truck["id"]},
    )
    assert resp.status_code == 200, resp.text
    await assign(http, world.dispatcher, world.load["id"], world.driver)
    page = await staff_page(open_page, world)
    await page.goto(f"{world.url}/app/drivers")
    row = page.locator(f'#drivers [data-driver-id="{world.driver.id}"]')
    await expect(row).to_contain_text("T-200")
    await row.get_by_role("link", name=world.load["reference"]).click()
    await expect(page).to_have_url(f"{world.url}/app/shipments/{world.load['id']}")
    for query, count in (("t-200", 1), ("drew", 1), ("nobody", 0)):
        await page.goto(f"{world.url}/app/drivers?q={query}")
        await expect(page.locator("#drivers [data-driver-id]")).to_have_count(count)
    await page.goto(f"{world.url}/app/drivers?status=off_duty")
    await expect(page.locator("#drivers [data-driver-id]")).to_have_count(0)
    await page.goto(f"{world.url}/app/drivers")
    await check_page(page, "drivers-desktop")
    phone = await staff_page(open_page, world, phone=True)
    await phone.goto(f"{world.url}/app/drivers")
    await check_page(phone, "drivers-phone")
    await phone.goto(f"{world.url}/app/drivers/{world.driver.id}")
    await check_page(phone, "driver-edit-phone")


async def test_a_deactivated_driver_is_never_offered_and_cannot_go_available(
    world: World,
) -> None:
    async with signed_in(world.url, "dan@acme.example") as staff:
        page = await staff.get(f"/app/drivers/{world.driver.id}")
        token = form_value(page.text)
        off = await staff.post(
            f"/app/drivers/{world.driver.id}/active", data={"csrf_token": token, "active": "false"}
        )
        assert off.status_code == 303
        board = await staff.get("/app/dispatch")
        assert f'data-driver-id="{world.driver.id}"' not in board.text
        again = await staff.post(
            f"/app/drivers/{world.driver.id}/availability",
            data={"csrf_token": token, "status": "available"},
        )
        assert again.status_code == 409
        listed = await staff.get("/app/drivers?status=inactive")
        assert f'data-driver-id="{world.driver.id}"' in listed.text
    api = await world.site.http.put(
        f"/api/drivers/{world.driver.id}/availability",
        headers=world.driver.auth,
        json={"status": "available"},
    )
    assert api.status_code == 409


async def test_deactivating_and_assigning_a_driver_at_once_never_both_succeed(
    world: World,
) -> None:
    http = world.site.http
    async with signed_in(world.url, "admin@acme.example") as staff:
        token = form_value((await staff.get(f"/app/drivers/{world.driver.id}")).text)

        async def deactivate() -> int:
            resp = await staff.post(
                f"/app/drivers/{world.driver.id}/active",
                data={"csrf_token": token, "active": "false"},
            )
            return resp.status_code

        async def assign_load() -> int:
            resp = await http.post(
                f"/api/shipments/{world.load['id']}/assign",
                headers=world.dispatcher.auth,
                json={"driver_id": world.driver.id},
            )
            return resp.status_code

        off, given = await asyncio.gather(deactivate(), assign_load())
    driver = (await http.get(f"/api/drivers/{world.driver.id}", headers=world.admin.auth)).json()
    assert (off, given) in ((303, 409), (409, 200))
    assert (driver["current_shipment_id"] is None) == (off == 303)


async def test_console_changes_are_events_without_the_typed_text(world: World) -> None:
    http = world.site.http
    truck = await add_vehicle(http, world.admin, "T-500")
    async with signed_in(world.url, "dan@acme.example") as staff:
        token = form_value((await staff.get("/app/vehicles")).text)
        for path, data in (
            (f"/app/vehicles/{truck['id']}/service", {"in_service": "false", "reason": "Dent"}),
            (f"/app/drivers/{world.driver.id}/active", {"active": "false"}),
            (f"/app/drivers/{world.driver.id}/active", {"active": "true"}),
        ):
            resp = await staff.post(path, data={"csrf_token": token, **data})
            assert resp.status_code == 303, resp.text
    async with world.site.app.state.ctx.sessions() as session:
        rows = await session.scalars(
            select(Event).where(Event.shipment_id.is_(None)).order_by(Event.occurred_at)
        )
        events = [(e.type, e.data) for e in rows]
    kinds = [kind for kind, _ in events]
    assert kinds[-3:] == ["vehicle.updated", "driver.deactivated", "driver.reactivated"]
    out = events[-3][1]
    assert out["fields"] == ["out_of_service_reason", "status"]
    assert out["changes"] == {"status": ["active", "maintenance"]}
    assert "Dent" not in json.dumps([data for _, data in events])
