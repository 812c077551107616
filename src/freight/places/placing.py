"""Putting a stop on the map from its address: the postal code, else the city in its
region and country, through the configured geocoder.

A stop that arrives with coordinates keeps them (``source: "client"``, ``precision:
"point"``); one without is placed here before the booking is checked, and remembers how
(``source`` the provider, ``precision`` ``postal_code`` or ``city``). A stop that cannot
be placed is refused naming it, with the places that come closest as suggestions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from freight.errors import ValidationFailed
from freight.places.geocoder import Geocoder, Place, PlaceQuery

SUGGESTIONS = 3


class Addressed(Protocol):
    """What placing reads of a stop and fills in (a ``StopIn``)."""

    city: str
    region: str | None
    postal_code: str | None
    country: str
    lat: float | None
    lng: float | None


@dataclass(frozen=True, slots=True)
class Geocode:
    """How a stop's coordinates were found."""

    source: str  # "client", or the geocoder's name ("embedded", "nominatim"...)
    precision: str  # "point" (typed), "street", "postal_code" or "city"


TYPED = Geocode("client", "point")


def _label(place: Place) -> str:
    return f"{place.name}, {place.region or place.country}"


async def _find(stop: Addressed, geocoder: Geocoder) -> tuple[Place | None, list[Place]]:
    """The place for a stop's address, and suggestions when there is none."""
    country = stop.country.upper()
    if stop.postal_code and country == "US":
        found = await geocoder.search(PlaceQuery(stop.postal_code.strip()[:5], "US", limit=1))
        if found:
            return found[0], []
    typed = stop.city.strip()
    hinted = f"{typed}, {stop.region.strip()}" if stop.region and stop.region.strip() else typed
    found = await geocoder.search(PlaceQuery(hinted, country, country, limit=SUGGESTIONS))
    wanted = typed.casefold()
    exact = [p for p in found if p.name.casefold() == wanted and _region_fits(p, stop.region)]
    if exact:
        return exact[0], []
    if found and not stop.region:
        return found[0], []  # no region to check against: the best match
    return None, found or await geocoder.search(PlaceQuery(typed, country, limit=SUGGESTIONS))


def _region_fits(place: Place, region: str | None) -> bool:
    return not region or (place.region or "").casefold() == region.strip().casefold()


async def place_stops(stops: Sequence[Addressed], geocoder: Geocoder) -> list[Geocode]:
    """Fill in the coordinates of every stop without them; how each was found, in order.

    Raises ``ValidationFailed`` naming each stop that cannot be placed, with suggestions.
    """
    found: list[Geocode] = []
    errors = []
    for i, stop in enumerate(stops):
        if stop.lat is not None and stop.lng is not None:
            found.append(TYPED)
            continue
        place, suggestions = await _find(stop, geocoder)
        if place is None:
            names = "; ".join(_label(p) for p in suggestions)
            msg = f"cannot find {stop.city!r} in {stop.country}"
            msg += f"; did you mean {names}?" if names else "; check the city and postal code"
            errors.append(
                {
                    "loc": ["body", "stops", i, "city"],
                    "msg": msg,
                    "type": "unplaceable",
                    "ctx": {"suggestions": [_label(p) for p in suggestions]},
                }
            )
            found.append(TYPED)
            continue
        stop.lat, stop.lng = place.lat, place.lng
        if not stop.region and place.region:
            stop.region = place.region
        found.append(Geocode(place.source, place.precision))
    if errors:
        raise ValidationFailed("some stops could not be placed", errors=errors)
    return found


async def place_named(
    text: str, geocoder: Geocoder, prefer_country: str | None = None
) -> tuple[Place | None, list[Place]]:
    """The place a person means by ``Joplin``, ``Joplin, MO`` or a US ZIP code (a driver's
    home base, a yard), and the closest matches as suggestions when none is certain: a
    name that matches exactly, in the typed region when one is given."""
    typed = text.strip()
    found = await geocoder.search(PlaceQuery(typed, prefer_country=prefer_country, limit=5))
    if typed.isdigit():
        return (found[0], []) if found else (None, [])
    name, _, rest = typed.partition(",")
    region = rest.split(",")[0].strip().casefold()
    for place in found:
        if place.name.casefold() != name.strip().casefold():
            continue
        if not region or region in ((place.region or "").casefold(), place.country.casefold()):
            return place, []
    return None, found[:SUGGESTIONS]


def label(place: Place) -> str:
    """``Joplin, MO``: how a page names a place."""
    return _label(place)
