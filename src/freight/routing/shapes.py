"""The lines a map draws between a shipment's stops: the road's shape where the router
gave one (``Stop.leg_polyline``), a straight leg where it did not.

A shape is thinned to at most ``MAX_POINTS`` points per leg (a 2,000 km OSRM route has
thousands; a map at country zoom needs a few hundred). For a page anyone may open (the
public tracking page) the road is cut back ``clear_km`` from each stop and joined to the
stop's rounded point, so the line does not lead to the dock's door.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol, TypedDict

from freight.geo import haversine_km
from freight.routing import polyline

MAX_POINTS = 300
LatLng = tuple[float, float]


class LegStop(Protocol):
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...
    @property
    def leg_polyline(self) -> str | None: ...


class Line(TypedDict):
    points: list[list[float]]  # [lat, lng] pairs, as Leaflet takes them
    road: bool  # the road's shape (else a straight leg between the stops)


def thin(points: Sequence[LatLng], max_points: int = MAX_POINTS) -> list[LatLng]:
    """At most ``max_points`` of the points, evenly spaced, the first and last kept."""
    if len(points) <= max_points:
        return list(points)
    step = (len(points) - 1) / (max_points - 1)
    return [points[round(i * step)] for i in range(max_points)]


def _road(stop: LegStop) -> list[LatLng] | None:
    if not stop.leg_polyline:
        return None
    try:
        points = polyline.decode(stop.leg_polyline)
    except ValueError:
        return None
    return points if len(points) >= 2 else None


def _clear_of(points: list[LatLng], ends: Sequence[LatLng], km: float) -> list[LatLng]:
    return [p for p in points if all(haversine_km(*p, *end) > km for end in ends)]


def lines(
    stops: Sequence[LegStop],
    shown: Sequence[LatLng] | None = None,
    *,
    clear_km: float = 0.0,
    max_points: int = MAX_POINTS,
) -> list[Line]:
    """The line of each leg, in order. ``shown``: where the page draws each stop (rounded
    on the public page; the stops' own points by default); ``clear_km``: how far from each
    stop the road is cut back."""
    at = list(shown) if shown is not None else [(s.lat, s.lng) for s in stops]
    out: list[Line] = []
    for i, (before, after) in enumerate(itertools.pairwise(stops)):
        start, end = at[i], at[i + 1]
        road = _road(after)
        if road is None:
            out.append({"points": [list(start), list(end)], "road": False})
            continue
        if clear_km > 0:  # the road away from the stops, joined to where they are shown
            road = _clear_of(road, [(before.lat, before.lng), (after.lat, after.lng)], clear_km)
            points = [start, *thin(road, max_points - 2), end]
        else:  # the road, its ends at the stops as drawn
            points = [start, *thin(road, max_points)[1:-1], end]
        out.append({"points": [[round(a, 5), round(b, 5)] for a, b in points], "road": True})
    return out
