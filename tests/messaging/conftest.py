"""A load with everyone around it: both accounts, two drivers, staff, another organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tests.fleet_helpers import DriverAt, add_driver, assign, book_load
from tests.helpers import Session, add_customer, add_user


@dataclass
class Thread:
    admin: Session
    dispatcher: Session
    buyer: Session  # customer user of the load's account
    other_buyer: Session  # customer user of another account
    driver: DriverAt  # assigned to the load
    other_driver: DriverAt
    outsider: Session  # admin of another organisation
    load: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/api/shipments/{self.load['id']}/messages"


@pytest.fixture
async def thread(client: AsyncClient, admin: Session, other_admin: Session) -> Thread:
    dispatcher = await add_user(client, admin, "dispatcher", "dispatch@acme.example")
    account = await add_customer(client, admin, "Globex Foods")
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", account)
    other_buyer = await add_user(client, admin, "customer", "buyer@initech.example")
    driver = await add_driver(client, admin, "dee@acme.example")
    other_driver = await add_driver(client, admin, "otto@acme.example")
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], driver)
    return Thread(admin, dispatcher, buyer, other_buyer, driver, other_driver, other_admin, load)


async def say(client: AsyncClient, thread: Thread, who: Any, body: str) -> Response:
    return await client.post(thread.url, headers=who.auth, json={"body": body})


async def said(client: AsyncClient, thread: Thread, who: Any, body: str) -> dict[str, Any]:
    resp = await say(client, thread, who, body)
    assert resp.status_code == 201, resp.text
    message: dict[str, Any] = resp.json()
    return message
