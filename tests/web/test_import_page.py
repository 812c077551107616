"""The import page: check a CSV file (its bad row shown by row and column, nothing
written), then import it and see the count; at a desktop's and a phone's width."""

from __future__ import annotations

from playwright.async_api import FilePayload, Page, expect

from tests.imports.files import SHIPMENT_HEADER, csv_text, shipment_row
from tests.web.conftest import OpenPage, World, check_page, sign_in


def _loads(customer_id: str) -> bytes:
    rows = [
        shipment_row("WEB-1", customer_id),
        shipment_row("WEB-2", customer_id, weight_kg="a lot"),
        shipment_row("WEB-3", customer_id),
    ]
    return csv_text(SHIPMENT_HEADER, rows).encode()


async def _choose(page: Page, content: bytes) -> None:
    await page.get_by_label("What the file holds").select_option("shipments")
    file = FilePayload(name="loads.csv", mimeType="text/csv", buffer=content)
    await page.get_by_label("CSV file").set_input_files(files=[file])


async def _booked(world: World) -> list[str]:
    resp = await world.site.http.get("/api/shipments", headers=world.admin.auth)
    return [s["reference"] for s in resp.json()["items"]]


async def test_check_a_file_see_its_bad_row_then_import_it(
    open_page: OpenPage, world: World
) -> None:
    before = await _booked(world)
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.get_by_role("link", name="Import").click()
    await expect(page.get_by_role("heading", name="Import from CSV")).to_be_visible()
    await _choose(page, _loads(world.customer_id))
    await page.get_by_role("button", name="Check file").click()

    result = page.locator("#import-result")
    await expect(result).to_contain_text("nothing was written")
    await expect(page.get_by_test_id("rows")).to_have_text("3")
    await expect(page.get_by_test_id("created")).to_have_text("2")
    await expect(page.get_by_test_id("invalid")).to_have_text("1")
    error = page.locator("#import-errors tbody tr")
    await expect(error).to_have_count(1)
    await expect(error).to_contain_text("Row 3")
    await expect(error).to_contain_text("weight_kg")
    await expect(error).to_contain_text("weight kg: not a number")
    assert await _booked(world) == before
    await check_page(page, "import-check-desktop")

    await _choose(page, _loads(world.customer_id))
    await page.get_by_role("button", name="Import").click()
    await expect(result).to_contain_text("Imported")
    await expect(page.get_by_test_id("created")).to_have_text("2")
    await expect(page.get_by_test_id("skipped")).to_have_text("0")
    assert len(await _booked(world)) == len(before) + 2

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(f"{world.url}/app/imports")
    await _choose(phone, _loads(world.customer_id))
    await phone.get_by_role("button", name="Import").click()
    await expect(phone.get_by_test_id("created")).to_have_text("0")
    await expect(phone.get_by_test_id("skipped")).to_have_text("2")  # already imported
    await expect(phone.locator("#import-errors tbody tr")).to_contain_text("weight kg")
    await check_page(phone, "import-again-phone")


async def test_a_file_that_is_not_csv_is_refused_on_the_page(
    open_page: OpenPage, world: World
) -> None:
    page = await open_page()
    await sign_in(page, world.url, "admin@acme.example")
    await page.goto(f"{world.url}/app/imports")
    await page.get_by_label("What the file holds").select_option("vehicles")
    picture = FilePayload(name="truck.png", mimeType="image/png", buffer=b"\x89PNG\r\n\x1a\n")
    await page.get_by_label("CSV file").set_input_files(files=[picture])
    await page.get_by_role("button", name="Check file").click()
    await expect(page.locator("#file-error")).to_contain_text("Not a CSV file")
    await expect(page.get_by_label("CSV file")).to_have_attribute("aria-invalid", "true")
    await check_page(page, "import-refused-desktop")
