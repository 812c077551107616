"""Load offers as the people using them see them: the dispatcher offers from the board's
picker (one driver, or the best in turn) and sees the badge; the driver reads the offer
on the phone and accepts or declines; a refusal is said in words."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.fleet_helpers import add_driver, book_load
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def _board(open_page: OpenPage, world: World) -> Page:
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.goto(f"{world.url}/app/dispatch")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    return page


async def _phone(open_page: OpenPage, world: World, email: str = "drew@acme.example") -> Page:
    page = await open_page(phone=True)
    await sign_in(page, world.url, email)
    await page.goto(f"{world.url}/app/driver")
    return page


async def _offer_from_the_picker(page: Page, reference: str, choice: str) -> None:
    picker = page.get_by_label(f"Driver for {reference}")
    option = picker.locator("option", has_text=re.compile(choice))
    await picker.select_option(await option.get_attribute("value"))
    row = page.locator("#pending-loads > tr", has=picker)
    await row.get_by_role("button", name="Offer").click()


async def test_the_dispatcher_offers_a_load_and_the_driver_accepts_it_on_the_phone(
    open_page: OpenPage, world: World
) -> None:
    reference = world.load["reference"]
    board = await _board(open_page, world)
    await _offer_from_the_picker(board, reference, "^Driver drew")
    await expect(board.locator(".notice")).to_have_text(f"{reference} is offered to Driver drew.")
    row = board.locator(f'#pending-loads > tr[data-shipment-id="{world.load["id"]}"]')
    await expect(row.get_by_test_id("on-offer")).to_contain_text("Offered")
    await check_page(board, "board-offered-desktop")

    phone = await _phone(open_page, world)
    offer = phone.locator("#offers [data-offer-id]")
    await expect(offer).to_have_count(1)
    await expect(offer.get_by_role("heading")).to_have_text("Chicago, IL → Dallas, TX")
    await expect(offer).to_contain_text(re.compile(r"Loaded[\d,]+ mi"))
    await expect(offer.locator(".deadline")).to_contain_text(re.compile(r"\((1[45]) min left\)"))
    await check_page(phone, "driver-offer-phone")
    await offer.get_by_role("button", name=f"Accept {reference}").click()
    await phone.wait_for_url(f"**/app/driver/loads/{world.load['id']}")
    await expect(phone.locator("main")).to_contain_text("Assigned")
    # the board hears it live: the load left the pending list
    await expect(row).to_have_count(0, timeout=10_000)


async def test_a_waterfall_the_driver_declines_and_a_withdrawn_offer_said_in_words(
    open_page: OpenPage, world: World
) -> None:
    reference = world.load["reference"]
    board = await _board(open_page, world)
    await _offer_from_the_picker(board, reference, "best drivers in turn")
    await expect(board.locator(".notice")).to_contain_text(f"{reference} is offered to")
    phone = await _phone(open_page, world)
    offer = phone.locator("#offers [data-offer-id]")
    await offer.get_by_text("Decline", exact=True).click()
    await offer.get_by_label("Why not?").select_option("Home time")
    await offer.get_by_label("Anything dispatch should know").fill("back Monday")
    await offer.get_by_role("button", name=f"Decline {reference}").click()
    await expect(phone.locator("#offers")).to_contain_text("No loads offered to you right now.")
    # the only driver said no: the load is back with the dispatcher, without a badge
    await board.reload()
    row = board.locator(f'#pending-loads > tr[data-shipment-id="{world.load["id"]}"]')
    await expect(row.get_by_test_id("on-offer")).to_have_count(0)
    await board.goto(f"{world.url}/app/shipments/{world.load['id']}")
    await expect(board.locator("main")).to_contain_text(
        "Offer declined (waterfall, driver 1): Home time: back Monday"
    )

    # offered again, then withdrawn while the driver looks at it
    await board.goto(f"{world.url}/app/dispatch")
    await _offer_from_the_picker(board, reference, "^Driver drew")
    await phone.reload()
    await expect(phone.locator("#offers [data-offer-id]")).to_have_count(1)
    await row.get_by_role("button", name=f"Withdraw the offer of {reference}").click()
    await expect(row.get_by_test_id("on-offer")).to_have_count(0)
    await phone.locator("#offers").get_by_role("button", name=f"Accept {reference}").click()
    await expect(phone.get_by_role("alert")).to_have_text("the dispatcher withdrew this offer")
    await check_page(phone, "driver-offer-withdrawn-phone")


async def test_a_new_offer_appears_when_the_driver_comes_back_to_the_app(
    open_page: OpenPage, world: World
) -> None:
    phone = await _phone(open_page, world)
    await expect(phone.locator("#offers")).to_contain_text("No loads offered to you right now.")
    http = world.site.http
    other = await book_load(http, world.admin, world.customer_id, destination="Atlanta")
    resp = await http.post(
        f"/api/shipments/{other['id']}/offers",
        headers=world.dispatcher.auth,
        json={"driver_id": world.driver.id},
    )
    assert resp.status_code == 201, resp.text
    await phone.evaluate("window.dispatchEvent(new Event('focus'))")
    await expect(phone.locator("#offers [data-offer-id]")).to_contain_text(
        "Chicago, IL → Atlanta, GA"
    )
    await expect(phone.locator("#live-status")).to_have_text("A new load was offered to you.")


async def test_an_offer_to_a_driver_who_cannot_take_it_is_refused_on_the_row(
    open_page: OpenPage, world: World
) -> None:
    await add_driver(world.site.http, world.admin, "flo@acme.example", equipment_types=["flatbed"])
    reference = world.load["reference"]
    board = await _board(open_page, world)
    await _offer_from_the_picker(board, reference, "^Driver flo")
    row = board.locator(f'#pending-loads > tr[data-shipment-id="{world.load["id"]}"]')
    await expect(row.get_by_role("alert")).to_have_text(
        "Cannot offer: driver is not qualified for dry_van."
    )
    await expect(row.get_by_test_id("on-offer")).to_have_count(0)
