"""Valhalla's HTTP API: ``POST /route`` for a leg, ``POST /sources_to_targets`` for a matrix.

Locations are ``{"lat", "lon"}`` objects and distances come in the ``units`` asked for
(kilometres here). A route answers ``{"trip": {"legs": [{"shape", "summary": {"length",
"time"}}], "units"}}`` with each leg's shape encoded at 1e-6 degree; a matrix answers
``sources_to_targets`` as rows of ``{"distance", "time"}`` (``null`` where no road joins
a pair). Errors are a 4xx with ``error_code`` and ``error``.
"""

from __future__ import annotations

from typing import Any

from freight.routing import polyline
from freight.routing.provider import (
    Coord,
    HttpProvider,
    RawLeg,
    RawTable,
    bad,
    number,
    optional_number,
    rows,
)
from freight.routing.router import Source

COSTING = {"truck": "truck", "car": "auto"}
SHAPE_PRECISION = 6
KM_PER_MILE = 1.609344


def _location(point: Coord) -> dict[str, float]:
    return {"lat": point.lat, "lon": point.lng}


def _metres_per_unit(body: dict[str, Any]) -> float:
    units = body.get("units", "kilometers")
    if units in ("kilometers", "km"):
        return 1000.0
    if units in ("miles", "mi"):
        return KM_PER_MILE * 1000.0
    raise bad("distances in unknown units")


class ValhallaProvider(HttpProvider):
    """A client of a Valhalla server."""

    name: Source = "valhalla"
    matrix_block = 50  # 2,500 pairs: Valhalla's default max_matrix_location_pairs

    def __init__(self, base_url: str, timeout_s: float, profile: str) -> None:
        super().__init__(base_url, timeout_s)
        self.costing = COSTING[profile]

    async def leg(self, a: Coord, b: Coord) -> RawLeg:
        """The road from ``a`` to ``b`` with its shape, and no turn-by-turn directions."""
        body = await self.request_json(
            "POST",
            "/route",
            json={
                "locations": [_location(a), _location(b)],
                "costing": self.costing,
                "directions_options": {"units": "kilometers", "directions_type": "none"},
            },
        )
        trip = body.get("trip") if isinstance(body, dict) else None
        if not isinstance(trip, dict):
            raise bad("no trip in the answer")
        legs = trip.get("legs")
        if not isinstance(legs, list) or not legs or not isinstance(legs[0], dict):
            raise bad("a trip without legs")
        summary = legs[0].get("summary")
        if not isinstance(summary, dict):
            raise bad("a leg without a summary")
        shape = legs[0].get("shape")
        line = None
        if shape is not None:
            if not isinstance(shape, str):
                raise bad("a shape that is not an encoded polyline")
            try:
                line = polyline.reencode(shape, SHAPE_PRECISION)
            except ValueError:
                raise bad("a malformed shape") from None
        metres = number(summary.get("length")) * _metres_per_unit(trip)
        return RawLeg(metres, number(summary.get("time")), line)

    async def table(self, sources: list[Coord], targets: list[Coord]) -> RawTable:
        """Distances and durations from every source to every target."""
        body = await self.request_json(
            "POST",
            "/sources_to_targets",
            json={
                "sources": [_location(p) for p in sources],
                "targets": [_location(p) for p in targets],
                "costing": self.costing,
                "units": "kilometers",
                "verbose": True,
            },
        )
        if not isinstance(body, dict):
            raise bad("the answer is not an object")
        scale = _metres_per_unit(body)
        cells = body.get("sources_to_targets")
        n, m = len(sources), len(targets)
        if isinstance(cells, dict):  # the concise form (verbose: false) of newer versions
            km = rows(cells.get("distances"), n, m)
            seconds = rows(cells.get("durations"), n, m)
        else:
            km, seconds = _verbose(cells, n, m)
        metres = [[None if v is None else v * scale for v in row] for row in km]
        return RawTable(metres, seconds)


Rows = list[list[float | None]]


def _verbose(cells: Any, n: int, m: int) -> tuple[Rows, Rows]:
    """Rows of ``{"distance", "time"}`` cells, as two tables."""
    if not isinstance(cells, list) or len(cells) != n:
        raise bad("a matrix with the wrong number of rows")
    km: Rows = []
    seconds: Rows = []
    for row in cells:
        if not isinstance(row, list) or len(row) != m:
            raise bad("a matrix row with the wrong number of cells")
        if not all(isinstance(cell, dict) for cell in row):
            raise bad("a matrix cell that is not an object")
        km.append([optional_number(cell.get("distance")) for cell in row])
        seconds.append([optional_number(cell.get("time")) for cell in row])
    return km, seconds
