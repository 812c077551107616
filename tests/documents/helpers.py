"""Reading a load's documents through the API, and bringing a load to the state a document
needs (rates, on offer, delivered with a proof, invoiced)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from httpx import AsyncClient
from pypdf import PdfReader

from tests.fleet_helpers import TINY_JPEG, DriverAt, assign, move, tiny_png
from tests.helpers import Session
from tests.web.conftest import ARTIFACTS

REVIEW = ARTIFACTS / "documents"  # when it exists, the PDFs land there to look at
RATES: dict[str, Any] = {
    "currency": "USD",
    "per_km_cents": {"dry_van": 195, "reefer": 240},
    "minimum_charge_cents": 35_000,
    "fuel_surcharge_bp": 2450,
    "detention_free_minutes": 120,
    "detention_hourly_cents": 7450,
    "tax_rate_bp": 825,
}


async def documents(client: AsyncClient, who: Session | DriverAt, load_id: str) -> list[Any]:
    resp = await client.get(f"/api/shipments/{load_id}/documents", headers=who.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def of_kind(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in items if d["kind"] == kind]


async def fetch(client: AsyncClient, who: Session | DriverAt, url: str, name: str) -> bytes:
    """The file at ``url`` (kept under test-artifacts/documents when that folder exists)."""
    resp = await client.get(url, headers=who.auth)
    assert resp.status_code == 200, resp.text
    if REVIEW.exists():
        (REVIEW / name).write_bytes(resp.content)
    return resp.content


async def pdf(client: AsyncClient, who: Session | DriverAt, document: dict[str, Any]) -> PdfReader:
    data = await fetch(client, who, document["url"], document["name"])
    assert hashlib.sha256(data).hexdigest() == document["sha256"]
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text(reader: PdfReader) -> str:
    return " ".join((page.extract_text() or "") for page in reader.pages)


async def events(client: AsyncClient, who: Session, load_id: str) -> list[dict[str, Any]]:
    body = (await client.get(f"/api/shipments/{load_id}/events", headers=who.auth)).json()
    items: list[dict[str, Any]] = body["items"]
    return items


async def set_rates(client: AsyncClient, admin: Session) -> None:
    resp = await client.put("/api/billing/rates", headers=admin.auth, json=RATES)
    assert resp.status_code == 200, resp.text


async def offer(
    client: AsyncClient, staff: Session, load_id: str, driver: DriverAt
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/shipments/{load_id}/offers", headers=staff.auth, json={"driver_id": driver.id}
    )
    assert resp.status_code == 201, resp.text
    made: dict[str, Any] = resp.json()["items"][0]
    return made


async def deliver(client: AsyncClient, staff: Session, load_id: str, driver: DriverAt) -> None:
    """Assign (unless it is the driver's already), run and deliver the load with a proof."""
    shipment = (await client.get(f"/api/shipments/{load_id}", headers=staff.auth)).json()
    if shipment["driver_id"] != driver.id:
        await assign(client, staff, load_id, driver)
    await move(client, driver, load_id, "PICKED_UP")
    await move(client, driver, load_id, "IN_TRANSIT")
    resp = await client.post(
        f"/api/shipments/{load_id}/pod",
        headers=driver.auth,
        data={"recipient_name": "Rita Receiver", "lat": "32.78", "lng": "-96.80"},
        files=[("signature", ("sig.png", tiny_png(40, 20), "image/png")),
               ("photos", ("dock.jpg", TINY_JPEG, "image/jpeg"))],
    )  # fmt: skip
    assert resp.status_code == 201, resp.text


async def invoice(client: AsyncClient, admin: Session, account: str, load_id: str) -> str:
    """A draft invoice of the load, issued; its id."""
    resp = await client.post(
        "/api/invoices",
        headers=admin.auth,
        json={"customer_id": account, "shipment_ids": [load_id]},
    )
    assert resp.status_code == 201, resp.text
    invoice_id: str = resp.json()["id"]
    issued = await client.post(f"/api/invoices/{invoice_id}/issue", headers=admin.auth)
    assert issued.status_code == 200, issued.text
    return invoice_id
