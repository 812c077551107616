"""A booking's road distance, asked before its unit of work so no lock waits on a router.

A write request on SQLite holds the database's write lock from its first statement. The
booking and edit services route the stops where they are final (placed by the geocoder,
inside the unit of work); asking the same route here first, on copies of the stops,
fills the router's cache, so the service's call is a cache hit (or, right after a
provider failure, the estimate at once). A geocoding server is asked the same way for
stops booked by address. With the embedded estimate and geocoder there is nothing to
wait for, and nothing is done.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from freight.db import end_read
from freight.errors import DomainError
from freight.places.geocoder import Geocoder
from freight.places.placing import place_stops
from freight.routing.router import Router, route_unlocked
from freight.shipments.schemas import PlacedStop, StopIn


async def prefetch(
    session: AsyncSession, router: Router, stops: Sequence[StopIn], geocoder: Geocoder | None
) -> None:
    """Ask ``router`` for these stops' route now, and a geocoding server for their places
    (call before the unit of work writes; the service's own calls then hit the caches)."""
    unplaced = any(s.lat is None or s.lng is None for s in stops)
    if not router.remote and not (unplaced and geocoder is not None and geocoder.remote):
        return
    copies = [stop.model_copy() for stop in stops]  # placing fills them in
    if geocoder is not None and unplaced:
        if geocoder.remote:
            await end_read(session)
        try:
            await place_stops(copies, geocoder)
        except DomainError:
            return  # the booking itself says which stop cannot be placed
    if router.remote and all(s.lat is not None and s.lng is not None for s in copies):
        placed = [PlacedStop.model_validate(s.model_dump()) for s in copies]
        await route_unlocked(session, router, placed)
