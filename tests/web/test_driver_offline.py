"""The driver's phone without signal: the app shell opens from the service worker's cache,
every action waits in the outbox (IndexedDB) and lands exactly once when signal returns,
and a change dispatch made meanwhile is reported to the driver in words."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from tests.fleet_helpers import assign, due_now, move
from tests.web.conftest import DESKTOP, PHONE, OpenPage, World, check_page, sign_in
from tests.web.test_driver import DRIVER, draw_signature, png_file

DALLAS = {"latitude": 32.7767, "longitude": -96.797}
PHONE_BEHIND = timedelta(hours=2)  # the phone's clock: the timeline shows both times


async def offline_ready(page: Page, world: World, path: str) -> None:
    """Open ``path`` online once: the service worker installs and saves the pages."""
    await sign_in(page, world.url, DRIVER)
    await page.goto(f"{world.url}{path}")
    await expect(page.locator("body")).to_have_attribute("data-offline-ready", "true")
    # Chromium does not always hand a page loaded before its worker activated over to it
    # (clients.claim); the next load of the page is controlled, as a driver's next visit is.
    # (Polled with evaluate: wait_for_function evals its expression, which the CSP refuses.)
    await page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not await page.evaluate("navigator.serviceWorker.controller !== null"):
        await page.reload()
        await expect(page.locator("body")).to_have_attribute("data-offline-ready", "true")
    for _ in range(100):
        if await page.evaluate("navigator.serviceWorker.controller !== null"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the service worker never took control of the page")


async def events_of(world: World, load_id: str) -> list[dict[str, Any]]:
    resp = await world.site.http.get(
        f"/api/shipments/{load_id}/events?limit=200", headers=world.dispatcher.auth
    )
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_a_load_run_offline_lands_once_in_order_with_the_phones_times(
    open_page: OpenPage, world: World, tmp_path: Path
) -> None:
    http, load_id = world.site.http, world.load["id"]
    await due_now(http, world.dispatcher, world.load)
    await assign(http, world.dispatcher, load_id, world.driver)
    page = await open_page(phone=True, geolocation=DALLAS, permissions=["geolocation"])
    await page.clock.install(time=datetime.now(UTC) - PHONE_BEHIND)
    path = f"/app/driver/loads/{load_id}"
    await offline_ready(page, world, path)
    await page.get_by_role("button", name="Share my location").click()
    share = page.locator("#share-location-status")
    await expect(share).to_contain_text("1 positions received by dispatch")

    await page.context.set_offline(True)
    # Truly offline: a driver page never saved falls back to the saved loads page.
    never_saved = await page.goto(f"{world.url}/app/driver/loads/{uuid.uuid4()}")
    assert never_saved is not None and never_saved.from_service_worker
    await expect(page.get_by_role("heading", name="My loads")).to_be_visible()
    await page.goto(f"{world.url}{path}")  # from the service worker's cache
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Assigned")
    status = page.get_by_test_id("shipment-status")
    await page.get_by_role("button", name="Picked up").click()
    await expect(status).to_have_text("Picked up (waiting to send)")
    box = page.get_by_test_id("outbox")
    await expect(box).not_to_have_attribute("data-waiting-fixes", "0")  # sharing went on again
    kept = int(await box.get_attribute("data-waiting-fixes") or 0)  # the phone's cached fix
    for step in range(1, 4):  # driving on without signal: fixes a few metres apart
        await page.wait_for_timeout(1100)
        await page.context.set_geolocation(
            {"latitude": DALLAS["latitude"] + step * 1e-4, "longitude": DALLAS["longitude"]}
        )
        await expect(box).to_have_attribute("data-waiting-fixes", str(kept + step))
    await expect(share).to_contain_text(f"{kept + 3} positions kept on this phone")
    await page.get_by_role("button", name="In transit").click()
    await expect(status).to_have_text("In transit (waiting to send)")
    await page.get_by_label("Received by").fill("Rita Receiver")
    await draw_signature(page)
    await page.get_by_label("Photos", exact=True).set_input_files(png_file(tmp_path))
    await page.get_by_role("button", name="Confirm delivery").click()
    await expect(status).to_have_text("Delivered (waiting to send)")
    await page.get_by_label("Message").fill("Delivered, no signal at the dock")
    await page.get_by_role("button", name="Send").click()
    outbox = page.locator("#outbox-status")
    await expect(outbox).to_contain_text(f"4 changes and {kept + 3} locations waiting to send")
    await check_page(page, "driver-offline-waiting-phone")
    await page.set_viewport_size(DESKTOP)
    await check_page(page, "driver-offline-waiting-desktop")
    await page.set_viewport_size(PHONE)

    started = time.perf_counter()
    await page.context.set_offline(False)
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Delivered")
    await expect(page.locator("#outbox-status")).to_contain_text("Everything is sent")
    print(
        f"\noutbox drained 4 changes and {kept + 3} fixes in {time.perf_counter() - started:.2f} s"
    )
    await expect(page.locator("#messages")).to_contain_text("no signal at the dock")

    events = await events_of(world, load_id)
    moves = [e for e in events if e["data"].get("to") in ("PICKED_UP", "IN_TRANSIT", "DELIVERED")]
    assert [(e["data"]["from"], e["data"]["to"]) for e in moves] == [
        ("ASSIGNED", "PICKED_UP"),
        ("PICKED_UP", "IN_TRANSIT"),
        ("IN_TRANSIT", "DELIVERED"),
    ]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    for e in moves:  # the phone's time, two hours behind the server's
        device, server = (datetime.fromisoformat(e[k]) for k in ("device_time", "occurred_at"))
        assert timedelta(hours=1.9) < server - device < timedelta(hours=2.1)
    device_times = [e["device_time"] for e in moves]
    assert device_times == sorted(device_times)
    messages = await http.get(f"/api/shipments/{load_id}/messages", headers=world.dispatcher.auth)
    bodies = [m["body"] for m in messages.json()["items"]]
    assert bodies == ["Delivered, no signal at the dock"]
    pod = await http.get(f"/api/shipments/{load_id}/pod", headers=world.dispatcher.auth)
    assert sorted(f["role"] for f in pod.json()["files"]) == ["photos", "signature"]
    track = await http.get(f"/api/shipments/{load_id}/positions", headers=world.dispatcher.auth)
    # one sent online and the three new ones (the phone's cached fix again is a duplicate)
    assert len(track.json()["items"]) == 4

    customer = await open_page(phone=True)
    await sign_in(customer, world.url, "buyer@globex.example")
    await customer.goto(f"{world.url}/app/shipments/{load_id}")
    timeline = customer.locator("#timeline")
    await expect(timeline).to_contain_text("Delivered")
    await expect(timeline.locator(".received").first).to_contain_text("on the phone; received")
    await check_page(customer, "customer-timeline-phone-times")


async def test_a_step_queued_while_dispatch_unassigns_is_kept_and_explained(
    open_page: OpenPage, world: World
) -> None:
    http, load_id = world.site.http, world.load["id"]
    await due_now(http, world.dispatcher, world.load)
    await assign(http, world.dispatcher, load_id, world.driver)
    page = await open_page(phone=True)
    await offline_ready(page, world, f"/app/driver/loads/{load_id}")
    await page.context.set_offline(True)
    await page.get_by_role("button", name="Picked up").click()
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Picked up (waiting to send)")
    await expect(page.locator("#outbox-status")).to_contain_text("1 change waiting to send")
    resp = await http.post(f"/api/shipments/{load_id}/unassign", headers=world.dispatcher.auth)
    assert resp.status_code == 200, resp.text

    await page.context.set_offline(False)
    kept = page.locator("#outbox-kept li")
    await expect(kept).to_contain_text("Kept: Picked up")
    await expect(kept).to_contain_text("no longer yours: dispatch reassigned, unassigned")
    await expect(page.get_by_test_id("shipment-status")).to_contain_text("was not accepted")
    await check_page(page, "driver-offline-refused-phone")
    await page.goto(f"{world.url}/app/driver")  # kept for review, never dropped silently
    await expect(page.locator("#outbox-kept li")).to_contain_text("Kept: Picked up")
    await page.get_by_role("button", name="Discard Picked up").click()
    await expect(page.locator("#outbox-kept li")).to_have_count(0)
    events = await events_of(world, load_id)
    assert not [e for e in events if e["data"].get("to") == "PICKED_UP"]


# 500 fixes from a two-hour dead spot, ten seconds and ~110 m apart (40 km/h).
BUFFER_500 = """async () => {
  const outbox = await import("/static/app/js/outbox.js");
  const start = Date.now() - 2 * 3600 * 1000;
  for (let i = 0; i < 500; i++) {
    const recorded_at = new Date(start + i * 10000).toISOString();
    await outbox.addFix({ lat: 41.8 + i * 0.001, lng: -87.63, recorded_at });
  }
}"""


async def test_the_outbox_drains_500_fixes_and_a_proof(
    open_page: OpenPage, world: World, tmp_path: Path
) -> None:
    """Not a budget check: prints how long the drain takes (see the README)."""
    http, load_id = world.site.http, world.load["id"]
    await due_now(http, world.dispatcher, world.load)
    await assign(http, world.dispatcher, load_id, world.driver)
    for status in ("PICKED_UP", "IN_TRANSIT"):
        await move(http, world.driver, load_id, status)
    page = await open_page(phone=True)
    await offline_ready(page, world, f"/app/driver/loads/{load_id}")
    await page.context.set_offline(True)
    await page.evaluate(BUFFER_500)
    await page.get_by_label("Received by").fill("Rita Receiver")
    await draw_signature(page)
    await page.get_by_label("Photos", exact=True).set_input_files(png_file(tmp_path))
    await page.get_by_role("button", name="Confirm delivery").click()
    outbox = page.locator("#outbox-status")
    await expect(outbox).to_contain_text("1 change and 500 locations waiting to send")
    started = time.perf_counter()
    await page.context.set_offline(False)
    await expect(page.get_by_test_id("shipment-status")).to_have_text("Delivered")
    await expect(outbox).to_contain_text("Everything is sent")
    took = time.perf_counter() - started
    print(f"\noutbox drained 500 fixes and a proof of delivery in {took:.2f} s")
    track = await http.get(f"/api/shipments/{load_id}/positions", headers=world.dispatcher.auth)
    assert track.json()["next_cursor"]  # more than one page: all 500 landed
