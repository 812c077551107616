"""The admin pages in the browser: users and roles, API keys, rates; and who may use them."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.helpers import PASSWORD, login
from tests.shipments.factory import CITIES
from tests.web.billing_world import RATES, set_rates
from tests.web.clients import csrf, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in

ADMIN = "admin@acme.example"


async def users_count(world: World) -> int:
    resp = await world.site.http.get("/api/users", headers=world.admin.auth)
    return len(resp.json()["items"])


async def test_an_admin_adds_a_customer_user_changes_the_role_and_deactivates_them(
    world: World, open_page: OpenPage
) -> None:
    page = await open_page()
    await sign_in(page, world.url, ADMIN)
    await page.goto(f"{world.url}/app/admin")
    await check_page(page, "admin-desktop")
    await page.get_by_role("link", name="Users and roles").click()
    await check_page(page, "admin-users-desktop")

    await page.get_by_label("Full name").fill("Paula Payables")
    await page.get_by_label("Email").fill("paula@globex.example")
    await page.get_by_label("Role").select_option("customer")
    await page.get_by_label("Shipper account (customers)").select_option(label="Globex Foods")
    await page.get_by_label("First password").fill(PASSWORD)
    await page.get_by_role("button", name="Add user").click()
    await expect(page.get_by_text("User created.")).to_be_visible()
    row = page.locator('tr[data-email="paula@globex.example"]')
    await expect(row).to_contain_text("Customer (Globex Foods)")
    paula = await login(world.site.http, "paula@globex.example")
    assert paula.user["customer_id"] == world.customer_id

    await row.get_by_role("link", name="Paula Payables").click()
    await check_page(page, "admin-user-desktop")
    await page.get_by_label("Role", exact=True).select_option("dispatcher")
    await expect(page.get_by_label("Shipper account (customers)")).to_be_hidden()
    await page.get_by_role("button", name="Change role").click()
    await expect(page.get_by_text("User updated.")).to_be_visible()
    await expect(page.get_by_test_id("user-role")).to_have_text("Dispatcher")
    me = await world.site.http.get("/api/auth/me", headers=paula.auth)
    assert me.json()["role"] == "dispatcher" and me.json()["customer_id"] is None

    await page.get_by_role("button", name="Deactivate").click()
    await expect(page.get_by_test_id("user-active")).to_have_text("Deactivated")
    assert (await world.site.http.get("/api/auth/me", headers=paula.auth)).status_code == 401
    refused = await world.site.http.post(
        "/api/auth/login", json={"email": "paula@globex.example", "password": PASSWORD}
    )
    assert refused.status_code == 401
    await page.get_by_role("button", name="Reactivate").click()
    await expect(page.get_by_test_id("user-active")).to_have_text("Active")
    await login(world.site.http, "paula@globex.example")


async def test_bad_user_input_shows_the_field_error_and_saves_nothing(
    world: World, open_page: OpenPage
) -> None:
    before = await users_count(world)
    page = await open_page()
    await sign_in(page, world.url, ADMIN)
    await page.goto(f"{world.url}/app/admin/users")
    await page.get_by_label("Full name").fill("Second Dan")
    await page.get_by_label("Email").fill("dan@acme.example")
    await page.get_by_label("Role").select_option("dispatcher")
    await page.get_by_label("First password").fill(PASSWORD)
    await page.get_by_role("button", name="Add user").click()
    await expect(page.locator("#email-error")).to_contain_text("already exists")
    await expect(page.get_by_label("Full name")).to_have_value("Second Dan")

    await page.get_by_label("Email").fill("new@globex.example")
    await page.get_by_label("Role").select_option("customer")
    await page.get_by_label("First password").fill(PASSWORD)
    await page.get_by_role("button", name="Add user").click()
    await expect(page.locator("#customer_id-error")).to_contain_text("Choose the shipper account")

    await page.get_by_label("Role").select_option("dispatcher")
    await page.get_by_label("First password").fill("short")
    await page.get_by_role("button", name="Add user").click()
    await expect(page.locator("#password-error")).to_contain_text("at least")
    await check_page(page, "admin-users-error-desktop")
    assert await users_count(world) == before

    # An admin cannot demote themselves: the role form is not offered, and posting it fails.
    async with signed_in(world.url, ADMIN) as admin:
        resp = await admin.post(
            f"/app/admin/users/{world.admin.id}/role",
            data={"csrf_token": csrf(admin), "role": "dispatcher"},
        )
        assert resp.status_code == 409 and "cannot deactivate or demote" in resp.text
    me = await world.site.http.get("/api/auth/me", headers=world.admin.auth)
    assert me.json()["role"] == "admin"


async def test_an_api_key_secret_is_shown_once_works_and_stops_when_revoked(
    world: World, open_page: OpenPage
) -> None:
    http = world.site.http
    page = await open_page()
    await sign_in(page, world.url, ADMIN)
    await page.goto(f"{world.url}/app/admin/api-keys")
    await page.get_by_label("Name").fill("Telematics feed")
    await page.get_by_label("Acts as").select_option("dispatcher")
    await page.get_by_role("button", name="Create key").click()
    secret = await page.get_by_test_id("api-key-secret").input_value()
    assert len(secret) > 20
    await check_page(page, "admin-key-created-desktop")
    works = await http.get("/api/shipments", headers={"X-API-Key": secret})
    assert works.status_code == 200 and works.json()["items"]

    await page.reload()
    await expect(page.get_by_test_id("secret-gone")).to_be_visible()
    assert secret not in await page.content()
    await page.goto(f"{world.url}/app/admin/api-keys")
    assert secret not in await page.content()
    await expect(page.locator("#api-keys")).to_contain_text(secret[:12])
    row = page.locator("#api-keys tbody tr").first
    await expect(row.locator("td").nth(2)).to_have_text(world.admin.user["full_name"])
    await expect(row.locator("td").nth(3)).to_have_text("Never")  # no expiry was set
    await check_page(page, "admin-keys-desktop")

    await page.get_by_role("button", name="Revoke Telematics feed").click()
    await expect(page.get_by_text("API key revoked")).to_be_visible()
    await expect(page.locator("#api-keys")).to_contain_text("Revoked")
    assert (await http.get("/api/shipments", headers={"X-API-Key": secret})).status_code == 401


async def test_edited_rates_price_the_next_quote_and_bad_rates_save_nothing(
    world: World, open_page: OpenPage
) -> None:
    http = world.site.http
    await set_rates(world)
    page = await open_page()
    await sign_in(page, world.url, ADMIN)
    await page.goto(f"{world.url}/app/admin/rates")
    await expect(page.get_by_label("Dry van")).to_have_value("1.95")
    await page.get_by_label("Dry van").fill("3.10")
    await page.get_by_label("Flatbed").fill("2.75")
    await page.get_by_label("Fuel surcharge (% of linehaul)").fill("10")
    await page.get_by_label("Tax (%)").fill("5.5")
    await page.get_by_label("Minimum charge per load").fill("400")
    await page.get_by_role("button", name="Save rates").click()
    await expect(page.get_by_text("Rates saved.")).to_be_visible()
    await expect(page.get_by_label("Dry van")).to_have_value("3.10")

    _, lat1, lng1 = CITIES["Chicago"]
    _, lat2, lng2 = CITIES["Dallas"]
    body = {
        "equipment_type": "dry_van",
        "stops": [{"lat": lat1, "lng": lng1}, {"lat": lat2, "lng": lng2}],
    }
    quote = (await http.post("/api/quotes", headers=world.admin.auth, json=body)).json()
    linehaul = next(line for line in quote["lines"] if line["kind"] == "linehaul")
    assert linehaul["unit_price_cents"] == 310 and quote["tax_rate_bp"] == 550
    fuel = next(line for line in quote["lines"] if line["kind"] == "fuel_surcharge")
    assert fuel["amount_cents"] == round(linehaul["amount_cents"] * 0.10)
    flatbed = await http.post(
        "/api/quotes", headers=world.admin.auth, json={**body, "equipment_type": "flatbed"}
    )
    assert flatbed.status_code == 200

    await page.get_by_label("Dry van").fill("three dollars")
    await page.get_by_label("Tax (%)").fill("120")
    await page.get_by_role("button", name="Save rates").click()
    await expect(page.locator("#rate_dry_van-error")).to_contain_text("number")
    await expect(page.get_by_label("Dry van")).to_have_value("three dollars")
    await page.get_by_label("Dry van").fill("3.10")
    await page.get_by_label("Currency").fill("us")
    await page.get_by_role("button", name="Save rates").click()
    await expect(page.locator("#tax_rate-error")).to_be_visible()
    await expect(page.locator("#currency-error")).to_be_visible()
    await check_page(page, "admin-rates-error-desktop")
    saved = (await http.get("/api/billing/rates", headers=world.admin.auth)).json()
    assert saved["per_km_cents"]["dry_van"] == 310 and saved["tax_rate_bp"] == 550
    assert saved["currency"] == RATES["currency"]


async def test_a_carrier_switches_its_rates_to_per_mile_and_quotes_say_miles(
    world: World, open_page: OpenPage
) -> None:
    http = world.site.http
    await set_rates(world)
    page = await open_page()
    await sign_in(page, world.url, ADMIN)
    await page.goto(f"{world.url}/app/admin/rates")
    await expect(page.get_by_label("Priced per")).to_have_value("km")  # as saved
    await page.get_by_label("Priced per").select_option("mi")
    await page.get_by_label("Dry van").fill("3.10")
    await page.get_by_role("button", name="Save rates").click()
    await expect(page.get_by_text("Rates saved.")).to_be_visible()
    await expect(page.get_by_label("Priced per")).to_have_value("mi")
    await check_page(page, "admin-rates-per-mile-desktop")
    saved = (await http.get("/api/billing/rates", headers=world.admin.auth)).json()
    assert saved["per_mile_cents"]["dry_van"] == 310 and saved["per_km_cents"] == {}
    _, lat1, lng1 = CITIES["Chicago"]
    _, lat2, lng2 = CITIES["Dallas"]
    body = {
        "equipment_type": "dry_van",
        "stops": [{"lat": lat1, "lng": lng1}, {"lat": lat2, "lng": lng2}],
    }
    quote = (await http.post("/api/quotes", headers=world.admin.auth, json=body)).json()
    linehaul = quote["lines"][0]
    assert linehaul["unit"] == "mi" and " mi dry van" in linehaul["description"]


async def test_the_admin_pages_on_a_phone(world: World, open_page: OpenPage) -> None:
    await set_rates(world)
    page = await open_page(phone=True)
    await sign_in(page, world.url, ADMIN)
    for path, name in (
        ("/app/admin", "admin-phone"),
        ("/app/admin/users", "admin-users-phone"),
        (f"/app/admin/users/{world.customer.id}", "admin-user-phone"),
        ("/app/admin/api-keys", "admin-keys-phone"),
        ("/app/admin/rates", "admin-rates-phone"),
        (f"/app/invoices/new?customer_id={world.customer_id}", "invoice-new-phone"),
    ):
        await page.goto(f"{world.url}{path}")
        await check_page(page, name)
    await page.goto(f"{world.url}/app/admin/api-keys")
    await page.get_by_label("Name").fill("Phone key")
    await page.get_by_role("button", name="Create key").click()
    await expect(page.get_by_test_id("api-key-secret")).to_be_visible()
    await check_page(page, "admin-key-created-phone")


ADMIN_PAGES = [
    "/app/admin",
    "/app/admin/users",
    "/app/admin/api-keys",
    "/app/admin/rates",
    "/app/invoices/new",
]


@pytest.mark.parametrize("email", ["buyer@globex.example", "dan@acme.example", "drew@acme.example"])
async def test_only_admins_open_or_post_the_admin_pages(world: World, email: str) -> None:
    await set_rates(world)
    users_before = await users_count(world)
    async with signed_in(world.url, email) as http:
        for path in [*ADMIN_PAGES, f"/app/admin/users/{world.customer.id}"]:
            assert (await http.get(path)).status_code == 403, path
        token = csrf(http)
        posts = {
            "/app/admin/users": {
                "email": "sneaky@acme.example",
                "full_name": "Sneaky",
                "role": "admin",
                "password": PASSWORD,
            },
            f"/app/admin/users/{world.customer.id}/role": {"role": "admin"},
            f"/app/admin/users/{world.customer.id}/active": {"active": "false"},
            "/app/admin/api-keys": {"name": "Backdoor", "role": "admin"},
            "/app/admin/rates": {"currency": "USD", "rate_unit": "km", "rate_dry_van": "0.01"},
        }
        for path, form in posts.items():
            resp = await http.post(path, data={"csrf_token": token, **form})
            assert resp.status_code == 403, path
    assert await users_count(world) == users_before
    keys = await world.site.http.get("/api/api-keys", headers=world.admin.auth)
    assert keys.json()["items"] == []
    rates = (await world.site.http.get("/api/billing/rates", headers=world.admin.auth)).json()
    assert rates["per_km_cents"] == RATES["per_km_cents"]
    customer = await world.site.http.get(
        f"/api/users/{world.customer.id}", headers=world.admin.auth
    )
    assert customer.json()["role"] == "customer" and customer.json()["is_active"]


async def test_admin_forms_need_the_csrf_token_and_a_session(world: World) -> None:
    async with signed_in(world.url, ADMIN) as admin:
        for path in ("/app/admin/users", "/app/admin/api-keys", "/app/admin/rates"):
            assert (await admin.post(path, data={"name": "x"})).status_code == 403, path
    async with signed_in(world.url, ADMIN) as admin:
        await admin.post("/app/logout", data={"csrf_token": csrf(admin)})
        resp = await admin.get("/app/admin/users")
        assert resp.status_code == 303 and resp.headers["location"].startswith("/app/login")
    keys = await world.site.http.get("/api/api-keys", headers=world.admin.auth)
    assert keys.json()["items"] == []
