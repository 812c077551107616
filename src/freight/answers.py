"""Answers the API modules share (the API modules do not import each other)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Response
from sqlalchemy.ext.asyncio import AsyncSession

from freight.context import AppContext
from freight.shipments.heed import Heed
from freight.shipments.models import Shipment
from freight.shipments.schemas import ShipmentWritten, WarningRead

STRICT = "handling=strict"


def with_etag(response: Response, version: int) -> None:
    """Send a shipment's version as its ETag (``If-Match`` takes it back)."""
    response.headers["ETag"] = f'"{version}"'


async def prefers_strict(
    prefer: Annotated[
        str | None,
        Header(
            alias="Prefer",
            description=(
                "`handling=strict` (RFC 7240): refuse the write (409 "
                "warnings_not_acknowledged) while a warning it raises is not acknowledged"
            ),
        ),
    ] = None,
) -> bool:
    """Whether the client asked for ``Prefer: handling=strict``."""
    if not prefer:
        return False
    asked = {p.strip().lower().replace(" ", "") for p in prefer.replace(";", ",").split(",")}
    return STRICT in asked


Strict = Annotated[bool, Depends(prefers_strict)]


def warnings_of(heed: Heed | None) -> list[WarningRead]:
    """The warnings a write raised, each saying whether the write overrode it."""
    if heed is None:
        return []
    return [
        WarningRead(code=w.code, message=w.message, overridden=heed.overridden(w))
        for w in heed.raised
    ]


def written(shipment: Shipment, heed: Heed | None, response: Response) -> ShipmentWritten:
    """The shipment as the write left it, with its warnings (and ``Preference-Applied``)."""
    if heed is not None and heed.strict:
        response.headers["Preference-Applied"] = STRICT
    read = ShipmentWritten.model_validate(shipment)
    read.warnings = warnings_of(heed)
    return read


async def committed(
    ctx: AppContext,
    session: AsyncSession,
    shipment: Shipment,
    response: Response,
    heed: Heed | None = None,
) -> ShipmentWritten:
    """Commit a change to a shipment, publish its events, and answer with it, its ETag and
    the warnings the change raised."""
    await ctx.commit(session)
    with_etag(response, shipment.version)
    return written(shipment, heed, response)
