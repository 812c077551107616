"""Public tracking by reference: no sign-in, only what /api/track shows, a friendly 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from playwright.async_api import expect

from tests.fleet_helpers import assign, move
from tests.web.conftest import OpenPage, World, check_page

PRIVATE = (
    "Globex",  # the customer's name
    "Chicago DC #12",  # facility names and streets
    "100 Logistics Way",
    "555 0142",  # the driver's phone
    "Driver drew",  # the driver's name
    "Canned goods",  # what is carried and its value
    "45,000",
)


async def test_tracking_by_reference_needs_no_sign_in_and_leaks_nothing(
    world: World, open_page: OpenPage
) -> None:
    http, load, driver = world.site.http, world.load, world.driver
    await assign(http, world.dispatcher, load["id"], driver)
    await move(http, driver, load["id"], "PICKED_UP")
    await move(http, driver, load["id"], "IN_TRANSIT")
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    resp = await http.post(
        "/api/tracking/positions",
        headers=driver.auth,
        json={"positions": [{"lat": 41.61234, "lng": -87.91234, "recorded_at": at}]},
    )
    assert resp.status_code == 202, resp.text

    for phone in (False, True):
        page = await open_page(phone=phone)
        await page.goto(f"{world.url}/track")
        await check_page(page, f"track-search-{'phone' if phone else 'desktop'}")
        await page.get_by_label("Reference").fill(f"  {load['reference'].lower()} ")
        await page.get_by_role("button", name="Track").click()
        await page.wait_for_url(f"**/track/{load['reference']}")
        await expect(page.get_by_test_id("shipment-status")).to_have_text("In transit")
        await expect(page.get_by_test_id("shipment-reference")).to_have_text(load["reference"])
        body = page.locator("main")
        await expect(body).to_contain_text("Chicago, IL")
        await expect(body).to_contain_text("Dallas, TX")
        # the position in words, never the coordinates
        await expect(page.get_by_test_id("last-seen")).to_have_text(
            re.compile(r"^\d+ mi [NESW]{1,2} of Orland Park, IL · (just now|\d+ min ago)$")
        )
        await expect(body).not_to_contain_text("41.61")
        await check_page(page, f"track-{'phone' if phone else 'desktop'}")
        text = await page.content()
        for secret in PRIVATE:
            assert secret not in text, secret
        assert "Sign out" not in text and "USD" not in text


async def test_an_unknown_reference_is_a_friendly_404(world: World, open_page: OpenPage) -> None:
    page = await open_page(phone=True)
    response = await page.goto(f"{world.url}/track/FRT-NOSUCH")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="Shipment not found")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("FRT-NOSUCH")
    await expect(page.get_by_label("Reference")).to_have_value("FRT-NOSUCH")
    await check_page(page, "track-not-found-phone")


async def test_odd_references_never_reach_the_database(world: World) -> None:
    async with AsyncClient(base_url=world.url) as http:
        for path in ("/track/%00", "/track/" + "A" * 300, "/track/<script>"):
            resp = await http.get(path)
            assert resp.status_code == 404 and "<script>" not in resp.text.replace(
                '<script type="module"', ""
            )
        bad = await http.get("/track", params={"reference": "not a reference!"})
        assert bad.status_code == 422 and "Shipment not found" in bad.text
        ok = await http.get("/track", params={"reference": world.load["reference"]})
        assert ok.status_code == 303 and ok.headers["location"].endswith(world.load["reference"])
        page = await http.get(f"/track/{world.load['reference']}")
        assert page.status_code == 200 and "Pending" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
