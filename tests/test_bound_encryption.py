"""Encrypted values are bound to their row and column; shipper accounts' contacts are encrypted."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, text, update

from freight.identity.models import Customer
from freight.security.encryption import EncryptionError
from tests.helpers import Session

ACCOUNT = {
    "name": "Globex Foods",
    "billing_email": "ap@globex.example",
    "phone": "+1 312 555 0100",
    "billing_address": "1 Main St\nSpringfield IL",
}


async def _account(client: AsyncClient, admin: Session, **fields: str) -> dict[str, str]:
    resp = await client.post("/api/customers", headers=admin.auth, json={**ACCOUNT, **fields})
    assert resp.status_code == 201, resp.text
    body: dict[str, str] = resp.json()
    return body


async def test_shipper_contacts_are_encrypted_at_rest(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    account = await _account(client, admin)
    assert (account["phone"], account["billing_address"]) == (
        ACCOUNT["phone"],
        ACCOUNT["billing_address"],
    )
    async with app.state.ctx.engine.connect() as conn:
        phone, address = (
            await conn.execute(text("SELECT phone, billing_address FROM customers"))
        ).one()
    assert phone.startswith("v2:") and "555" not in phone
    assert address.startswith("v2:") and "Main" not in address
    read = (await client.get(f"/api/customers/{account['id']}", headers=admin.auth)).json()
    assert read["billing_address"] == ACCOUNT["billing_address"]
    edited = await client.patch(
        f"/api/customers/{account['id']}", headers=admin.auth, json={"phone": "+1 312 555 0111"}
    )
    assert edited.status_code == 200, edited.text
    again = (await client.get(f"/api/customers/{account['id']}", headers=admin.auth)).json()
    assert (again["phone"], again["billing_address"]) == (
        "+1 312 555 0111",
        ACCOUNT["billing_address"],
    )


async def test_a_ciphertext_copied_to_another_row_or_column_does_not_decrypt(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    mine = await _account(client, admin, name="Mine")
    theirs = await _account(client, admin, name="Theirs", phone="+1 000")
    async with app.state.ctx.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE customers SET phone = (SELECT phone FROM customers WHERE name = 'Mine')"
                " WHERE name = 'Theirs'"
            )
        )
        await conn.execute(text("UPDATE customers SET billing_address = phone WHERE name = 'Mine'"))
    for account in (theirs, mine):
        async with app.state.ctx.sessions() as session:
            with pytest.raises(EncryptionError):
                await session.scalar(
                    select(Customer).where(Customer.id == uuid.UUID(account["id"]))
                )


async def test_plaintext_cannot_reach_an_encrypted_column_around_the_orm(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    account = await _account(client, admin)
    async with app.state.ctx.sessions() as session:
        with pytest.raises(Exception, match="through the ORM"):
            await session.execute(
                update(Customer).where(Customer.name == account["name"]).values(phone="+1 999")
            )
