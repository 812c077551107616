"""A Freight whose outbox worker runs in the app (fast retries, 127.0.0.1 allowed), a
local receiver, and helpers to register endpoints and make events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from httpx import AsyncClient

from freight.settings import Settings
from tests.conftest import base_settings
from tests.helpers import Session, add_customer, register, running_client
from tests.webhooks.receiver import Receiver

T = TypeVar("T")

FAST = {
    "worker_in_process": True,
    "outbox_poll_s": 0.05,
    "outbox_backoff_base_s": 0.05,
    "outbox_backoff_max_s": 0.2,
    "outbox_lease_s": 5.0,
    "webhook_timeout_s": 2.0,
    "webhook_allowed_hosts": ["127.0.0.1"],
}


def hook_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Test settings with the worker in the app and retries in milliseconds."""
    return base_settings(database_url, tmp_path, **{**FAST, **overrides})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.start()
    yield found
    await found.stop()


@pytest.fixture
async def hooked(clean_db: str, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    """A client of a Freight that delivers webhooks from its own process."""
    async with running_client(hook_settings(clean_db, tmp_path)) as http:
        yield http


@pytest.fixture
async def acme(hooked: AsyncClient) -> Session:
    return await register(hooked, "Acme Haulage", "admin@acme.example")


async def add_endpoint(http: AsyncClient, admin: Session, url: str, **body: Any) -> tuple[str, str]:
    """Register an endpoint; returns its id and its secret."""
    resp = await http.post("/api/webhooks/endpoints", headers=admin.auth, json={"url": url, **body})
    assert resp.status_code == 201, resp.text
    made = resp.json()
    return made["id"], made["secret"]


async def book(http: AsyncClient, admin: Session) -> dict[str, Any]:
    """A shipper account and one booked load (a ``shipment.created`` event)."""
    from tests.fleet_helpers import book_load

    customer_id = await add_customer(http, admin)
    return await book_load(http, admin, customer_id)


async def eventually(check: Callable[[], Awaitable[T]], within: float = 10.0) -> T:
    """Poll ``check`` until it returns something true."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {result!r} after {within} s")
        await asyncio.sleep(0.05)


async def deliveries(http: AsyncClient, admin: Session, endpoint_id: str) -> list[dict[str, Any]]:
    resp = await http.get(f"/api/webhooks/endpoints/{endpoint_id}/deliveries", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items
