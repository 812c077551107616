"""An issued invoice is mailed with its PDF, a payment is acknowledged, a delivery mail
sums up the proof; with no SMTP host the mails are kept for the admins' Outbox."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from pypdf import PdfReader

from tests.billing.conftest import RATES, Org, deliver, invoice, pay
from tests.fleet_helpers import add_driver
from tests.helpers import Session, add_customer, add_user, register, running_client
from tests.mail.conftest import Inbox, mail_settings, text_of
from tests.webhooks.conftest import eventually


async def make_org(http: AsyncClient, admin: Session) -> Org:
    resp = await http.put("/api/billing/rates", headers=admin.auth, json=RATES)
    assert resp.status_code == 200, resp.text
    dispatcher = await add_user(http, admin, "dispatcher", "dispatch@acme.example")
    account_a = await add_customer(http, admin, "Globex Foods")
    account_b = await add_customer(http, admin, "Initech Parts")
    customer_a = await add_user(http, admin, "customer", "buyer@globex.example", account_a)
    customer_b = await add_user(http, admin, "customer", "buyer@initech.example", account_b)
    driver = await add_driver(http, admin, "dee@acme.example")
    outsider = await register(http, "Other Co", "admin@other.example")
    return Org(admin, dispatcher, account_a, account_b, customer_a, customer_b, driver, outsider)


async def test_invoice_mail_carries_its_pdf_and_payment_is_acknowledged(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    org = await make_org(mailing, acme)
    shipment = await deliver(mailing, org, org.account_a)
    issued = await invoice(mailing, org, org.account_a, [shipment["id"]])
    mails = await inbox.wait_for("ap@globex.example")
    [bill] = [m for m in mails if m["Subject"].startswith(f"Invoice {issued['number']}")]
    [attachment] = list(bill.iter_attachments())
    assert attachment.get_filename() == f"{issued['number']}.pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    assert issued["number"] in pdf.pages[0].extract_text()
    resp = await pay(mailing, acme, issued["id"], 10_000)
    assert resp.status_code == 201, resp.text
    thanks = await inbox.wait_for("ap@globex.example", count=2)
    [paid] = [m for m in thanks if m["Subject"].startswith("Payment received")]
    assert "$100.00" in text_of(paid)


async def test_delivery_mail_sums_up_the_proof(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    org = await make_org(mailing, acme)
    shipment = await deliver(mailing, org, org.account_a)  # booked by the dispatcher
    mails = await inbox.wait_for("dispatch@acme.example", count=4)
    [done] = [m for m in mails if "delivered in Dallas" in m["Subject"]]
    text = text_of(done)
    assert "Received by: Rita Receiver" in text and "Signature: yes" in text
    assert f"/app/shipments/{shipment['id']}" in text
    # The customer users of the account are not the booker: they are not mailed.
    assert inbox.to("buyer@globex.example") == []


@pytest.fixture
async def keeping(clean_db: str, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    """A Freight with no SMTP host: the embedded default."""
    async with running_client(mail_settings(clean_db, tmp_path, None)) as http:
        yield http


async def test_without_smtp_mails_are_kept_for_admins_only(keeping: AsyncClient) -> None:
    admin = await register(keeping, "Acme Haulage", "admin@acme.example")
    dispatcher = await add_user(keeping, admin, "dispatcher", "dispatch@acme.example")
    other = await register(keeping, "Other Co", "admin@other.example")
    await keeping.post("/api/auth/password-reset", json={"email": "dispatch@acme.example"})

    async def kept() -> list[dict[str, object]]:
        resp = await keeping.get("/api/mail/messages", headers=admin.auth)
        items: list[dict[str, object]] = resp.json()["items"]
        return items

    [row] = await eventually(kept)
    assert row["status"] == "kept" and row["to_address"] == "dispatch@acme.example"
    assert row["subject"] == "Reset your Freight password"
    assert (await keeping.get("/api/mail/messages", headers=dispatcher.auth)).status_code == 403
    theirs = await keeping.get("/api/mail/messages", headers=other.auth)
    assert theirs.json()["items"] == []  # another organisation's mail is not listed
