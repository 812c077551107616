"""Writes that bypass the API, for states the API cannot reach yet and for tampering.

Everything goes through SQLAlchemy Core on the app's own engine, so the same code runs
on SQLite and PostgreSQL (UUIDs are stored differently by the two).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import FastAPI
from httpx import Response
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from freight.events import Event
from freight.shipments.models import Shipment

# Text that would mean a database error or a stack trace reached the client.
LEAK = re.compile(
    r"sqlite|psycopg|asyncpg|sqlalchemy|syntax error|traceback|operationalerror"
    r"|programmingerror|dataerror|\bSELECT\b|\bFROM shipments\b",
    re.IGNORECASE,
)


def engine_of(app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = app.state.ctx.engine
    return engine


async def set_shipment(app: FastAPI, shipment_id: str, **values: Any) -> None:
    """UPDATE the shipment behind the app's back: no version bump, event or invalidation."""
    async with engine_of(app).begin() as conn:
        await conn.execute(
            update(Shipment).where(Shipment.id == uuid.UUID(shipment_id)).values(**values)
        )


async def events_of(app: FastAPI, shipment_id: str) -> list[Any]:
    """The stored event rows of a shipment, by seq."""
    async with engine_of(app).connect() as conn:
        result = await conn.execute(
            select(Event).where(Event.shipment_id == uuid.UUID(shipment_id)).order_by(Event.seq)
        )
        return list(result.all())


async def set_event(app: FastAPI, event_id: int, **values: Any) -> None:
    async with engine_of(app).begin() as conn:
        await conn.execute(update(Event).where(Event.id == event_id).values(**values))


async def delete_event(app: FastAPI, event_id: int) -> None:
    async with engine_of(app).begin() as conn:
        await conn.execute(delete(Event).where(Event.id == event_id))


def assert_no_leak(resp: Response) -> None:
    """Never a 500 and never database or stack-trace text in the body."""
    assert resp.status_code < 500, resp.text
    assert not LEAK.search(resp.text), resp.text
