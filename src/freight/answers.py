"""Answers the API modules share (the API modules do not import each other)."""

from __future__ import annotations

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from freight.context import AppContext
from freight.shipments.models import Shipment
from freight.shipments.schemas import ShipmentRead


def with_etag(response: Response, version: int) -> None:
    """Send a shipment's version as its ETag (``If-Match`` takes it back)."""
    response.headers["ETag"] = f'"{version}"'


async def committed(
    ctx: AppContext, session: AsyncSession, shipment: Shipment, response: Response
) -> ShipmentRead:
    """Commit a change to a shipment, publish its events, and answer with it and its ETag."""
    await ctx.commit(session)
    with_etag(response, shipment.version)
    return ShipmentRead.model_validate(shipment)
