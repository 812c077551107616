"""The dispatch board in a browser: live lists, picker and drag-and-drop assignment,
refusals, auto-dispatch plans, and who may use it."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import add_customer, add_user, register
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def board(open_page: OpenPage, world: World, phone: bool = False) -> Page:
    page = await open_page(phone=phone)
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/dispatch")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    return page


async def test_board_lists_pending_loads_and_free_drivers(
    open_page: OpenPage, world: World
) -> None:
    page = await board(open_page, world)
    load = page.locator(f'#pending-loads [data-shipment-id="{world.load["id"]}"]')
    await expect(load).to_contain_text(world.load["reference"])
    driver = page.locator(f'#available-drivers [data-driver-id="{world.driver.id}"]')
    await expect(driver).to_contain_text("Driver drew")
    # where the driver is, in words (the home base until the first fix)
    await expect(driver.locator(".where")).to_have_text(
        re.compile(r"^(in|\d+ mi [NESW]+ of) Chicago, IL · home base$")
    )
    picker = page.get_by_label(f"Driver for {world.load['reference']}")
    await expect(picker.locator("option", has_text="Driver drew")).to_have_count(1)
    await check_page(page, "board-desktop")


async def test_board_at_phone_width(open_page: OpenPage, world: World) -> None:
    page = await board(open_page, world, phone=True)
    await expect(page.locator("#pending-loads [data-shipment-id]")).to_have_count(1)
    await check_page(page, "board-phone")


async def test_a_new_load_appears_and_an_assigned_one_leaves_without_reload(
    open_page: OpenPage, world: World
) -> None:
    page = await board(open_page, world)
    await page.evaluate("window.__same_page = true")  # gone after a reload
    second = await book_load(world.site.http, world.dispatcher, world.customer_id)
    await expect(
        page.locator(f'#pending-loads [data-shipment-id="{second["id"]}"]')
    ).to_contain_text(second["reference"])
    await assign(world.site.http, world.dispatcher, world.load["id"], world.driver)
    await expect(
        page.locator(f'#pending-loads [data-shipment-id="{world.load["id"]}"]')
    ).to_have_count(0)
    # the driver now holds a load: no longer free, and the load is on the road
    await expect(
        page.locator(f'#available-drivers [data-driver-id="{world.driver.id}"]')
    ).to_have_count(0)
    await expect(
        page.locator(f'#active-loads [data-shipment-id="{world.load["id"]}"]')
    ).to_be_visible()
    assert await page.evaluate("window.__same_page") is True


async def test_a_driver_going_off_and_on_duty_shows_without_reload_or_polling(
    open_page: OpenPage, world: World
) -> None:
    page = await board(open_page, world)
    await page.evaluate("window.__same_page = true")
    drew = page.locator(f'#available-drivers [data-driver-id="{world.driver.id}"]')
    await expect(drew).to_have_count(1)
    url = f"/api/drivers/{world.driver.id}/availability"
    http = world.site.http
    off = await http.put(url, headers=world.driver.auth, json={"status": "off_duty"})
    assert off.status_code == 200, off.text
    # Well inside the old 30 s poll: the change arrives as an event.
    await expect(drew).to_have_count(0, timeout=5_000)
    back = await http.put(url, headers=world.dispatcher.auth, json={"status": "available"})
    assert back.status_code == 200, back.text
    await expect(drew).to_have_count(1, timeout=5_000)
    assert await page.evaluate("window.__same_page") is True


async def test_assign_with_the_picker(open_page: OpenPage, world: World) -> None:
    page = await board(open_page, world)
    ref = world.load["reference"]
    item = page.locator(f'#pending-loads [data-shipment-id="{world.load["id"]}"]')
    await page.get_by_label(f"Driver for {ref}").select_option(world.driver.id)
    await item.get_by_role("button", name="Assign").click()
    await expect(item).to_have_count(0)
    await expect(page.locator("#live-status")).to_contain_text(ref)
    shipment = await world.site.http.get(
        f"/api/shipments/{world.load['id']}", headers=world.dispatcher.auth
    )
    assert shipment.json()["status"] == "ASSIGNED"
    assert shipment.json()["driver_id"] == world.driver.id


async def test_assign_by_dragging_a_load_onto_a_driver(open_page: OpenPage, world: World) -> None:
    page = await board(open_page, world)
    load = page.locator(f'#pending-loads [data-shipment-id="{world.load["id"]}"]')
    driver = page.locator(f'#available-drivers [data-driver-id="{world.driver.id}"]')
    await load.drag_to(driver)
    await expect(load).to_have_count(0)
    await expect(
        page.locator(f'#active-loads [data-shipment-id="{world.load["id"]}"]')
    ).to_be_visible()
    shipment = await world.site.http.get(
        f"/api/shipments/{world.load['id']}", headers=world.dispatcher.auth
    )
    assert shipment.json()["driver_id"] == world.driver.id


async def test_a_refusal_says_why_next_to_the_load(open_page: OpenPage, world: World) -> None:
    flatbed = await book_load(
        world.site.http, world.dispatcher, world.customer_id, equipment_type="flatbed"
    )
    page = await board(open_page, world)
    item = page.locator(f'#pending-loads [data-shipment-id="{flatbed["id"]}"]')
    picker = page.get_by_label(f"Driver for {flatbed['reference']}")
    # the picker already warns, and the server refuses with its reason
    await expect(picker.locator("option", has_text="not qualified for flatbed")).to_have_count(1)
    await picker.select_option(world.driver.id)
    await item.get_by_role("button", name="Assign").click()
    alert = item.get_by_role("alert")
    await expect(alert).to_have_text("Cannot assign: driver is not qualified for flatbed")
    await expect(item).to_be_visible()
    await check_page(page, "board-refusal-desktop")


async def test_the_picker_works_without_javascript(world: World) -> None:
    flatbed = await book_load(
        world.site.http, world.dispatcher, world.customer_id, equipment_type="flatbed"
    )
    async with signed_in(world.url, "dan@acme.example") as http:
        token = form_value((await http.get("/app/dispatch")).text)
        refused = await http.post(
            "/app/dispatch/assign",
            data={"csrf_token": token, "shipment_id": flatbed["id"], "driver_id": world.driver.id},
        )
        assert refused.status_code == 409
        assert "Cannot assign: driver is not qualified for flatbed." in refused.text
        # the choice is kept in the re-rendered picker
        assert re.search(rf'<option value="{world.driver.id}" selected>', refused.text)
        missing = await http.post(
            "/app/dispatch/assign",
            data={"csrf_token": token, "shipment_id": world.load["id"], "driver_id": ""},
        )
        assert missing.status_code == 422
        assert "Choose a driver for this load." in missing.text
        done = await http.post(
            "/app/dispatch/assign",
            data={
                "csrf_token": token,
                "shipment_id": world.load["id"],
                "driver_id": world.driver.id,
            },
        )
        assert done.status_code == 303
        page = await http.get(done.headers["location"])
        assert f"{world.load['reference']} is assigned." in page.text


async def test_propose_and_apply_some_of_a_plan(open_page: OpenPage, world: World) -> None:
    http = world.site.http
    dallas = await add_driver(http, world.admin, "dana@acme.example", city="Dallas")
    from_dallas = await book_load(
        http, world.dispatcher, world.customer_id, origin="Dallas", destination="Memphis"
    )
    flatbed = await book_load(http, world.dispatcher, world.customer_id, equipment_type="flatbed")
    page = await board(open_page, world)
    await page.get_by_role("button", name="Propose a plan").click()
    plan = page.locator("#plan-result")
    await expect(plan).to_be_visible()
    await expect(plan.get_by_test_id("plan-covered")).to_contain_text("2 of 3")
    await expect(plan.get_by_test_id("plan-saved")).to_contain_text("mi")
    chicago_pair = plan.get_by_label(f"{world.load['reference']} → Driver drew", exact=False)
    dallas_pair = plan.get_by_label(f"{from_dallas['reference']} → Driver dana", exact=False)
    await expect(chicago_pair).to_be_checked()
    await expect(plan.locator(".pair").first.locator(".reasons li").first).to_contain_text(
        "already at the pickup"
    )
    left = plan.locator(f'.left-over [data-shipment-id="{flatbed["id"]}"]')
    await expect(left).to_contain_text("lack the equipment")
    await check_page(page, "board-plan-desktop")
    await dallas_pair.uncheck()
    await page.get_by_role("button", name="Apply ticked pairs").click()
    await expect(
        plan.locator(f'.pair[data-shipment-id="{world.load["id"]}"] .outcome')
    ).to_have_text("Assigned")
    await expect(
        page.locator(f'#pending-loads [data-shipment-id="{world.load["id"]}"]')
    ).to_have_count(0)
    await expect(
        page.locator(f'#pending-loads [data-shipment-id="{from_dallas["id"]}"]')
    ).to_be_visible()
    statuses = {
        load["id"]: (
            await http.get(f"/api/shipments/{load['id']}", headers=world.dispatcher.auth)
        ).json()["status"]
        for load in (world.load, from_dallas)
    }
    assert statuses == {world.load["id"]: "ASSIGNED", from_dallas["id"]: "PENDING"}
    assert dallas.id  # proposed but not applied: still free


async def test_apply_a_whole_plan_without_javascript(world: World) -> None:
    async with signed_in(world.url, "dan@acme.example") as http:
        token = form_value((await http.get("/app/dispatch")).text)
        proposed = await http.post("/app/dispatch/plans", data={"csrf_token": token})
        assert proposed.status_code == 303
        page = await http.get(proposed.headers["location"])
        plan_id = re.search(r'data-plan-id="([^"]+)"', page.text)
        assert plan_id
        apply_path = f"/app/dispatch/plans/{plan_id.group(1)}/apply"
        nothing = await http.post(apply_path, data={"csrf_token": token, "scope": "chosen"})
        assert nothing.status_code == 422
        assert "Tick at least one pair" in nothing.text
        applied = await http.post(apply_path, data={"csrf_token": token, "scope": "all"})
        assert applied.status_code == 303
        page = await http.get(applied.headers["location"])
        assert "Plan applied" in page.text and "Assigned" in page.text
        again = await http.post(apply_path, data={"csrf_token": token, "scope": "all"})
        assert again.status_code == 409
        assert "already applied" in again.text


async def test_only_dispatchers_and_admins_use_the_board(world: World) -> None:
    for email in ("buyer@globex.example", "drew@acme.example"):
        async with signed_in(world.url, email) as http:
            assert (await http.get("/app/dispatch")).status_code == 403
            assert (await http.get("/app/dispatch/live")).status_code == 403
            token = form_value((await http.get("/app/login")).text)
            for path, data in (
                (
                    "/app/dispatch/assign",
                    {"shipment_id": world.load["id"], "driver_id": world.driver.id},
                ),
                ("/app/dispatch/plans", {}),
            ):
                resp = await http.post(path, data={"csrf_token": token, **data})
                assert resp.status_code == 403
    async with signed_in(world.url, "admin@acme.example") as http:
        assert (await http.get("/app/dispatch")).status_code == 200
    shipment = await world.site.http.get(
        f"/api/shipments/{world.load['id']}", headers=world.dispatcher.auth
    )
    assert shipment.json()["status"] == "PENDING"


async def test_board_forms_need_the_csrf_token(world: World) -> None:
    async with signed_in(world.url, "dan@acme.example") as http:
        resp = await http.post(
            "/app/dispatch/assign",
            data={"shipment_id": world.load["id"], "driver_id": world.driver.id},
        )
        assert resp.status_code == 403
        assert (await http.post("/app/dispatch/plans")).status_code == 403
    shipment = await world.site.http.get(
        f"/api/shipments/{world.load['id']}", headers=world.dispatcher.auth
    )
    assert shipment.json()["status"] == "PENDING"


async def test_another_organisations_load_cannot_be_assigned(world: World) -> None:
    other_admin = await register(world.site.http, "Other Freight", "boss@other.example")
    other_customer = await add_customer(world.site.http, other_admin, "Initech")
    theirs = await book_load(world.site.http, other_admin, other_customer)
    async with signed_in(world.url, "dan@acme.example") as http:
        page = await http.get("/app/dispatch")
        assert theirs["reference"] not in page.text
        resp = await http.post(
            "/app/dispatch/assign",
            data={
                "csrf_token": form_value(page.text),
                "shipment_id": theirs["id"],
                "driver_id": world.driver.id,
            },
        )
        assert resp.status_code == 404


async def test_dispatcher_messages_the_driver_from_the_board(
    open_page: OpenPage, world: World
) -> None:
    await assign(world.site.http, world.dispatcher, world.load["id"], world.driver)
    page = await board(open_page, world)
    active = page.locator(f'#active-loads [data-shipment-id="{world.load["id"]}"]')
    await active.get_by_role("link", name="Message Driver drew", exact=False).click()
    await page.wait_for_url(f"**/app/shipments/{world.load['id']}/messages")
    await page.get_by_label("Message").fill("Gate 4, ask for Sam.")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#messages ol.messages li")).to_contain_text(["Gate 4, ask for Sam."])
    await check_page(page, "board-thread-desktop")
    resp = await world.site.http.get(
        f"/api/shipments/{world.load['id']}/messages", headers=world.driver.auth
    )
    assert [m["body"] for m in resp.json()["items"]] == ["Gate 4, ask for Sam."]


async def test_messages_without_javascript_bad_input_csrf_and_access(
    open_page: OpenPage, world: World
) -> None:
    load_id = world.load["id"]
    path = f"/app/shipments/{load_id}/messages"
    async with signed_in(world.url, "buyer@globex.example") as http:
        token = form_value((await http.get(path)).text)
        assert (await http.post(path, data={"body": "no token"})).status_code == 403
        blank = await http.post(path, data={"csrf_token": token, "body": "   "})
        assert blank.status_code == 422
        assert "Message: must not be blank." in blank.text
        sent = await http.post(
            path,
            data={"csrf_token": token, "body": "Dock closes at 5.", "next": "//evil.example/"},
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/app/shipments/{load_id}#messages"
    thread = await world.site.http.get(
        f"/api/shipments/{load_id}/messages", headers=world.dispatcher.auth
    )
    assert [m["body"] for m in thread.json()["items"]] == ["Dock closes at 5."]
    # a customer of another account, and a driver who does not carry the load: 404
    outsider_account = await add_customer(world.site.http, world.admin, "Umbrella")
    await add_user(
        world.site.http, world.admin, "customer", "eve@umbrella.example", outsider_account
    )
    for email in ("eve@umbrella.example", "drew@acme.example"):
        async with signed_in(world.url, email) as http:
            assert (await http.get(path)).status_code == 404
            token = form_value((await http.get("/app/login")).text)
            resp = await http.post(path, data={"csrf_token": token, "body": "hello"})
            assert resp.status_code == 404
    page = await open_page(phone=True)
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}{path}")
    await expect(page.locator("#messages li")).to_contain_text(["Dock closes at 5."])
    await check_page(page, "thread-phone")
