"""A shipment's stops: their own rules, placing the ones booked by address, and writing
them onto the shipment with its route distance and search text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from freight.errors import ValidationFailed
from freight.places.geocoder import Geocoder
from freight.places.placing import TYPED, Geocode, place_stops
from freight.routing.router import ESTIMATE, Route
from freight.shipments.models import Shipment, Stop
from freight.shipments.schemas import PlacedStop, StopIn
from freight.timezones import zone_at


def stop_error(
    i: int | None, field: str | None, msg: str, kind: str | None = None
) -> dict[str, Any]:
    """One stop's error (``kind`` lets a page word it for people)."""
    loc: list[str | int] = ["body", "stops"]
    if i is not None:
        loc.append(i)
    if field is not None:
        loc.append(field)
    return {"loc": loc, "msg": msg} | ({"type": kind} if kind else {})


def validate_stops(stops: list[StopIn]) -> None:
    """Pickup first, delivery last, windows that end after they start, delivery after pickup."""
    errors: list[dict[str, Any]] = []
    if not any(s.kind == "pickup" for s in stops):
        errors.append(stop_error(None, None, "at least one pickup stop is required"))
    if not any(s.kind == "delivery" for s in stops):
        errors.append(stop_error(None, None, "at least one delivery stop is required"))
    if stops and stops[0].kind != "pickup":
        errors.append(stop_error(0, "kind", "the first stop is a pickup"))
    if stops and stops[-1].kind != "delivery":
        errors.append(stop_error(len(stops) - 1, "kind", "the last stop is a delivery"))
    earliest_pickup: datetime | None = None
    for i, stop in enumerate(stops):
        if stop.window_end <= stop.window_start:
            errors.append(stop_error(i, "window_end", "must be after window_start", "window_order"))
        if stop.kind == "pickup":
            if earliest_pickup is None or stop.window_start < earliest_pickup:
                earliest_pickup = stop.window_start
        elif earliest_pickup is not None and stop.window_end <= earliest_pickup:
            msg = "delivery must end after the pickup window starts"
            errors.append(stop_error(i, "window_end", msg, "delivery_before_pickup"))
    if errors:
        raise ValidationFailed("the stops are not valid", errors=errors)


def search_text(reference: str, stops: Sequence[StopIn] | Sequence[Stop]) -> str:
    places = " ".join(f"{s.city} {s.region or ''} {s.postal_code or ''}" for s in stops)
    return f"{reference} {places}".lower()


async def placed(
    stops: list[StopIn], geocoder: Geocoder | None
) -> tuple[list[PlacedStop], list[Geocode]]:
    """The stops with coordinates (those booked by address placed by ``geocoder``: see
    ``freight.places.placing``), and how each was found."""
    if geocoder is None:
        missing = [i for i, s in enumerate(stops) if s.lat is None]
        if missing:
            errors = [stop_error(i, "lat", "required (no geocoder here)") for i in missing]
            raise ValidationFailed("the stops need coordinates", errors=errors)
        geocodes = [TYPED] * len(stops)
    else:
        geocodes = await place_stops(stops, geocoder)
    return [PlacedStop.model_validate(s.model_dump()) for s in stops], geocodes


async def checked_and_placed(
    stops: list[StopIn], geocoder: Geocoder | None
) -> tuple[list[PlacedStop], list[Geocode]]:
    """The stops' own rules and their places, every problem of both said at once."""
    problems: list[dict[str, Any]] = []
    try:
        validate_stops(stops)
    except ValidationFailed as exc:
        problems += exc.errors
    try:
        return_value = await placed(stops, geocoder)
    except ValidationFailed as exc:
        problems += exc.errors
    if problems:
        raise ValidationFailed("the stops are not valid", errors=problems)
    return return_value


def set_stops(
    shipment: Shipment, stops: list[PlacedStop], route: Route, geocodes: list[Geocode]
) -> None:
    """Replace the shipment's stops (numbered, each with its zone and how it was placed),
    with the route's distance and the text the list searches."""
    shipment.stops = []
    # Only a router's answers are kept: an estimated leg is recomputed wherever it is needed.
    reaching = {leg.to_sequence: leg for leg in route.legs if leg.source != ESTIMATE}
    for i, (stop, how) in enumerate(zip(stops, geocodes, strict=True)):
        leg = reaching.get(i + 1)
        shipment.stops.append(
            Stop(
                sequence=i + 1,
                timezone=zone_at(stop.lat, stop.lng),
                geocode_source=how.source,
                geocode_precision=how.precision,
                leg_km=round(leg.distance_km, 3) if leg else None,
                leg_duration_s=round(leg.duration_s, 1) if leg else None,
                leg_source=leg.source if leg else None,
                leg_polyline=leg.polyline if leg else None,
                **stop.model_dump(),
            )
        )
    shipment.distance_km = route.distance_km
    shipment.distance_source = route.source
    shipment.search_text = search_text(shipment.reference, stops)


STOP_FIELDS = tuple(StopIn.model_fields)


def same_stops(current: Sequence[Stop], incoming: list[dict[str, Any]]) -> bool:
    if len(current) != len(incoming):
        return False
    for stop, new in zip(current, incoming, strict=True):
        parsed = StopIn.model_validate(new)
        if any(getattr(stop, f) != getattr(parsed, f) for f in STOP_FIELDS):
            return False
    return True


def changed_stop_fields(current: Sequence[Stop], new: Sequence[StopIn]) -> list[str]:
    """``"2.window_end"`` for each stop field an edit changes (``"count"`` when stops are
    added or removed), so a timeline can say which window moved."""
    if len(current) != len(new):
        return ["count"]
    return [
        f"{stop.sequence}.{f}"
        for stop, incoming in zip(current, new, strict=True)
        for f in STOP_FIELDS
        if getattr(stop, f) != getattr(incoming, f)
    ]
