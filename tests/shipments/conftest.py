"""People and accounts around shipments: one organisation with two shipper accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from tests.helpers import Session, add_customer, add_user
from tests.shipments.factory import shipment_body


@dataclass
class World:
    admin: Session
    dispatcher: Session
    account_a: str
    account_b: str
    customer_a: Session
    customer_b: Session
    outsider: Session  # admin of another organisation


@pytest.fixture
async def world(client: AsyncClient, admin: Session, other_admin: Session) -> World:
    dispatcher = await add_user(client, admin, "dispatcher", "dispatch@acme.example")
    account_a = await add_customer(client, admin, "Globex Foods")
    account_b = await add_customer(client, admin, "Initech Parts")
    customer_a = await add_user(client, admin, "customer", "buyer@globex.example", account_a)
    customer_b = await add_user(client, admin, "customer", "buyer@initech.example", account_b)
    return World(admin, dispatcher, account_a, account_b, customer_a, customer_b, other_admin)


async def book(client: AsyncClient, who: Session, **overrides: Any) -> dict[str, Any]:
    """``who`` books a shipment; returns the created shipment."""
    resp = await client.post("/api/shipments", headers=who.auth, json=shipment_body(**overrides))
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body
