"""Units, money and times for people: a US carrier sees miles, pounds and each stop's own
zone; switched to metric, kilometres and kilograms; the booking form takes local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from freight import formatting as fmt
from tests.fleet_helpers import book_load
from tests.shipments.factory import stop
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in

ADMIN = "admin@acme.example"
DISPATCHER = "dan@acme.example"


def _winter_morning() -> datetime:
    """8:00 in Chicago (14:00 UTC) on a day ahead in winter, when Chicago is on CST."""
    year = datetime.now(UTC).year + 1
    return datetime(year, 1, 12, 14, 0, tzinfo=UTC)


async def _chicago_to_phoenix(world: World) -> dict[str, object]:
    start = _winter_morning()
    stops = [stop("pickup", "Chicago", start), stop("delivery", "Phoenix", start + timedelta(2))]
    return await book_load(
        world.site.http, world.admin, world.customer_id, weight_kg=3628.739, stops=stops
    )


async def test_a_chicago_pickup_is_shown_in_cst_with_miles_and_pounds_then_metric(
    world: World, open_page: OpenPage
) -> None:
    load = await _chicago_to_phoenix(world)
    stops = load["stops"]
    assert isinstance(stops, list)
    assert [s["timezone"] for s in stops] == ["America/Chicago", "America/Phoenix"]
    assert stops[0]["window_start"].endswith(("Z", "+00:00"))  # the API stays in UTC
    page = await open_page()
    await sign_in(page, world.url, DISPATCHER)
    await page.goto(f"{world.url}/app/shipments/{load['id']}")
    year = _winter_morning().year
    await expect(page.get_by_text(f"Window Jan 12, {year}, 8:00 AM CST to")).to_be_visible()
    # Phoenix keeps MST all year: its window is shown in its own zone, not Chicago's.
    await expect(page.get_by_text(f"Window Jan 14, {year}, 7:00 AM MST to")).to_be_visible()
    details = page.locator("dl").filter(has_text="Weight")
    await expect(details).to_contain_text("8,000 lb")
    miles = fmt.distance(float(str(load["distance_km"])), "imperial")
    await expect(details).to_contain_text(miles)
    assert miles.endswith(" mi")

    resp = await world.site.http.patch(
        "/api/organization", headers=world.admin.auth, json={"units": "metric"}
    )
    assert resp.status_code == 200, resp.text
    await page.reload()
    await expect(details).to_contain_text("3,629 kg")
    await expect(details).to_contain_text(fmt.distance(float(str(load["distance_km"])), "metric"))
    await expect(page.get_by_text(f"Window Jan 12, {year}, 8:00 AM CST to")).to_be_visible()
    # The API did not change: still kilograms and kilometres.
    again = await world.site.http.get(f"/api/shipments/{load['id']}", headers=world.admin.auth)
    assert again.json()["weight_kg"] == pytest.approx(3628.739)


async def test_the_board_lists_pickups_in_their_zone_and_weights_in_pounds(
    world: World, open_page: OpenPage
) -> None:
    load = await _chicago_to_phoenix(world)
    page = await open_page()
    await sign_in(page, world.url, DISPATCHER)
    await page.goto(f"{world.url}/app/dispatch")
    card = page.locator(f'[data-shipment-id="{load["id"]}"]').first
    await expect(card).to_contain_text("8,000 lb")
    await expect(card).to_contain_text("8:00 AM CST")


async def test_an_admin_sets_the_organisation_to_metric_on_a4(
    world: World, open_page: OpenPage
) -> None:
    for phone in (False, True):
        page = await open_page(phone=phone)
        await sign_in(page, world.url, ADMIN)
        await page.goto(f"{world.url}/app/admin")
        await page.get_by_role("link", name="Organisation").click()
        await expect(page.get_by_role("heading", name="Organisation")).to_be_visible()
        await expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
        await check_page(page, f"admin-organization-{'phone' if phone else 'desktop'}")

    await page.get_by_label("Time zone").fill("America/Springfield")
    await page.get_by_label("Units").select_option("metric")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.locator("#timezone-error")).to_contain_text("time zone")
    await expect(page.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    await check_page(page, "admin-organization-errors-phone")
    current = await world.site.http.get("/api/organization", headers=world.admin.auth)
    assert current.json()["units"] == "imperial"  # nothing was saved

    await page.get_by_label("Time zone").fill("Europe/Berlin")
    await page.get_by_label("Paper size for PDFs").select_option("a4")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.locator(".notice")).to_contain_text("Settings saved")
    saved = (await world.site.http.get("/api/organization", headers=world.admin.auth)).json()
    assert (saved["units"], saved["paper_size"], saved["timezone"]) == (
        "metric",
        "a4",
        "Europe/Berlin",
    )


async def test_only_admins_open_the_settings_page(world: World) -> None:
    for email in (DISPATCHER, "buyer@globex.example"):
        async with signed_in(world.url, email) as http:
            assert (await http.get("/app/admin/organization")).status_code == 403
            token = form_value((await http.get("/app/shipments")).text)
            resp = await http.post(
                "/app/admin/organization", data={"csrf_token": token, "units": "metric"}
            )
            assert resp.status_code == 403
    current = await world.site.http.get("/api/organization", headers=world.admin.auth)
    assert current.json()["units"] == "imperial"


async def test_booking_takes_pounds_and_local_times_at_each_stop(
    world: World, open_page: OpenPage
) -> None:
    page = await open_page()
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/new")
    await page.get_by_label("Weight (lb)").fill("8,000")
    for i, city in enumerate(("Chicago", "Phoenix")):
        await page.locator(f"#stops-{i}-city").fill(city)
    zones = page.get_by_test_id("stop-zone")
    await expect(zones.nth(0)).to_contain_text("America/Chicago")
    await expect(zones.nth(1)).to_contain_text("America/Phoenix (MST)")
    day = _winter_morning().date()
    await page.locator("#stops-0-window_start").fill(f"{day}T08:00")
    await page.locator("#stops-0-window_end").fill(f"{day}T12:00")
    later = day + timedelta(days=2)
    await page.locator("#stops-1-window_start").fill(f"{later}T07:00")
    await page.locator("#stops-1-window_end").fill(f"{later}T11:00")
    await page.get_by_role("button", name="Book shipment").click()
    await page.wait_for_url("**/app/shipments/*?done=booked")
    shipment_id = page.url.split("/app/shipments/")[1].split("?")[0]
    body = (
        await world.site.http.get(f"/api/shipments/{shipment_id}", headers=world.admin.auth)
    ).json()
    assert body["weight_kg"] == pytest.approx(3628.739, abs=0.001)
    starts = [datetime.fromisoformat(s["window_start"]) for s in body["stops"]]
    assert starts == [
        datetime(day.year, day.month, day.day, 14, 0, tzinfo=UTC),  # 8:00 CST
        datetime(later.year, later.month, later.day, 14, 0, tzinfo=UTC),  # 7:00 MST
    ]
