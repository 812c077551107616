"""The map with no tile server: real borders and states drawn from the shipped outlines
(never a blank grey box), stop labels, the truck as an arrow along its heading, and the
truck at the delivery stop once the load is delivered."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from PIL import Image
from playwright.async_api import Page, expect

from tests.fleet_helpers import assign, move
from tests.tracking.conftest import accept, fix
from tests.web.billing_world import delivered
from tests.web.conftest import OpenPage, World, check_page, sign_in

LAND = (0xFB, 0xFA, 0xF6)  # the outlines' fill (map.js)
WATER = (0xDB, 0xE7, 0xF0)  # the map's background without tiles (app.css)


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    raw = image.convert("RGB").tobytes()
    return [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]


def share_of(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 6) -> float:
    found = pixels(image)
    close = sum(
        1 for p in found if all(abs(a - b) <= tolerance for a, b in zip(p, colour, strict=True))
    )
    return close / len(found)


async def map_image(page: Page) -> Image.Image:
    element = page.locator("#map")
    await expect(element).to_have_attribute("data-outlines", "on")
    await page.wait_for_timeout(300)  # the vector layer paints on the next frame
    return Image.open(io.BytesIO(await element.screenshot()))


async def test_without_tiles_the_map_draws_borders_labels_and_the_truck(
    world: World, open_page: OpenPage
) -> None:
    await assign(world.site.http, world.dispatcher, world.load["id"], world.driver)
    await move(world.site.http, world.driver, world.load["id"], "PICKED_UP")
    now = datetime.now(UTC)
    fixes = [
        fix(41.2 - 0.01 * i, -88.4 + 0.005 * i, now - timedelta(minutes=10 - i), heading=160)
        for i in range(5)
    ]
    await accept(world.site.http, world.driver, fixes)
    page = await open_page()
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/{world.load['id']}")
    image = await map_image(page)
    # Land and water both fill a real part of the map: outlines were drawn.
    assert share_of(image, LAND) > 0.2, share_of(image, LAND)
    assert share_of(image, WATER) > 0.02, share_of(image, WATER)
    assert len(set(pixels(image))) > 50  # not a flat box
    labels = page.locator(".map-label")
    await expect(labels).to_have_count(2)
    await expect(labels.first).to_contain_text("Chicago")
    arrow = page.locator(".truck-arrow")
    await expect(arrow).to_have_css("transform", re.compile(r"matrix\(-0\.93"))  # 160°
    await expect(page.locator(".map-note")).to_contain_text("Offline map")
    await check_page(page, "offline-map-desktop")


async def test_after_delivery_the_truck_stays_at_the_delivery_stop(
    world: World, open_page: OpenPage
) -> None:
    load = await delivered(world)
    page = await open_page(phone=True)
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/shipments/{load['id']}")
    await map_image(page)
    truck = page.locator("#shipment")
    data = await truck.get_attribute("data-truck")
    delivery = load["stops"][-1]
    assert data and f'"lat": {delivery["lat"]}' in data and f'"lng": {delivery["lng"]}' in data
    await expect(page.locator(".truck-arrow")).to_have_count(1)
    await check_page(page, "offline-map-delivered-phone")


async def test_the_public_tracking_page_has_the_map_with_towns_not_addresses(
    world: World, open_page: OpenPage
) -> None:
    reference = world.load["reference"]
    public = await world.site.http.get(f"/api/track/{reference}")
    assert public.status_code == 200, public.text
    for stop, booked in zip(public.json()["stops"], world.load["stops"], strict=True):
        assert stop["lat"] == round(booked["lat"], 1) and stop["lng"] == round(booked["lng"], 1)
    page = await open_page(phone=True)
    await page.goto(f"{world.url}/track/{reference}")
    image = await map_image(page)
    assert share_of(image, LAND) > 0.2
    await expect(page.locator(".map-label")).to_have_count(2)
    await check_page(page, "public-tracking-map-phone")
