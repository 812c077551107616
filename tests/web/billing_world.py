"""Test data and helpers for the invoice and admin pages, built through the API.

``delivered`` runs a load from booking to proof of delivery; ``invoiced`` puts delivered
loads on an invoice (issued unless asked not to). Form-level clients are in
``tests.web.clients``.
"""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from tests.fleet_helpers import DriverAt, assign, book_load, move, tiny_png
from tests.helpers import Session
from tests.web.conftest import World

RATES: dict[str, Any] = {
    "currency": "USD",
    "per_km_cents": {"dry_van": 195, "reefer": 240},
    "minimum_charge_cents": 35_000,
    "fuel_surcharge_bp": 2450,
    "detention_free_minutes": 120,
    "detention_hourly_cents": 7450,
    "tax_rate_bp": 825,
    "terms": "Net 30. Late balances accrue 1.5% per month.",
}


async def set_rates(world: World, rates: dict[str, Any] | None = None) -> None:
    resp = await world.site.http.put(
        "/api/billing/rates", headers=world.admin.auth, json=rates or RATES
    )
    assert resp.status_code == 200, resp.text


async def delivered(
    world: World, customer_id: str | None = None, driver: DriverAt | None = None
) -> dict[str, Any]:
    """Book (as the admin), assign, pick up, move and deliver a load; the shipment."""
    http, driver = world.site.http, driver or world.driver
    load = await book_load(http, world.admin, customer_id or world.customer_id)
    await assign(http, world.admin, load["id"], driver)
    await move(http, driver, load["id"], "PICKED_UP")
    await move(http, driver, load["id"], "IN_TRANSIT")
    resp = await http.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert resp.status_code == 201, resp.text
    return load


async def invoiced(
    world: World, shipment_ids: list[str], customer_id: str | None = None, issue: bool = True
) -> dict[str, Any]:
    """An admin invoices the shipments through the API (and issues the invoice)."""
    http = world.site.http
    resp = await http.post(
        "/api/invoices",
        headers=world.admin.auth,
        json={"customer_id": customer_id or world.customer_id, "shipment_ids": shipment_ids},
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    if issue:
        resp = await http.post(f"/api/invoices/{body['id']}/issue", headers=world.admin.auth)
        assert resp.status_code == 200, resp.text
        body = resp.json()
    return body


async def invoice_now(world: World, invoice_id: str) -> dict[str, Any]:
    resp = await world.site.http.get(f"/api/invoices/{invoice_id}", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def payments_of(world: World, invoice_id: str) -> list[dict[str, Any]]:
    resp = await world.site.http.get(
        "/api/payments", headers=world.admin.auth, params={"invoice_id": invoice_id}
    )
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def pdf_text(document: bytes) -> str:
    """The text pypdf finds in a PDF (which must look like one)."""
    assert document.startswith(b"%PDF"), document[:20]
    reader = PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)


def email_of(session: Session) -> str:
    email: str = session.user["email"]
    return email
