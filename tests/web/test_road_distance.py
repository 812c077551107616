"""With OSRM configured, the pages quote, book, edit and show its road distance, and say so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from freight.geo import haversine_km
from freight.settings import Settings
from tests.conftest import base_settings
from tests.routing import engines
from tests.routing.standin import Behaviour, road_km
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in
from tests.web.test_portal import SHIPMENT_URL, fill_stop, set_rates


@pytest.fixture
def osrm() -> Iterator[Behaviour]:
    with engines.osrm() as behaviour:
        yield behaviour


@pytest.fixture
def web_settings(clean_db: str, tmp_path: Path, osrm: Behaviour) -> Settings:
    return base_settings(
        clean_db,
        tmp_path,
        map_tile_url="",
        ws_idle_timeout_s=120,
        router="osrm",
        router_url=osrm.url,
        router_timeout_s=0.5,
    )


async def shipment(world: World, load_id: str) -> dict[str, Any]:
    resp = await world.site.http.get(f"/api/shipments/{load_id}", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_the_booking_page_quotes_osrms_road_and_the_shipment_page_names_it(
    world: World, open_page: OpenPage, osrm: Behaviour
) -> None:
    await set_rates(world)
    for phone in (False, True):
        page = await open_page(phone=phone)
        await sign_in(page, world.url, "buyer@globex.example")
        await page.goto(f"{world.url}/app/shipments/new")
        await page.get_by_label("Weight (lb)").fill("9500")
        await fill_stop(page, 0, "Chicago")
        await fill_stop(page, 1, "Dallas")
        await expect(page.locator("#quote")).to_contain_text("by road (OSRM)")
        size = "phone" if phone else "desktop"
        await check_page(page, f"road-quote-{size}")
        if phone:
            break
        await page.get_by_role("button", name="Book shipment").click()
        await page.wait_for_url(SHIPMENT_URL)
        booked_id = page.url.split("/app/shipments/")[1].split("?")[0]
    booked = await shipment(world, booked_id)
    assert booked["distance_source"] == "osrm"
    chicago, dallas = ((s["lat"], s["lng"]) for s in booked["stops"])
    assert booked["distance_km"] == round(road_km(chicago, dallas) or 0, 1)
    for phone in (False, True):
        page = await open_page(phone=phone)
        await sign_in(page, world.url, "buyer@globex.example")
        await page.goto(f"{world.url}/app/shipments/{booked_id}")
        await expect(page.get_by_test_id("distance-source")).to_have_text("(OSRM)")
        await check_page(page, f"road-shipment-{'phone' if phone else 'desktop'}")


async def test_with_osrm_down_the_page_says_the_distance_is_estimated(
    world: World, open_page: OpenPage, osrm: Behaviour
) -> None:
    osrm.status = 503
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/shipments/{world.load['id']}")
    await expect(page.get_by_test_id("distance-source")).to_have_text("(OSRM)")  # booked before
    async with signed_in(world.url, "dan@acme.example") as http:
        load = world.load
        form = (await http.get(f"/app/shipments/{load['id']}/edit")).text
        fields = {
            "csrf_token": form_value(form),
            "version": form_value(form, "version"),
            "seen": form_value(form, "seen"),
            "stop_count": "2",
            "equipment_type": "dry_van",
            "weight": "900",
        }
        for i, stop in enumerate(load["stops"]):
            for key in ("kind", "city", "country", "lat", "lng"):
                fields[f"stops-{i}-{key}"] = str(stop[key])
            fields[f"stops-{i}-window_start"] = stop["window_start"][:16]
            fields[f"stops-{i}-window_end"] = stop["window_end"][:16]
        fields["stops-1-lat"], fields["stops-1-lng"] = "33.749", "-84.388"  # Atlanta's dock
        fields["stops-1-city"] = "Atlanta"
        saved = await http.post(f"/app/shipments/{load['id']}/edit", data=fields)
        assert saved.status_code == 303, saved.text
    edited = await shipment(world, load["id"])
    assert edited["distance_source"] == "estimate" and edited["stops"][1]["city"] == "Atlanta"
    await page.reload()
    await expect(page.get_by_test_id("distance-source")).to_have_text("(road estimate)")
    await check_page(page, "road-shipment-estimated-desktop")


async def test_the_maps_draw_the_road_and_the_public_one_stops_short_of_the_stops(
    world: World, open_page: OpenPage
) -> None:
    load = world.load
    chicago, dallas = ((s["lat"], s["lng"]) for s in load["stops"])
    public = (await world.site.http.get(f"/api/track/{load['reference']}")).json()
    (leg,) = public["route"]
    assert leg["road"] is True
    rounded = [[round(p[0], 1), round(p[1], 1)] for p in (chicago, dallas)]
    assert [leg["points"][0], leg["points"][-1]] == rounded
    for lat, lng in leg["points"][1:-1]:
        assert min(haversine_km(lat, lng, *chicago), haversine_km(lat, lng, *dallas)) > 10
    road = '.leaflet-overlay-pane path[stroke="#57606a"]:not([stroke-dasharray])'
    for phone in (False, True):
        page = await open_page(phone=phone)
        await sign_in(page, world.url, "dan@acme.example")
        await page.goto(f"{world.url}/app/shipments/{load['id']}")
        await expect(page.locator(road)).to_have_count(1)
        await page.goto(f"{world.url}/track/{load['reference']}")
        await expect(page.locator(road)).to_have_count(1)
        await check_page(page, f"road-public-map-{'phone' if phone else 'desktop'}")
