"""The warnings of each kind of shipment write, gathered from its rows.

The checks themselves are pure (``freight.shipments.warnings``); this reads what they
need (the assigned truck's capacity, the organisation's units, the load's last reported
position) for the services, which ``heed`` what is found.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.db import utcnow
from freight.fleet import service as fleet
from freight.shipments import warnings
from freight.shipments.heed import Heed, shown_for
from freight.shipments.models import Shipment
from freight.shipments.queries import ends


async def detail_warnings(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    heed: Heed,
    *,
    weight: bool,
    windows: bool,
) -> list[warnings.ShipmentWarning]:
    """The warnings about a load's details: its weight (against its truck, once one is
    assigned) and its pickup windows, each when the write set them."""
    shown = await shown_for(session, heed, shipment.organization_id)
    found = warnings.window_past(shipment.stops, utcnow(), shown) if windows else []
    if weight:
        truck = None
        if shipment.vehicle_id is not None:
            truck = await fleet.get_vehicle(session, actor, shipment.vehicle_id)
        found += warnings.weight(
            shipment.weight_kg,
            shipment.equipment_type,
            shown,
            truck.capacity_kg if truck else None,
            truck.number if truck else None,
        )
    return found


async def site_warnings(
    session: AsyncSession,
    shipment: Shipment,
    heed: Heed,
    what: str,
    at: datetime,
    lat: float | None,
    lng: float | None,
) -> list[warnings.ShipmentWarning]:
    """The warnings about a pickup or a delivery (``what``) recorded at ``at``: far from
    its stop (the first pickup, the last delivery) or far outside its window."""
    pickup, delivery = ends(shipment)
    last = (shipment.last_lat, shipment.last_lng, shipment.last_position_at)
    where = warnings.position_for(lat, lng, last, at)
    shown = await shown_for(session, heed, shipment.organization_id)
    return warnings.on_site(pickup if what == "pickup" else delivery, what, at, where, shown)


async def assign_warnings(
    session: AsyncSession,
    shipment: Shipment,
    heed: Heed,
    now: datetime,
    arrival: datetime | None,
) -> list[warnings.ShipmentWarning]:
    """The warnings about giving the load to a driver who would reach its first pickup at
    ``arrival`` (None: their position is unknown)."""
    pickup, _ = ends(shipment)
    shown = await shown_for(session, heed, shipment.organization_id)
    return warnings.pickup_reachable(pickup, now, arrival, shown)
