"""Documents in the pages: the driver reads an offer's rate confirmation on the phone and
accepts it with the load; the dispatcher sees who accepted it and adds a lumper receipt on
the shipment page; the shipper downloads the bill of lading and the proof-of-delivery
certificate from the portal, and sees none of the carrier's own papers."""

from __future__ import annotations

import re

from playwright.async_api import FilePayload, Page, expect

from tests.documents.helpers import deliver, offer
from tests.fleet_helpers import tiny_png
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def _pdf_at(page: Page, link_name: str | re.Pattern[str]) -> bytes:
    """The file behind a link on the page, fetched with the page's own sign-in."""
    href = await page.get_by_role("link", name=link_name).get_attribute("href")
    assert href is not None
    resp = await page.request.get(re.sub(r"(https?://[^/]+).*", r"\1", page.url) + href)
    assert resp.status == 200, await resp.text()
    body = await resp.body()
    return body


async def test_rate_confirmation_upload_and_the_shipper_s_downloads(
    open_page: OpenPage, world: World
) -> None:
    load, http = world.load, world.site.http
    reference = load["reference"]
    await offer(http, world.dispatcher, load["id"], world.driver)

    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "drew@acme.example")
    await phone.goto(f"{world.url}/app/driver")
    card = phone.locator("#offers [data-offer-id]")
    link = card.get_by_role("link", name=f"Rate confirmation for {reference} (PDF)")
    await expect(link).to_be_visible()
    assert (await _pdf_at(phone, f"Rate confirmation for {reference} (PDF)")).startswith(b"%PDF-")
    await check_page(phone, "driver-offer-rate-confirmation-phone")
    await card.get_by_role("button", name=f"Accept {reference}").click()
    await phone.wait_for_url(f"**/app/driver/loads/{load['id']}")
    papers = phone.get_by_test_id("papers")
    await expect(papers.get_by_test_id("paper-accepted")).to_contain_text("Accepted by you")
    bill = await _pdf_at(phone, "Bill of lading")
    assert bill.startswith(b"%PDF-")  # through the driver's own link
    await deliver(http, world.admin, load["id"], world.driver)

    desk = await open_page()
    await sign_in(desk, world.url, "dan@acme.example")
    await desk.goto(f"{world.url}/app/shipments/{load['id']}")
    box = desk.locator("#documents")
    for kind in ("Bill of lading", "Proof-of-delivery certificate", "Rate confirmation"):
        await expect(box.locator("[data-testid=document]", has_text=kind)).to_have_count(1)
    accepted = box.get_by_test_id("accepted")
    await expect(accepted).to_contain_text(
        re.compile(r"Rate confirmation accepted by Driver drew at .+ \(sha256 [0-9a-f]{12}…\)")
    )
    await box.locator("#document-type").select_option("lumper_receipt")
    await box.locator("#document-file").set_input_files(
        files=FilePayload(name="lumper.png", mimeType="image/png", buffer=tiny_png(60, 40))
    )
    await box.get_by_role("button", name="Add document").click()
    await expect(desk.locator(".notice")).to_have_text("Document added.")
    receipt = box.locator("[data-testid=document]", has_text="Lumper receipt")
    await expect(receipt).to_contain_text("lumper.png")
    assert (await _pdf_at(desk, "lumper.png")).startswith(b"\x89PNG")
    await check_page(desk, "shipment-documents-staff-desktop")
    # a text file named like a PDF is refused, saying why, and nothing is added
    await box.locator("#document-type").select_option("scale_ticket")
    await box.locator("#document-file").set_input_files(
        files=FilePayload(name="ticket.pdf", mimeType="application/pdf", buffer=b"gross 71,240")
    )
    await box.get_by_role("button", name="Add document").click()
    await expect(desk.get_by_role("alert")).to_contain_text("not a PDF, PNG or JPEG file")
    await expect(box.locator("[data-testid=document]", has_text="Scale ticket")).to_have_count(0)
    staff_phone = await open_page(phone=True)
    await sign_in(staff_phone, world.url, "dan@acme.example")
    await staff_phone.goto(f"{world.url}/app/shipments/{load['id']}#documents")
    await expect(staff_phone.locator("#documents")).to_contain_text("lumper.png")
    await check_page(staff_phone, "shipment-documents-staff-phone")

    shipper = await open_page(phone=True)
    await sign_in(shipper, world.url, "buyer@globex.example")
    await shipper.goto(f"{world.url}/app/shipments/{load['id']}")
    theirs = shipper.locator("#documents [data-testid=document]")
    await expect(theirs).to_have_count(2)
    await expect(theirs.nth(0)).to_contain_text("Proof-of-delivery certificate")
    await expect(theirs.nth(1)).to_contain_text("Bill of lading")
    assert (await _pdf_at(shipper, f"{reference}-bill-of-lading.pdf")).startswith(b"%PDF-")
    assert (await _pdf_at(shipper, f"{reference}-proof-of-delivery.pdf")).startswith(b"%PDF-")
    await expect(shipper.locator("#documents")).not_to_contain_text("Rate confirmation")
    await expect(shipper.locator("#documents")).not_to_contain_text("lumper")
    await expect(shipper.locator("#documents form")).to_have_count(0)
    await check_page(shipper, "shipment-documents-shipper-phone")
