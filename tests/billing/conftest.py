"""An organisation with rates, two shipper accounts, a driver, and the Stripe stand-in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import update

from freight.settings import Settings
from freight.shipments.models import Stop
from tests.billing.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, Running, StandIn
from tests.conftest import base_settings
from tests.fleet_helpers import DriverAt, add_driver, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, add_user

# 195 per km, so Chicago-Dallas (1,553.9 km) is 303,010.5 cents: half up gives ...011.
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


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with Running() as server:
        yield server


@pytest.fixture
def settings(clean_db: str, tmp_path: Path, stand_in: StandIn) -> Settings:
    return base_settings(
        clean_db,
        tmp_path,
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stand_in.url,
        company_name="Acme Haulage LLC",
        company_address="1200 W Freight Ave\\nChicago, IL 60607",
        company_email="billing@acme.example",
        company_tax_id="36-1234567",
        idempotency_wait_s=20,
    )


@dataclass
class Org:
    admin: Session
    dispatcher: Session
    account_a: str
    account_b: str
    customer_a: Session
    customer_b: Session
    driver: DriverAt
    outsider: Session  # the admin of another organisation


@pytest.fixture
async def org(client: AsyncClient, admin: Session, other_admin: Session) -> Org:
    resp = await client.put("/api/billing/rates", headers=admin.auth, json=RATES)
    assert resp.status_code == 200, resp.text
    dispatcher = await add_user(client, admin, "dispatcher", "dispatch@acme.example")
    account_a = await add_customer(client, admin, "Globex Foods")
    account_b = await add_customer(client, admin, "Initech Parts")
    customer_a = await add_user(client, admin, "customer", "ap@globex.example", account_a)
    customer_b = await add_user(client, admin, "customer", "ap@initech.example", account_b)
    driver = await add_driver(client, admin, "dee@acme.example")
    return Org(admin, dispatcher, account_a, account_b, customer_a, customer_b, driver, other_admin)


async def set_stop_times(
    app: FastAPI, shipment_id: str, sequence: int, arrived: datetime, departed: datetime
) -> None:
    """Arrival and departure at a stop, as the tracking geofence would record them."""
    async with app.state.ctx.engine.begin() as conn:
        await conn.execute(
            update(Stop)
            .where(Stop.shipment_id == uuid.UUID(shipment_id), Stop.sequence == sequence)
            .values(arrived_at=arrived, departed_at=departed)
        )


async def deliver(client: AsyncClient, org: Org, account: str, **overrides: Any) -> dict[str, Any]:
    """Book (as the dispatcher), run and deliver a load; returns the delivered shipment."""
    load = await book_load(client, org.dispatcher, account, **overrides)
    await assign(client, org.dispatcher, load["id"], org.driver)
    await move(client, org.driver, load["id"], "PICKED_UP")
    await move(client, org.driver, load["id"], "IN_TRANSIT")
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=org.driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert resp.status_code == 201, resp.text
    shipment = (await client.get(f"/api/shipments/{load['id']}", headers=org.admin.auth)).json()
    assert shipment["status"] == "DELIVERED"
    result: dict[str, Any] = shipment
    return result


async def invoice(
    client: AsyncClient, org: Org, account: str, shipment_ids: list[str], issue: bool = True
) -> dict[str, Any]:
    """An admin invoices the shipments (and issues the invoice)."""
    resp = await client.post(
        "/api/invoices",
        headers=org.admin.auth,
        json={"customer_id": account, "shipment_ids": shipment_ids},
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    if issue:
        resp = await client.post(f"/api/invoices/{body['id']}/issue", headers=org.admin.auth)
        assert resp.status_code == 200, resp.text
        body = resp.json()
    return body


async def issued_invoice(
    client: AsyncClient, org: Org, account: str | None = None
) -> dict[str, Any]:
    """One delivered Chicago-Dallas load, invoiced and issued."""
    account = account or org.account_a
    shipment = await deliver(client, org, account)
    return await invoice(client, org, account, [shipment["id"]])


async def pay(
    client: AsyncClient,
    who: Session,
    invoice_id: str,
    amount: int,
    method: str = "check",
    key: str | None = None,
    **extra: Any,
) -> Response:
    """POST /api/payments with an Idempotency-Key (a fresh one unless given)."""
    return await client.post(
        "/api/payments",
        headers={**who.auth, "Idempotency-Key": key or str(uuid.uuid4())},
        json={"invoice_id": invoice_id, "amount_cents": amount, "method": method, **extra},
    )
