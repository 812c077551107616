"""The lines the maps draw: the road's shape where a leg has one, thinned; straight legs
elsewhere; for the public page cut back from the stops to their rounded points."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from freight.geo import haversine_km
from freight.routing import polyline
from freight.routing.shapes import MAX_POINTS, lines, thin


@dataclass
class At:
    lat: float
    lng: float
    leg_polyline: str | None = None


def along(a: tuple[float, float], b: tuple[float, float], n: int) -> list[tuple[float, float]]:
    return [
        (a[0] + (b[0] - a[0]) * i / (n - 1), a[1] + (b[1] - a[1]) * i / (n - 1)) for i in range(n)
    ]


CHICAGO, DALLAS, HOUSTON = (41.8781, -87.6298), (32.7767, -96.797), (29.7604, -95.3698)


def test_thinning_keeps_the_ends_and_at_most_the_limit() -> None:
    points = along(CHICAGO, DALLAS, 5000)
    kept = thin(points, 300)
    assert len(kept) == 300 and kept[0] == points[0] and kept[-1] == points[-1]
    assert thin(points[:10], 300) == points[:10]


def test_a_leg_with_a_shape_is_the_road_and_one_without_is_straight() -> None:
    road = along(CHICAGO, DALLAS, 2000)
    stops = [At(*CHICAGO), At(*DALLAS, polyline.encode(road)), At(*HOUSTON)]
    first, second = lines(stops)
    assert first["road"] is True and len(first["points"]) == MAX_POINTS
    assert first["points"][0] == [CHICAGO[0], CHICAGO[1]]
    assert first["points"][-1] == [DALLAS[0], DALLAS[1]]
    assert second == {"points": [list(DALLAS), list(HOUSTON)], "road": False}


def test_a_broken_shape_is_drawn_straight() -> None:
    stops = [At(*CHICAGO), At(*DALLAS, "not a polyline \x01")]
    assert lines(stops) == [{"points": [list(CHICAGO), list(DALLAS)], "road": False}]


def test_for_anyone_the_road_stops_short_of_each_stop_and_joins_its_rounded_point() -> None:
    road = along(CHICAGO, DALLAS, 400)
    stops = [At(*CHICAGO), At(*DALLAS, polyline.encode(road))]
    shown = [
        (round(CHICAGO[0], 1), round(CHICAGO[1], 1)),
        (round(DALLAS[0], 1), round(DALLAS[1], 1)),
    ]
    (line,) = lines(stops, shown, clear_km=10)
    assert line["points"][0] == list(shown[0]) and line["points"][-1] == list(shown[1])
    for lat, lng in line["points"][1:-1]:
        for stop in (CHICAGO, DALLAS):
            assert haversine_km(lat, lng, *stop) > 10
    assert len(line["points"]) > 100
    assert line["points"][1][0] == pytest.approx(CHICAGO[0], abs=0.2)
