"""Public tracking: a reference in, what ``/api/track/{reference}`` shows out.

No sign-in; the page shows the same view as the API (status, stop cities, ETA, and the
last position while on the road) and nothing else. It is rate-limited per address
like the API, and an unknown reference is a friendly 404 with the form to try again.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from freight.deps import Context, SessionDep, client_address
from freight.errors import NotFound
from freight.places.nearby import nearby
from freight.shipments import reads
from freight.shipments.schemas import TrackingRead
from freight.web.auth import see_other
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)


def _cleaned(reference: str) -> str:
    return reference.strip().upper()


@router.get("/track")
async def track_search(
    request: Request, reference: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """The form; with a reference, on to its page."""
    wanted = _cleaned(reference)
    if wanted:
        if reads.REFERENCE_SHAPE.fullmatch(wanted):
            return see_other(f"/track/{wanted}")
        return _not_found(request, reference, 422)
    return renderer(request)(request, "track_search.html", reference="", error=None)


def _not_found(request: Request, reference: str, status_code: int = 404) -> Response:
    message = (
        f"No shipment has the reference “{reference.strip()[:40]}”. "
        "Check it against your booking confirmation (it looks like FRT-7K3M9Q) and try again."
    )
    return renderer(request)(
        request,
        "track_search.html",
        status_code=status_code,
        reference=reference.strip()[:40],
        error=message,
    )


@router.get("/track/{reference}")
async def track_page(
    reference: str, request: Request, session: SessionDep, ctx: Context
) -> Response:
    """A shipment's public tracking page."""
    await ctx.limits.hit(ctx.limits.tracking, "track", client_address(request))
    try:
        view = await reads.tracking_for(
            session, ctx.cache, reference[:40], ctx.settings.cache_ttl_s
        )
    except NotFound:
        return _not_found(request, reference)
    tracking = TrackingRead.model_validate(view)
    stops = [
        {"lat": s.lat, "lng": s.lng, "kind": s.kind, "label": f"{s.sequence}. {s.city}"}
        for s in tracking.stops
    ]
    truck, near = None, None
    if tracking.last_position is not None:
        truck = {"lat": tracking.last_position.lat, "lng": tracking.last_position.lng}
        near = await anyio.to_thread.run_sync(nearby, truck["lat"], truck["lng"])
    elif tracking.delivered_at is not None and tracking.stops:
        truck = {"lat": tracking.stops[-1].lat, "lng": tracking.stops[-1].lng}
    return renderer(request)(
        request,
        "track.html",
        tracking=tracking,
        near=near,
        map_stops=stops,
        map_truck=truck,
        map_route=[line.model_dump() for line in tracking.route],
    )
