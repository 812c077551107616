"""Every create takes an ``Idempotency-Key``: a retry after a lost response duplicates nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from httpx import AsyncClient

from tests.helpers import Session, add_customer, add_user, assert_problem
from tests.shipments.factory import shipment_body


def _keyed(who: Session, key: str) -> dict[str, str]:
    return {**who.auth, "Idempotency-Key": key}


async def _count(client: AsyncClient, who: Session, url: str) -> int:
    items: list[Any] = (await client.get(url, headers=who.auth)).json()["items"]
    return len(items)


async def test_a_booking_retried_concurrently_with_one_key_books_once(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    body, key = shipment_body(account), str(uuid.uuid4())
    responses = await asyncio.gather(
        *(client.post("/api/shipments", headers=_keyed(admin, key), json=body) for _ in range(10))
    )
    assert [r.status_code for r in responses] == [201] * 10, {r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 9
    assert len({r.headers["Location"] for r in responses}) == 1
    assert await _count(client, admin, "/api/shipments") == 1
    reused = await client.post(
        "/api/shipments", headers=_keyed(admin, key), json={**body, "pieces": 99}
    )
    assert_problem(reused, 422, "idempotency_key_reused")
    # Without a key every request is a new booking, as before.
    for _ in range(2):
        assert (await client.post("/api/shipments", headers=admin.auth, json=body)).is_success
    assert await _count(client, admin, "/api/shipments") == 3


async def test_a_key_is_the_callers_own(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    dispatcher = await add_user(client, admin, "dispatcher", "d@acme.example")
    body, key = shipment_body(account), str(uuid.uuid4())
    mine = await client.post("/api/shipments", headers=_keyed(admin, key), json=body)
    theirs = await client.post("/api/shipments", headers=_keyed(dispatcher, key), json=body)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.headers.get("Idempotent-Replayed") is None


async def test_a_message_retried_with_its_key_is_posted_once(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    load = await client.post("/api/shipments", headers=admin.auth, json=shipment_body(account))
    url = f"/api/shipments/{load.json()['id']}/messages"
    key = str(uuid.uuid4())
    first = await client.post(url, headers=_keyed(admin, key), json={"body": "ETA 14:00?"})
    again = await client.post(url, headers=_keyed(admin, key), json={"body": "ETA 14:00?"})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await _count(client, admin, url) == 1
    other = await client.post(url, headers=_keyed(admin, key), json={"body": "ETA 15:00?"})
    assert_problem(other, 422, "idempotency_key_reused")


async def test_an_account_retried_with_its_key_is_opened_once(
    client: AsyncClient, admin: Session
) -> None:
    body = {"name": "Globex", "billing_email": "ap@globex.example"}
    key = str(uuid.uuid4())
    first = await client.post("/api/customers", headers=_keyed(admin, key), json=body)
    again = await client.post("/api/customers", headers=_keyed(admin, key), json=body)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert await _count(client, admin, "/api/customers") == 1
    bad = await client.post("/api/customers", headers=_keyed(admin, " "), json=body)
    assert assert_problem(bad, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]
