"""The invoice packet: the invoice, the bill of lading and the proof-of-delivery
certificate of a delivered, invoiced load in one PDF, every page of each in that order;
made again only when a part changes; for staff and the shipper, not the driver."""

from __future__ import annotations

import io
import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from pypdf import PdfReader
from sqlalchemy import update

from freight.billing.models import Invoice
from tests.documents.helpers import deliver, documents, events, invoice, of_kind, pdf, set_rates
from tests.fleet_helpers import add_driver, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem


async def _pages(client: AsyncClient, who: Session, url: str) -> list[str]:
    resp = await client.get(url, headers=who.auth)
    assert resp.status_code == 200, resp.text
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(resp.content)).pages]


async def test_the_packet_holds_the_invoice_bol_and_certificate_in_order(
    client: AsyncClient, app: FastAPI, admin: Session
) -> None:
    await set_rates(client, admin)
    account = await add_customer(client, admin, "Prairie Foods")
    buyer = await add_user(client, admin, "customer", "buyer@prairie.example", customer_id=account)
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    await deliver(client, admin, load["id"], dee)
    resp = await client.post(
        "/api/invoices",
        headers=admin.auth,
        json={"customer_id": account, "shipment_ids": [load["id"]]},
    )
    assert resp.status_code == 201, resp.text
    draft = resp.json()
    # a draft is not yet billed: no packet
    assert of_kind(await documents(client, admin, load["id"]), "invoice_packet") == []
    issued = await client.post(f"/api/invoices/{draft['id']}/issue", headers=admin.auth)
    assert issued.status_code == 200, issued.text
    found = await documents(client, admin, load["id"])
    (packet,) = of_kind(found, "invoice_packet")
    (bol,) = of_kind(found, "bol")
    (certificate,) = of_kind(found, "pod_certificate")
    parts = [
        await _pages(client, admin, f"/api/invoices/{draft['id']}/pdf"),
        await _pages(client, admin, bol["url"]),
        await _pages(client, admin, certificate["url"]),
    ]
    merged = [p.extract_text() or "" for p in (await pdf(client, admin, packet)).pages]
    assert len(merged) == sum(len(p) for p in parts)
    assert merged == [page for part in parts for page in part]
    assert "INVOICE" in merged[0] and draft["number"] in merged[0]
    assert "BILL OF LADING" in merged[len(parts[0])]
    assert "PROOF OF DELIVERY" in merged[-1]
    # asked again, nothing new; the shipper gets the same packet; the driver none
    assert of_kind(await documents(client, admin, load["id"]), "invoice_packet") == [packet]
    assert of_kind(await documents(client, buyer, load["id"]), "invoice_packet") == [packet]
    assert of_kind(await documents(client, dee, load["id"]), "invoice_packet") == []
    assert_problem(await client.get(packet["url"], headers=dee.auth), 404)
    made = [e for e in await events(client, admin, load["id"]) if e["type"] == "document.generated"]
    assert [e["data"]["kind"] for e in made].count("invoice_packet") == 1
    # a part changes (a payment shows on the invoice): a new packet, the old one kept
    async with app.state.ctx.sessions() as session:
        await session.execute(
            update(Invoice)
            .where(Invoice.id == uuid.UUID(draft["id"]))
            .values(paid_cents=10_000, status="partially_paid")
        )
        await session.commit()
    old, new = of_kind(await documents(client, admin, load["id"]), "invoice_packet")
    assert old == packet and new["sha256"] != packet["sha256"]
    first = (await pdf(client, admin, new)).pages[0].extract_text() or ""
    assert "PARTIALLY PAID" in first


async def test_no_packet_before_the_load_is_delivered(client: AsyncClient, admin: Session) -> None:
    await set_rates(client, admin)
    account = await add_customer(client, admin)
    load = await book_load(client, admin, account)
    assert of_kind(await documents(client, admin, load["id"]), "invoice_packet") == []
    dee = await add_driver(client, admin, "dee@acme.example")
    await deliver(client, admin, load["id"], dee)
    await invoice(client, admin, account, load["id"])
    assert len(of_kind(await documents(client, admin, load["id"]), "invoice_packet")) == 1
