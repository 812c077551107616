"""Warnings about a shipment: what a person would want to know before a write lands.

Pure functions over the shipment's stops and weight, a vehicle's capacity, a position
and the time, so the API and the pages say the same (the services call them, and
``freight.shipments.heed`` decides what a warning does to the write: by itself, nothing).
Messages are sentences for people, with weights and distances in the organisation's
units and times in the stop's own zone; the API stays metric and UTC, only the words
follow the organisation's presentation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from freight import formatting as fmt
from freight.fleet.equipment import typical_capacity_kg
from freight.geo import haversine_km
from freight.identity.organization import Presentation
from freight.shipments.models import Stop

Code = Literal[
    "pickup_window_past",
    "weight_implausible",
    "weight_over_capacity",
    "pickup_window_closed",
    "far_from_stop",
    "outside_window",
]
CODES: tuple[str, ...] = get_args(Code)
# Each code in a few words, for a timeline line ("Warning overridden (...): reason").
LABELS: dict[str, str] = {
    "pickup_window_past": "pickup window already past",
    "weight_implausible": "implausible weight",
    "weight_over_capacity": "weight over capacity",
    "pickup_window_closed": "pickup window closed for the driver",
    "far_from_stop": "recorded far from the stop",
    "outside_window": "recorded outside the window",
}
assert set(LABELS) == set(CODES), "every code has its words"

# Below ~22 lb nobody books a truck: a typo, or the weight typed in the wrong unit.
MIN_PLAUSIBLE_KG = 10.0
# 80,000 lb, the US federal gross limit for truck, trailer and load together: no load
# on one truck weighs more (a heavier figure is a typo, or kg typed as lb).
MAX_PLAUSIBLE_KG = 80_000 * fmt.KG_PER_LB
# Further than a big yard, its access road and a geocoding error together.
FAR_FROM_STOP_KM = 5.0
# Early or late by more than this is "far outside" a window (docks absorb less).
WINDOW_GRACE = timedelta(hours=2)
# A reported position older than this says little about where a pickup happened.
FRESH_POSITION = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class ShipmentWarning:
    """One thing a person should know about a write: a stable code and a sentence."""

    code: Code
    message: str


@dataclass(frozen=True, slots=True)
class Fix:
    """Where the truck was (from the write itself, or its last reported position)."""

    lat: float
    lng: float


def _place(stop: Stop) -> str:
    return f"{stop.city}, {stop.region}" if stop.region else stop.city


def _site(stop: Stop) -> str:
    return f"{stop.name} ({_place(stop)})" if stop.name else f"the {stop.kind} in {_place(stop)}"


def _at(moment: datetime, stop: Stop, shown: Presentation) -> str:
    return fmt.when(moment, stop.timezone, shown.locale)


def span(delta: timedelta) -> str:
    """A duration as people say it: ``45 min``, ``3 h 20 min``, ``2 days 4 h``."""
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes >= 180:
        minutes = round(minutes / 60) * 60  # past a few hours, minutes are noise
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        day_word = "day" if days == 1 else "days"
        return f"{days} {day_word} {hours} h" if hours else f"{days} {day_word}"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def pickup_window_past(stops: Iterable[Stop], now: datetime) -> list[Stop]:
    """The pickup stops whose window has already closed."""
    return [s for s in stops if s.kind == "pickup" and s.window_end <= now]


def window_past(stops: Iterable[Stop], now: datetime, shown: Presentation) -> list[ShipmentWarning]:
    """``pickup_window_past`` when a pickup's window closed before the booking or edit."""
    late = pickup_window_past(stops, now)
    if not late:
        return []
    first, others = late[0], len(late) - 1
    more = f" (and {others} other pickup{'s' if others > 1 else ''})" if others else ""
    message = (
        f"The pickup window in {_place(first)}{more} already closed "
        f"({_at(first.window_end, first, shown)}). Check the date, or agree a new window."
    )
    return [ShipmentWarning("pickup_window_past", message)]


def weight(
    weight_kg: float,
    equipment_type: str,
    shown: Presentation,
    vehicle_kg: float | None = None,
    vehicle_number: str | None = None,
) -> list[ShipmentWarning]:
    """``weight_implausible`` for a zero, tiny or impossible weight, else
    ``weight_over_capacity`` over the truck's capacity (its own, else its equipment's)."""
    said = fmt.weight(weight_kg, shown.units, shown.locale)
    if weight_kg <= 0:
        message = "The weight is 0: enter what the load weighs, so the truck can be planned."
        return [ShipmentWarning("weight_implausible", message)]
    if weight_kg < MIN_PLAUSIBLE_KG:
        message = f"A weight of {said} is less than any truckload. Check the weight and its unit."
        return [ShipmentWarning("weight_implausible", message)]
    if weight_kg > MAX_PLAUSIBLE_KG:
        limit = fmt.weight(MAX_PLAUSIBLE_KG, shown.units, shown.locale)
        message = (
            f"A weight of {said} is more than a whole truck and its load may weigh "
            f"({limit}). "
            "Check the weight and its unit."
        )
        return [ShipmentWarning("weight_implausible", message)]
    capacity = vehicle_kg if vehicle_kg is not None else typical_capacity_kg(equipment_type)
    if capacity is None or weight_kg <= capacity:
        return []
    can = fmt.weight(capacity, shown.units, shown.locale)
    if vehicle_kg is not None:
        truck = f"truck {vehicle_number}" if vehicle_number else "the assigned truck"
        message = f"At {said} the load is heavier than {truck} carries ({can})."
    else:
        kind = equipment_type.replace("_", " ")
        message = f"At {said} the load is heavier than a {kind} typically carries ({can})."
    return [ShipmentWarning("weight_over_capacity", message)]


def pickup_reachable(
    pickup: Stop, now: datetime, arrival: datetime | None, shown: Presentation
) -> list[ShipmentWarning]:
    """``pickup_window_closed`` when the driver cannot be at the pickup before its window
    ends: it already has, or their estimated arrival (None: unknown) is after it."""
    closes = _at(pickup.window_end, pickup, shown)
    if pickup.window_end <= now:
        message = (
            f"The pickup window in {_place(pickup)} already closed ({closes}): "
            "no driver can get there in time. Agree a new window first."
        )
        return [ShipmentWarning("pickup_window_closed", message)]
    if arrival is not None and arrival > pickup.window_end:
        message = (
            f"This driver would reach the pickup in {_place(pickup)} around "
            f"{_at(arrival, pickup, shown)}, {span(arrival - pickup.window_end)} after its "
            f"window closes ({closes})."
        )
        return [ShipmentWarning("pickup_window_closed", message)]
    return []


def position_for(
    lat: float | None,
    lng: float | None,
    last: tuple[float | None, float | None, datetime | None],
    at: datetime,
) -> Fix | None:
    """Where a pickup or delivery happened: the position sent with it, else the last one
    reported if it is fresh (``FRESH_POSITION``), else unknown."""
    if lat is not None and lng is not None:
        return Fix(lat, lng)
    last_lat, last_lng, last_at = last
    if last_lat is None or last_lng is None or last_at is None:
        return None
    return Fix(last_lat, last_lng) if abs(at - last_at) <= FRESH_POSITION else None


VERBS = {"pickup": "Picked up", "delivery": "Delivered"}


def on_site(
    stop: Stop, what: str, at: datetime, where: Fix | None, shown: Presentation
) -> list[ShipmentWarning]:
    """``far_from_stop`` and ``outside_window`` for a pickup or delivery (``what``)
    recorded at ``at`` and ``where`` (None: no position known, so no distance check)."""
    found: list[ShipmentWarning] = []
    done = VERBS.get(what, what.capitalize())
    if where is not None:
        km = haversine_km(where.lat, where.lng, stop.lat, stop.lng)
        if km > FAR_FROM_STOP_KM:
            away = fmt.distance(km, shown.units, shown.locale)
            found.append(ShipmentWarning("far_from_stop", f"{done} {away} from {_site(stop)}."))
    recorded = _at(at, stop, shown)
    if at > stop.window_end + WINDOW_GRACE:
        late, closed = span(at - stop.window_end), _at(stop.window_end, stop, shown)
        message = f"{done} {recorded}: {late} after the {what} window closed ({closed})."
        found.append(ShipmentWarning("outside_window", message))
    elif at < stop.window_start - WINDOW_GRACE:
        early, opens = span(stop.window_start - at), _at(stop.window_start, stop, shown)
        message = f"{done} {recorded}: {early} before the {what} window opens ({opens})."
        found.append(ShipmentWarning("outside_window", message))
    return found
