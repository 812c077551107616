"""Read-through caching for the hot reads: a shipment by id and public tracking.

Entries are invalidated by the events of a change, after it commits. With Redis the
cache is shared, so a change made through any process is seen by every other.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.cache import Cache
from freight.errors import NotFound
from freight.events import Event
from freight.routing import shapes
from freight.shipments.lifecycle import LOADED, Status
from freight.shipments.models import Shipment, Stop
from freight.shipments.queries import can_see
from freight.shipments.schemas import (
    MapLine,
    Position,
    ShipmentRead,
    TrackingRead,
    TrackingStop,
)

REFERENCE_TTL_S = 24 * 3600  # references never change
# Anything else cannot be a reference; it never reaches the database (PostgreSQL rejects NUL).
REFERENCE_SHAPE = re.compile(r"[A-Z0-9-]{1,20}")


def shipment_key(shipment_id: uuid.UUID | str) -> str:
    return f"shipment:{shipment_id}"


def tracking_key(shipment_id: uuid.UUID | str) -> str:
    return f"track:{shipment_id}"


def envelope(shipment: Shipment) -> dict[str, Any]:
    return {
        "org": str(shipment.organization_id),
        "customer_id": str(shipment.customer_id),
        "driver_id": str(shipment.driver_id) if shipment.driver_id else None,
        "version": shipment.version,
        # Serialised once, served as is: a cache hit costs no validation or encoding.
        "json": ShipmentRead.model_validate(shipment).model_dump_json(),
    }


async def shipment_for(
    session: AsyncSession, cache: Cache, actor: Actor, shipment_id: uuid.UUID, ttl_s: int
) -> tuple[str, int]:
    """The shipment's JSON and version if the caller may see it, from the cache if possible."""
    key = shipment_key(shipment_id)
    cached = await cache.get(key)
    if cached is None:
        row = await session.scalar(select(Shipment).where(Shipment.id == shipment_id))
        if row is None:
            raise NotFound("shipment", shipment_id)
        cached = envelope(row)
        await cache.set(key, cached, ttl_s)
    if not can_see(actor, cached["org"], cached["customer_id"], cached["driver_id"]):
        raise NotFound("shipment", shipment_id)
    return str(cached["json"]), int(cached["version"])


async def page_json(
    cache: Cache, rows: Sequence[Shipment], next_cursor: str | None, ttl_s: int
) -> str:
    """A list page as JSON, serialising each shipment once; the page's shipments are
    cached as they are, so opening one of them next (the usual click) is a hit."""
    envelopes = {shipment_key(row.id): envelope(row) for row in rows}
    await cache.set_many(envelopes, ttl_s)
    items = ",".join(str(env["json"]) for env in envelopes.values())
    return f'{{"items":[{items}],"next_cursor":{json.dumps(next_cursor)}}}'


PUBLIC_DECIMALS = 1  # 0.1 degree, about 10 km: the town of a stop, not its door
PUBLIC_CLEAR_KM = 10.0  # the road drawn for anyone stops this far short of a stop


def public_stop(stop: Stop) -> TrackingStop:
    """A stop as anyone with the reference sees it: the town and the window."""
    fields = {name: getattr(stop, name) for name in TrackingStop.model_fields}
    fields["lat"], fields["lng"] = (
        round(stop.lat, PUBLIC_DECIMALS),
        round(stop.lng, PUBLIC_DECIMALS),
    )
    return TrackingStop.model_validate(fields)


def tracking_view(shipment: Shipment) -> TrackingRead:
    """The public view: status, cities, ETA and (on the road) the last position."""
    position = None
    if shipment.status in LOADED and shipment.last_lat is not None:
        assert shipment.last_lng is not None
        position = Position(
            lat=round(shipment.last_lat, 4),
            lng=round(shipment.last_lng, 4),
            at=shipment.last_position_at,
        )
    stops = [public_stop(s) for s in shipment.stops]
    shown = [(s.lat, s.lng) for s in stops]
    return TrackingRead(
        reference=shipment.reference,
        status=Status(shipment.status),
        stops=stops,
        route=[
            MapLine.model_validate(line)
            for line in shapes.lines(shipment.stops, shown, clear_km=PUBLIC_CLEAR_KM)
        ],
        eta=shipment.eta,
        last_position=position,
        delivered_at=shipment.delivered_at,
        updated_at=shipment.updated_at,
    )


async def tracking_for(
    session: AsyncSession, cache: Cache, reference: str, ttl_s: int
) -> dict[str, Any]:
    """Public tracking by reference, from the cache when possible."""
    reference = reference.strip().upper()
    if not REFERENCE_SHAPE.fullmatch(reference):
        raise NotFound("shipment")
    ref_key = f"ref:{reference}"
    shipment_id = await cache.get(ref_key)
    if shipment_id is not None:
        cached = await cache.get(tracking_key(shipment_id))
        if cached is not None:
            view: dict[str, Any] = cached
            return view
    row = await session.scalar(select(Shipment).where(Shipment.reference == reference))
    if row is None:
        raise NotFound("shipment")
    view = tracking_view(row).model_dump(mode="json")
    await cache.set(ref_key, str(row.id), REFERENCE_TTL_S)
    await cache.set(tracking_key(row.id), view, ttl_s)
    return view


async def invalidate(cache: Cache, shipment_ids: Iterable[uuid.UUID]) -> None:
    """Drop the cached views of these shipments (after a commit that changed them)."""
    keys = [k for i in set(shipment_ids) for k in (shipment_key(i), tracking_key(i))]
    await cache.delete(*keys)


def stale_keys(batch: Sequence[Event]) -> list[str]:
    """The cached views of every shipment a committed batch changed (``cache.Invalidator``).

    A shipment the batch created had no view to cache before it (a read of it was a 404),
    so it is left out: a late second delete would only drop a fresh entry.
    """
    created = {e.shipment_id for e in batch if e.type == "shipment.created"}
    ids = {e.shipment_id for e in batch if e.shipment_id is not None} - created
    return [k for i in ids for k in (shipment_key(i), tracking_key(i))]


__all__ = ["shipment_for", "tracking_for"]
