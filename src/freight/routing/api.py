"""``GET /api/shipments/{id}/route``: the road between a shipment's stops."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from freight.deps import Context, CurrentUser, SessionDep
from freight.routing.router import route_unlocked
from freight.routing.schemas import RouteRead
from freight.shipments import service as shipments

router = APIRouter(prefix="/api/shipments", tags=["shipments"])


@router.get("/{shipment_id}/route")
async def shipment_route(
    shipment_id: uuid.UUID, actor: CurrentUser, session: SessionDep, ctx: Context
) -> RouteRead:
    """The legs between consecutive stops: distance, driving time, where the numbers came
    from, and the road's shape when the routing provider gave one.

    Whoever may read the shipment may read its route (others: 404). With a routing server
    configured (``FREIGHT_ROUTER``) the legs are its answers, cached by rounded
    coordinates; a leg it cannot answer is the estimate, labelled ``source: "estimate"``.
    """
    shipment = await shipments.get_visible(session, actor, shipment_id)
    stops = list(shipment.stops)
    route = await route_unlocked(session, ctx.router, stops)
    return RouteRead.of(route, [stop.sequence for stop in stops])
