"""Invoices in the browser: create, issue, download the PDF, pay by card, record a cheque.

Card payments run the real checkout code against the Stripe stand-in server (as the
billing tests do), so the server here is configured with its URL and test keys.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update

from freight.billing.models import Invoice
from freight.settings import Settings
from tests.billing.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, Running, StandIn
from tests.conftest import base_settings
from tests.helpers import add_customer, add_user
from tests.web.billing_world import (
    delivered,
    invoice_now,
    invoiced,
    payments_of,
    pdf_text,
    set_rates,
)
from tests.web.clients import csrf, form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with Running() as server:
        yield server


@pytest.fixture
def web_settings(clean_db: str, tmp_path: Path, stand_in: StandIn) -> Settings:
    return base_settings(
        clean_db,
        tmp_path,
        map_tile_url="",
        ws_idle_timeout_s=120,
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stand_in.url,
        company_name="Acme Haulage LLC",
        idempotency_wait_s=20,
    )


async def download_pdf(page: Page) -> bytes:
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download PDF").click()
    download = await info.value
    assert download.suggested_filename.endswith(".pdf")
    return Path(await download.path()).read_bytes()


async def test_an_admin_invoices_delivered_loads_downloads_the_pdf_and_records_a_wire(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    load = await delivered(world)
    page = await open_page()
    await sign_in(page, world.url, "admin@acme.example")

    await page.goto(f"{world.url}/app/invoices/new")
    await page.get_by_label("Account", exact=True).select_option(label="Globex Foods")
    await page.get_by_role("button", name="Show delivered shipments").click()
    await expect(page.get_by_label(load["reference"])).to_be_checked()
    await check_page(page, "invoice-new-desktop")
    await page.get_by_role("button", name="Create draft invoice").click()
    await expect(page.get_by_text("Draft invoice created.")).to_be_visible()
    await expect(page.get_by_test_id("invoice-status")).to_contain_text("Draft")
    number = (await page.get_by_test_id("invoice-number").inner_text()).strip()
    invoice_id = page.url.split("/app/invoices/")[1].split("?")[0]

    await page.get_by_role("button", name="Issue invoice").click()
    await expect(page.get_by_test_id("invoice-status")).to_contain_text("Issued")
    await check_page(page, "invoice-desktop")

    text = pdf_text(await download_pdf(page))
    assert number in text and load["reference"] in text

    total = (await invoice_now(world, invoice_id))["total_cents"]
    await page.get_by_label("Method").select_option("wire")
    await expect(page.get_by_label("Amount (USD)")).to_have_value(f"{total / 100:.2f}")
    await page.get_by_label("Reference").fill("WIRE-2026-0778")
    await page.get_by_role("button", name="Record payment").click()
    await expect(page.get_by_text("Payment recorded.")).to_be_visible()
    await expect(page.get_by_test_id("invoice-status")).to_contain_text("Paid")
    await expect(page.locator("#payments")).to_contain_text("WIRE-2026-0778")

    after = await invoice_now(world, invoice_id)
    assert after["status"] == "paid" and after["balance_cents"] == 0
    [payment] = await payments_of(world, invoice_id)
    assert (payment["method"], payment["reference"]) == ("wire", "WIRE-2026-0778")

    await page.goto(f"{world.url}/app/invoices?status=paid")
    await expect(page.locator(f'tr[data-invoice-id="{invoice_id}"]')).to_contain_text(number)
    await page.goto(f"{world.url}/app/invoices?status=overdue")
    await expect(page.locator(f'tr[data-invoice-id="{invoice_id}"]')).to_have_count(0)
    await page.goto(f"{world.url}/app/invoices")
    await check_page(page, "invoices-desktop")


async def test_a_customer_pays_by_card_on_a_phone_and_a_decline_charges_nothing(
    world: World, open_page: OpenPage, stand_in: StandIn
) -> None:
    await set_rates(world)
    inv = await invoiced(world, [(await delivered(world))["id"]])
    page = await open_page(phone=True)
    await sign_in(page, world.url, "buyer@globex.example")
    await page.goto(f"{world.url}/app/invoices")
    await check_page(page, "invoices-phone")
    await page.get_by_role("link", name=inv["number"]).click()
    await check_page(page, "invoice-phone")
    assert inv["number"] in pdf_text(await download_pdf(page))

    await page.get_by_label("Card payment method").fill("pm_card_chargeDeclined")
    await page.get_by_role("button", name="Pay now").click()
    await expect(page.get_by_text("payment was declined")).to_be_visible()
    await expect(page.get_by_test_id("invoice-status")).to_contain_text("Issued")
    assert (await invoice_now(world, inv["id"]))["paid_cents"] == 0

    await page.get_by_label("Card payment method").fill("pm_card_visa")
    await page.get_by_role("button", name="Pay now").click()
    await expect(page.get_by_text("your card payment went through")).to_be_visible()
    await expect(page.get_by_test_id("invoice-status")).to_contain_text("Paid")
    await expect(page.locator("#payments")).to_contain_text("Visa ending 4242")
    assert await page.get_by_role("button", name="Pay now").count() == 0
    after = await invoice_now(world, inv["id"])
    assert after["status"] == "paid" and after["paid_cents"] == inv["total_cents"]
    intents = [form for path, form in stand_in.calls if path == "/v1/payment_intents"]
    assert [f["payment_method"] for f in intents] == ["pm_card_chargeDeclined", "pm_card_visa"]


async def test_a_double_submitted_payment_form_records_one_payment(
    world: World, stand_in: StandIn
) -> None:
    await set_rates(world)
    inv = await invoiced(world, [(await delivered(world))["id"]])
    async with signed_in(world.url, "admin@acme.example") as admin:
        page = (await admin.get(f"/app/invoices/{inv['id']}")).text
        form = {
            "csrf_token": csrf(admin),
            "offline_key": form_value(page, "offline_key"),
            "method": "check",
            "offline_amount": "100.00",
            "reference": "CHQ 1001",
        }
        url = f"/app/invoices/{inv['id']}/payments"
        first, second = await asyncio.gather(admin.post(url, data=form), admin.post(url, data=form))
        assert (first.status_code, second.status_code) == (303, 303)
    [payment] = await payments_of(world, inv["id"])
    assert payment["amount_cents"] == 10_000
    assert (await invoice_now(world, inv["id"]))["paid_cents"] == 10_000

    async with signed_in(world.url, "buyer@globex.example") as buyer:
        page = (await buyer.get(f"/app/invoices/{inv['id']}")).text
        form = {
            "csrf_token": csrf(buyer),
            "idempotency_key": form_value(page, "idempotency_key"),
            "amount": "50.00",
            "payment_method": "pm_card_visa",
        }
        url = f"/app/invoices/{inv['id']}/pay"
        replies = await asyncio.gather(*(buyer.post(url, data=form) for _ in range(2)))
        assert [r.status_code for r in replies] == [303, 303]
    assert len([c for c in stand_in.calls if c[0] == "/v1/payment_intents"]) == 1
    assert (await invoice_now(world, inv["id"]))["paid_cents"] == 15_000


async def test_bad_payment_input_shows_the_field_error_and_records_nothing(
    world: World, open_page: OpenPage
) -> None:
    await set_rates(world)
    inv = await invoiced(world, [(await delivered(world))["id"]])
    page = await open_page()
    await sign_in(page, world.url, "admin@acme.example")
    await page.goto(f"{world.url}/app/invoices/{inv['id']}")
    amount = page.get_by_label("Amount (USD)")
    await amount.fill(f"{inv['total_cents'] / 100 + 1:.2f}")
    await page.get_by_label("Reference").fill("CHQ 7")
    await page.get_by_role("button", name="Record payment").click()
    balance = f"${inv['total_cents'] / 100:,.2f}"
    await expect(page.locator("#offline_amount-error")).to_have_text(
        f"That is more than the open balance of {balance}."
    )
    await expect(page.get_by_label("Reference")).to_have_value("CHQ 7")
    await expect(amount).to_have_attribute("aria-invalid", "true")
    await amount.fill("12.345")
    await page.get_by_role("button", name="Record payment").click()
    await expect(page.locator("#offline_amount-error")).to_contain_text("two decimals")
    await check_page(page, "invoice-error-desktop")
    assert await payments_of(world, inv["id"]) == []

    async with signed_in(world.url, "admin@acme.example") as admin:
        no_reason = await admin.post(
            f"/app/invoices/{inv['id']}/void", data={"csrf_token": csrf(admin), "reason": ""}
        )
        assert no_reason.status_code == 422 and "Say why the invoice is void" in no_reason.text
        none_ticked = await admin.post(
            "/app/invoices/new",
            data={"csrf_token": csrf(admin), "customer_id": world.customer_id},
        )
        assert none_ticked.status_code == 422 and "Tick at least one shipment" in none_ticked.text
    assert (await invoice_now(world, inv["id"]))["status"] == "issued"


async def test_who_may_see_and_change_which_invoice(world: World) -> None:
    await set_rates(world)
    http = world.site.http
    ours = await invoiced(world, [(await delivered(world))["id"]])
    draft = await invoiced(world, [(await delivered(world))["id"]], issue=False)
    other_account = await add_customer(http, world.admin, "Initech Parts")
    await add_user(http, world.admin, "customer", "ap@initech.example", other_account)
    theirs = await invoiced(
        world, [(await delivered(world, other_account))["id"]], customer_id=other_account
    )

    async with world.site.ctx.engine.begin() as conn:  # ours fell due yesterday
        await conn.execute(
            update(Invoice)
            .where(Invoice.id == uuid.UUID(ours["id"]))
            .values(due_at=datetime.now(UTC) - timedelta(days=1))
        )

    async with signed_in(world.url, "buyer@globex.example") as buyer:
        listing = await buyer.get("/app/invoices")
        assert ours["number"] in listing.text
        assert theirs["number"] not in listing.text and draft["number"] not in listing.text
        overdue = await buyer.get("/app/invoices?status=overdue")
        assert ours["number"] in overdue.text and "Overdue" in overdue.text
        for invoice in (theirs, draft):
            assert (await buyer.get(f"/app/invoices/{invoice['id']}")).status_code == 404
            assert (await buyer.get(f"/app/invoices/{invoice['id']}/pdf")).status_code == 404
        pdf = await buyer.get(f"/app/invoices/{ours['id']}/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert f'filename="{ours["number"]}.pdf"' in pdf.headers["content-disposition"]
        token = csrf(buyer)
        for action in ("issue", "void", "payments"):
            resp = await buyer.post(
                f"/app/invoices/{ours['id']}/{action}", data={"csrf_token": token}
            )
            assert resp.status_code == 403
        assert (await buyer.get("/app/invoices/new")).status_code == 403
        no_csrf = await buyer.post(
            f"/app/invoices/{ours['id']}/pay",
            data={"amount": "1.00", "payment_method": "pm_card_visa", "idempotency_key": "k-1"},
        )
        assert no_csrf.status_code == 403

    async with signed_in(world.url, "dan@acme.example") as dispatcher:
        page = await dispatcher.get(f"/app/invoices/{ours['id']}")
        assert page.status_code == 200 and "Record payment" not in page.text
        assert "Pay now" not in page.text
        assert (
            await dispatcher.get(f"/app/invoices?customer_id={other_account}")
        ).status_code == 200
        issue = await dispatcher.post(
            f"/app/invoices/{draft['id']}/issue", data={"csrf_token": csrf(dispatcher)}
        )
        assert issue.status_code == 403

    async with signed_in(world.url, "admin@acme.example") as admin:
        no_csrf = await admin.post(f"/app/invoices/{draft['id']}/issue")
        assert no_csrf.status_code == 403
    assert (await invoice_now(world, draft["id"]))["status"] == "draft"
    assert await payments_of(world, ours["id"]) == []

    async with signed_in(world.url, "drew@acme.example") as driver:
        assert (await driver.get("/app/invoices")).status_code == 403
