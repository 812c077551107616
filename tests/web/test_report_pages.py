"""The report pages as the office and a shipper use them: the list, a report with its
chart and the same figures as a table, the filters, the CSV; a shipper sees only their
own service report."""

from __future__ import annotations

import csv
import io
import re

from playwright.async_api import expect

from tests.documents.helpers import deliver, invoice, set_rates
from tests.fleet_helpers import due_now
from tests.helpers import add_customer
from tests.ifta.test_ifta import (
    EAST,
    OK_TX,
    TX_NM,
    add_fixes,
    along,
    truck_with_driver,
    westbound,
)
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def _delivered_and_invoiced(world: World) -> int:
    """The world's load delivered and invoiced; the invoice's subtotal in cents."""
    http = world.site.http
    await set_rates(http, world.admin)
    await due_now(http, world.admin, world.load)  # windows around now: in this period
    await deliver(http, world.admin, world.load["id"], world.driver)
    invoice_id = await invoice(http, world.admin, world.customer_id, world.load["id"])
    bill = (await http.get(f"/api/invoices/{invoice_id}", headers=world.admin.auth)).json()
    subtotal: int = bill["subtotal_cents"]
    return subtotal


async def test_the_office_reads_revenue_with_its_chart_table_and_csv(
    open_page: OpenPage, world: World
) -> None:
    subtotal = await _delivered_and_invoiced(world)
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", name="Revenue")).to_be_visible()
    await check_page(page, "reports-desktop")
    await page.get_by_role("link", name="Revenue").click()
    await expect(page.get_by_test_id("chart")).to_contain_text("Invoiced revenue, by week")
    money = f"${subtotal // 100:,}.{subtotal % 100:02d}"
    table = page.get_by_test_id("report-table").first
    await expect(table).to_contain_text(money)
    await expect(page.get_by_test_id("chart").locator("svg")).to_contain_text(money)
    await check_page(page, "report-revenue-desktop")

    href = await page.get_by_role("link", name="CSV").get_attribute("href")
    assert href is not None
    download = await page.request.get(f"{world.url}{href}")
    assert download.ok
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    assert sum(int(r["revenue_cents"]) for r in rows) == subtotal

    # Another account's filter leaves nothing in the period.
    await add_customer(world.site.http, world.admin, "Initech Parts")
    await page.reload()
    await page.get_by_label("Account").select_option(label="Initech Parts")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("main")).to_contain_text("Nothing in this period.")
    await expect(page.locator("main")).not_to_contain_text(money)

    await page.goto(f"{world.url}/app/reports/revenue?from=2026-12-09&to=2026-12-01")
    await expect(page.get_by_test_id("report-error")).to_contain_text(re.compile("from|to"))


async def test_on_time_on_a_phone_and_the_shipper_sees_only_their_service_report(
    open_page: OpenPage, world: World
) -> None:
    await _delivered_and_invoiced(world)
    phone = await open_page(phone=True)
    await sign_in(phone, world.url, "dan@acme.example")
    await phone.goto(f"{world.url}/app/reports/on-time")
    summary = phone.get_by_test_id("report-table").first
    await expect(summary.locator("tr", has_text="Delivery")).to_contain_text("100.0 %")
    await check_page(phone, "report-on-time-phone")

    shipper = await open_page(phone=True)
    await sign_in(shipper, world.url, "buyer@globex.example")
    await shipper.goto(f"{world.url}/app/reports")
    await expect(shipper.locator("main")).to_contain_text("Service")
    await expect(shipper.locator("main")).not_to_contain_text("Revenue")
    await shipper.get_by_role("link", name="Service").first.click()
    await expect(shipper.get_by_test_id("service-facts")).to_contain_text("Globex Foods")
    await check_page(shipper, "report-service-customer-phone")
    refused = await shipper.goto(f"{world.url}/app/reports/revenue")
    assert refused is not None and refused.status == 403


async def test_the_admin_reads_a_quarter_s_ifta_miles_by_state(
    open_page: OpenPage, world: World
) -> None:
    http = world.site.http
    _, driver_id = await truck_with_driver(http, world.admin, "T-540", "ivan@acme.example")
    track = westbound()  # Oklahoma, the Texas panhandle, New Mexico
    await add_fixes(world.site.app, world.admin, driver_id, track)
    page = await open_page()
    await sign_in(page, world.url, "admin@acme.example")
    await page.goto(f"{world.url}/app/reports")
    await page.get_by_role("link", name="IFTA").click()
    await page.get_by_label("Quarter").select_option("2026Q4")
    await page.get_by_role("button", name="Show").click()
    table = page.get_by_test_id("report-table")
    for state, miles in (
        ("OK", along(EAST, OK_TX)),
        ("TX", along(OK_TX, TX_NM)),
        ("NM", along(TX_NM, track[-1][1])),
    ):
        row = table.locator("tbody tr", has_text=f"{state} ")
        shown = float((await row.locator("td").nth(1).inner_text()).replace(",", ""))
        assert abs(shown - miles) <= 0.15, (state, shown, miles)
    await expect(page.get_by_test_id("trucks-table")).to_contain_text("T-540")
    await check_page(page, "report-ifta-desktop")
    href = await page.get_by_role("link", name="PDF").get_attribute("href")
    pdf = await page.request.get(f"{world.url}{href}")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF-")

    dispatcher = await open_page()
    await sign_in(dispatcher, world.url, "dan@acme.example")
    refused = await dispatcher.goto(f"{world.url}/app/reports/ifta")
    assert refused is not None and refused.status == 403
