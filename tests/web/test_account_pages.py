"""The shipper accounts pages, and who may use the fleet and account pages at all."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.fleet_helpers import add_vehicle
from tests.helpers import add_customer, register
from tests.web.billing_world import delivered, invoiced, set_rates
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in

PAGES = ("/app/drivers", "/app/drivers/new", "/app/vehicles", "/app/accounts")


async def test_an_account_lists_its_users_shipments_and_invoices(
    open_page: OpenPage, world: World
) -> None:
    await set_rates(world)
    load = await delivered(world)
    invoice = await invoiced(world, [load["id"]])
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/accounts")
    await page.get_by_role("link", name="Globex Foods").click()
    await expect(page.locator("#account-users")).to_contain_text("buyer@globex.example")
    shipments = page.locator("#account-shipments")
    await expect(shipments.get_by_role("link", name=load["reference"])).to_have_attribute(
        "href", f"/app/shipments/{load['id']}"
    )
    await expect(shipments).to_contain_text(world.load["reference"])
    invoices = page.locator("#account-invoices")
    await expect(invoices.get_by_role("link", name=invoice["number"])).to_have_attribute(
        "href", f"/app/invoices/{invoice['id']}"
    )
    await check_page(page, "account-desktop")

    await page.get_by_label("Payment terms (days)").fill("45")
    await page.get_by_label("Credit limit").fill("25,000")
    await page.get_by_role("button", name="Save account").click()
    await expect(page.locator(".notice")).to_contain_text("Shipper account saved.")
    saved = await world.site.http.get(
        f"/api/customers/{world.customer_id}", headers=world.admin.auth
    )
    assert saved.json()["payment_terms_days"] == 45
    assert saved.json()["credit_limit_cents"] == 2_500_000

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(f"{world.url}/app/accounts/{world.customer_id}")
    await check_page(phone, "account-phone")
    await phone.goto(f"{world.url}/app/accounts")
    await check_page(phone, "accounts-phone")


async def test_open_an_account_and_bad_input_writes_nothing(
    open_page: OpenPage, world: World
) -> None:
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/accounts")
    await page.get_by_label("Company name").fill("Initech")
    await page.get_by_label("Billing email").fill("nope")
    await page.get_by_label("Payment terms (days)").fill("999")
    await page.get_by_role("button", name="Open account").click()
    await expect(page.locator("#billing_email-error")).to_contain_text("Enter the email")
    await expect(page.locator("#payment_terms_days-error")).to_contain_text("from 0 to 365")
    await expect(page.get_by_label("Company name")).to_have_value("Initech")
    await check_page(page, "accounts-errors-desktop")
    listed = await world.site.http.get("/api/customers", headers=world.admin.auth)
    assert "Initech" not in listed.text
    await page.get_by_label("Billing email").fill("ap@initech.example")
    await page.get_by_label("Payment terms (days)").fill("15")
    await page.get_by_role("button", name="Open account").click()
    await expect(page.locator(".notice")).to_contain_text("Shipper account opened.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    await page.goto(f"{world.url}/app/accounts")
    await check_page(page, "accounts-desktop")


@pytest.mark.parametrize("email", ["buyer@globex.example", "drew@acme.example"])
async def test_customers_and_drivers_are_refused_the_console(world: World, email: str) -> None:
    async with signed_in(world.url, email) as http:
        targets = [*PAGES, f"/app/drivers/{world.driver.id}", f"/app/accounts/{world.customer_id}"]
        for path in targets:
            resp = await http.get(path)
            assert resp.status_code == 403, path
        token = form_value((await http.get("/app/login")).text)
        post = await http.post(
            f"/app/drivers/{world.driver.id}/availability",
            data={"csrf_token": token, "status": "off_duty"},
        )
        assert post.status_code == 403
    drivers = await world.site.http.get(f"/api/drivers/{world.driver.id}", headers=world.admin.auth)
    assert drivers.json()["status"] == "available"


async def test_another_organisations_records_are_not_found(world: World) -> None:
    http = world.site.http
    other = await register(http, "Rival Freight", "boss@rival.example")
    their_truck = await add_vehicle(http, other, "R-1")
    their_account = await add_customer(http, other, "Rival Shipper")
    async with signed_in(world.url, "dan@acme.example") as staff:
        for path in (f"/app/vehicles/{their_truck['id']}", f"/app/accounts/{their_account}"):
            assert (await staff.get(path)).status_code == 404, path
        token = form_value((await staff.get("/app/vehicles")).text)
        out = await staff.post(
            f"/app/vehicles/{their_truck['id']}/service",
            data={"csrf_token": token, "in_service": "false", "reason": "sabotage"},
        )
        assert out.status_code == 404
        edit = await staff.post(
            f"/app/accounts/{their_account}",
            data={"csrf_token": token, "name": "Mine now", "billing_email": "x@y.example"},
        )
        assert edit.status_code == 404
    async with signed_in(world.url, "boss@rival.example") as rival:
        assert (await rival.get(f"/app/drivers/{world.driver.id}")).status_code == 404
        roster = await rival.get("/app/drivers")
        assert world.driver.id not in roster.text
    truck = await http.get(f"/api/vehicles/{their_truck['id']}", headers=other.auth)
    assert truck.json()["status"] == "active"
