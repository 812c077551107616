"""The event log read back: a shipment's timeline, a history of edits, and the chain check."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from freight.events import ChainProblem, verify_chains
from tests.helpers import Session
from tests.shipments.conftest import World, book


async def timeline(client: AsyncClient, who: Session, shipment_id: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{shipment_id}/events", headers=who.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def patch(
    client: AsyncClient, who: Session, shipment_id: str, **changes: Any
) -> dict[str, Any]:
    """PATCH as ``who`` with the version just read (staff edits must send If-Match)."""
    url = f"/api/shipments/{shipment_id}"
    etag = (await client.get(url, headers=who.auth)).headers["etag"]
    resp = await client.patch(url, headers={**who.auth, "If-Match": etag}, json=changes)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def problems(app: FastAPI) -> list[ChainProblem]:
    async with app.state.ctx.sessions() as session:
        return [p async for p in verify_chains(session)]


async def shipment_with_history(client: AsyncClient, world: World, edits: int = 3) -> str:
    """A shipment with a created event followed by ``edits`` updates."""
    shipment_id: str = (await book(client, world.customer_a))["id"]
    for i in range(edits):
        await patch(client, world.customer_a, shipment_id, notes=f"edit {i}")
    return shipment_id
