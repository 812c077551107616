"""The driver's view on a phone: my loads, pickup and transit, location sharing, the
proof of delivery with a drawn signature and a photo, and what a driver may not do."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.fleet_helpers import add_driver, assign, book_load, due_now, move, tiny_png
from tests.web.clients import form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in

DRIVER = "drew@acme.example"
DALLAS = {"latitude": 32.7767, "longitude": -96.797}


async def driver_page(open_page: OpenPage, world: World, path: str = "/app/driver") -> Page:
    page = await open_page(phone=True)
    await sign_in(page, world.url, DRIVER)
    await page.goto(f"{world.url}{path}")
    return page


async def draw_signature(page: Page) -> None:
    """Sign on the canvas with pointer moves, as a finger or a mouse would."""
    pad = page.locator("#signature-pad")
    await pad.scroll_into_view_if_needed()
    box = await pad.bounding_box()
    assert box is not None
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    for step in range(1, 12):
        await page.mouse.move(x + step * 18, y + (12 if step % 2 else -12), steps=3)
    await page.mouse.up()


def png_file(tmp_path: Path, name: str = "photo.png") -> Path:
    path = tmp_path / name
    path.write_bytes(tiny_png(64, 48))
    return path


async def test_my_loads_at_phone_and_desktop(open_page: OpenPage, world: World) -> None:
    await assign(world.site.http, world.dispatcher, world.load["id"], world.driver)
    page = await driver_page(open_page, world)
    item = page.locator(f'#my-loads [data-shipment-id="{world.load["id"]}"]')
    await expect(item).to_contain_text(world.load["reference"])
    await check_page(page, "driver-loads-phone")
    await item.get_by_role("link").click()
    await page.wait_for_url(f"**/app/driver/loads/{world.load['id']}")
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Assigned")
    await check_page(page, "driver-load-phone")
    desktop = await open_page()
    await sign_in(desktop, world.url, DRIVER)
    await expect(
        desktop.locator(f'#my-loads [data-shipment-id="{world.load["id"]}"]')
    ).to_be_visible()
    await check_page(desktop, "driver-loads-desktop")
    await desktop.goto(f"{world.url}/app/driver/loads/{world.load['id']}")
    await check_page(desktop, "driver-load-desktop")


async def test_driver_goes_off_duty_and_back(open_page: OpenPage, world: World) -> None:
    page = await driver_page(open_page, world)
    await page.get_by_role("button", name="Go off duty").click()
    await expect(page.get_by_test_id("duty-status")).to_contain_text("off duty")
    resp = await world.site.http.get(
        f"/api/drivers/{world.driver.id}", headers=world.dispatcher.auth
    )
    assert resp.json()["status"] == "off_duty"
    await page.get_by_role("button", name="Go on duty").click()
    await expect(page.get_by_test_id("duty-status")).to_contain_text("available")


async def test_driver_runs_a_load_and_delivers_with_drawn_signature_and_photo(
    open_page: OpenPage, world: World, tmp_path: Path
) -> None:
    load_id = world.load["id"]
    await due_now(world.site.http, world.dispatcher, world.load)  # on time: no warnings
    await assign(world.site.http, world.dispatcher, load_id, world.driver)
    page = await driver_page(open_page, world, f"/app/driver/loads/{load_id}")
    await page.get_by_role("button", name="Picked up").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Picked up")
    await page.get_by_role("button", name="In transit").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("In transit")
    await check_page(page, "driver-pod-phone")

    await page.get_by_label("Received by").fill("Rita Receiver")
    await draw_signature(page)
    await expect(page.locator("#signature-pad")).to_have_attribute("data-signed", "true")
    await page.get_by_label("Photos", exact=True).set_input_files(png_file(tmp_path))
    await page.get_by_role("button", name="Confirm delivery").click()

    await expect(page.get_by_test_id("shipment-status")).to_have_text("Delivered")
    proof = page.locator("#proof")
    await expect(proof).to_contain_text("Rita Receiver")
    await expect(proof.get_by_role("img", name="Signature of Rita Receiver")).to_be_visible()
    await expect(proof.get_by_role("img", name="Delivery photo 1")).to_be_visible()
    pod = await world.site.http.get(f"/api/shipments/{load_id}/pod", headers=world.dispatcher.auth)
    roles = sorted(f["role"] for f in pod.json()["files"])
    assert roles == ["photos", "signature"]


async def test_keyboard_user_signs_with_the_typed_name(open_page: OpenPage, world: World) -> None:
    load_id = world.load["id"]
    await due_now(world.site.http, world.dispatcher, world.load)  # on time: no warnings
    await assign(world.site.http, world.dispatcher, load_id, world.driver)
    for status in ("PICKED_UP", "IN_TRANSIT"):
        await move(world.site.http, world.driver, load_id, status)
    page = await driver_page(open_page, world, f"/app/driver/loads/{load_id}")
    await page.get_by_role("button", name="Confirm delivery").click()  # nothing yet
    await expect(page.locator("#pod-error")).to_contain_text("Received by")
    await page.get_by_label("Received by").fill("Kim Keyboard")
    await page.get_by_role("button", name="Sign with the typed name").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#signature-pad")).to_have_attribute("data-signed", "true")
    await page.get_by_role("button", name="Confirm delivery").press("Enter")
    await expect(page.get_by_role("img", name="Signature of Kim Keyboard")).to_be_visible()


@pytest.fixture
def gps_phone(open_page: OpenPage) -> Callable[[], Awaitable[Page]]:
    """A phone tab that may read its (simulated) position."""
    return lambda: open_page(phone=True, geolocation=DALLAS, permissions=["geolocation"])


async def test_sharing_location_sends_positions_until_turned_off(
    gps_phone: Callable[[], Awaitable[Page]], world: World
) -> None:
    load_id = world.load["id"]
    await assign(world.site.http, world.dispatcher, load_id, world.driver)
    await move(world.site.http, world.driver, load_id, "PICKED_UP")
    page = await gps_phone()
    await sign_in(page, world.url, DRIVER)
    await page.goto(f"{world.url}/app/driver/loads/{load_id}")
    toggle = page.get_by_role("button", name="Share my location")
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.click()
    stop = page.get_by_role("button", name="Stop sharing my location")
    await expect(stop).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#share-location-status")).to_contain_text("Last sent")
    track = await world.site.http.get(
        f"/api/shipments/{load_id}/positions", headers=world.dispatcher.auth
    )
    assert [(p["lat"], p["lng"]) for p in track.json()["items"]] == [(32.7767, -96.797)]
    # remembered across pages, and off when switched off; the page says where dispatch
    # last saw the driver in words
    await page.goto(f"{world.url}/app/driver")
    await expect(page.get_by_test_id("last-seen")).to_have_text(
        re.compile(r"^Dispatch last saw you in Dallas, TX · (just now|\d min ago)\.$")
    )
    await expect(stop).to_have_attribute("aria-pressed", "true")
    await stop.click()
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await expect(page.locator("#share-location-status")).to_have_text("Location sharing is off.")


# The phone loses its fix once (a tunnel): the first watch reports a timeout, then the
# browser's own (simulated) position comes through as it would when signal returns.
FLAKY_GPS = """
(() => {
  const real = navigator.geolocation.watchPosition.bind(navigator.geolocation);
  let failed = false;
  navigator.geolocation.watchPosition = (ok, fail, options) => {
    if (!failed) {
      failed = true;
      const timeout = { code: 3, TIMEOUT: 3, PERMISSION_DENIED: 1, message: "Timeout expired" };
      setTimeout(() => fail(timeout), 50);
      setTimeout(() => real(ok, fail, options), 1500);
      return 999;
    }
    return real(ok, fail, options);
  };
})();
"""


async def test_a_lost_gps_fix_keeps_sharing_and_counts_what_the_server_kept(
    open_page: OpenPage, world: World
) -> None:
    load_id = world.load["id"]
    await assign(world.site.http, world.dispatcher, load_id, world.driver)
    page = await open_page(phone=True, geolocation=DALLAS, permissions=["geolocation"])
    await page.add_init_script(FLAKY_GPS)
    await sign_in(page, world.url, DRIVER)
    await page.goto(f"{world.url}/app/driver/loads/{load_id}")
    await page.get_by_role("button", name="Share my location").click()
    status = page.locator("#share-location-status")
    await expect(status).to_contain_text("Still sharing: no GPS fix in time")
    stop = page.get_by_role("button", name="Stop sharing my location")
    await expect(stop).to_have_attribute("aria-pressed", "true")  # not switched off
    await expect(status).to_contain_text("1 positions received by dispatch")
    assert await page.evaluate("document.body.dataset.positionsSent") == "1"


async def test_a_refused_location_permission_switches_sharing_off_and_says_why(
    open_page: OpenPage, world: World
) -> None:
    page = await open_page(phone=True)  # the site was never allowed the location
    await sign_in(page, world.url, DRIVER)
    await page.goto(f"{world.url}/app/driver")
    await page.get_by_role("button", name="Share my location").click()
    status = page.locator("#share-location-status")
    await expect(status).to_contain_text("not allowed to use your location")
    await expect(page.get_by_role("button", name="Share my location")).to_have_attribute(
        "aria-pressed", "false"
    )


async def test_a_driver_cannot_open_another_drivers_load(open_page: OpenPage, world: World) -> None:
    other = await add_driver(world.site.http, world.admin, "olga@acme.example", city="Dallas")
    theirs = await book_load(world.site.http, world.dispatcher, world.customer_id)
    await assign(world.site.http, world.dispatcher, theirs["id"], other)
    page = await driver_page(open_page, world)
    await expect(page.locator(f'[data-shipment-id="{theirs["id"]}"]')).to_have_count(0)
    resp = await page.goto(f"{world.url}/app/driver/loads/{theirs['id']}")
    assert resp is not None and resp.status == 404
    async with signed_in(world.url, DRIVER) as http:
        form = await http.get("/app/driver")
        token = form_value(form.text)
        for action in ("status", "pod"):
            posted = await http.post(
                f"/app/driver/loads/{theirs['id']}/{action}",
                data={"csrf_token": token, "status": "PICKED_UP", "recipient_name": "X"},
            )
            assert posted.status_code == 404
    assert (
        await world.site.http.get(f"/api/shipments/{theirs['id']}", headers=world.dispatcher.auth)
    ).json()["status"] == "ASSIGNED"


async def test_other_roles_cannot_use_the_driver_view(world: World) -> None:
    for email in ("dan@acme.example", "buyer@globex.example"):
        async with signed_in(world.url, email) as http:
            assert (await http.get("/app/driver")).status_code == 403
            assert (await http.get(f"/app/driver/loads/{world.load['id']}")).status_code == 403
            page = await http.get("/app/login")
            resp = await http.post(
                "/app/driver/availability",
                data={"csrf_token": form_value(page.text), "status": "off_duty"},
            )
            assert resp.status_code == 403


async def test_driver_forms_need_the_csrf_token_and_valid_input(world: World) -> None:
    load_id = world.load["id"]
    await due_now(world.site.http, world.dispatcher, world.load)  # on time: no warnings
    await assign(world.site.http, world.dispatcher, load_id, world.driver)
    async with signed_in(world.url, DRIVER) as http:
        resp = await http.post(f"/app/driver/loads/{load_id}/status", data={"status": "PICKED_UP"})
        assert resp.status_code == 403
        page = await http.get(f"/app/driver/loads/{load_id}")
        token = form_value(page.text)
        # not a next step the driver may take
        resp = await http.post(
            f"/app/driver/loads/{load_id}/status", data={"csrf_token": token, "status": "DELIVERED"}
        )
        assert resp.status_code in (409, 422)
        assert "Picked up" in resp.text
        resp = await http.post(
            f"/app/driver/loads/{load_id}/status", data={"csrf_token": token, "status": "nonsense"}
        )
        assert resp.status_code == 422
        for status in ("PICKED_UP", "IN_TRANSIT"):
            await move(world.site.http, world.driver, load_id, status)
        # a proof without a name or signature is refused, next to the fields, nothing delivered
        resp = await http.post(
            f"/app/driver/loads/{load_id}/pod",
            data={"csrf_token": token, "recipient_name": ""},
            files={"photos": ("a.txt", b"not an image", "text/plain")},
        )
        assert resp.status_code == 422
        assert "recipient" in resp.text
        resp = await http.post(
            f"/app/driver/loads/{load_id}/pod",
            data={"csrf_token": token, "recipient_name": "Rita"},
            files={"photos": ("a.txt", b"not an image", "text/plain")},
        )
        assert resp.status_code == 422
        assert "a signature image is required" in resp.text
        assert "not a PNG, JPEG or WebP image" in resp.text
        shipment = await world.site.http.get(
            f"/api/shipments/{load_id}", headers=world.dispatcher.auth
        )
        assert shipment.json()["status"] == "IN_TRANSIT"
        # the no-JavaScript proof: a photo of the signed note as the signature
        resp = await http.post(
            f"/app/driver/loads/{load_id}/pod",
            data={"csrf_token": token, "recipient_name": "Rita"},
            files={"signature": ("sig.png", tiny_png(), "image/png")},
        )
        assert resp.status_code == 303
        shipment = await world.site.http.get(
            f"/api/shipments/{load_id}", headers=world.dispatcher.auth
        )
        assert shipment.json()["status"] == "DELIVERED"
