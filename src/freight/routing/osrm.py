"""OSRM's HTTP API (``osrm-routed``): ``/route/v1`` for a leg, ``/table/v1`` for a matrix.

Coordinates go in the path as ``lng,lat`` pairs joined by ``;``. A route answers
``{"code": "Ok", "routes": [{"distance": m, "duration": s, "geometry": polyline}]}``
(``geometries=polyline``: 1e-5 degree); a table answers ``distances`` and ``durations``
row by source, ``null`` where no road joins a pair. Errors are a 4xx with a ``code``
such as ``NoRoute`` or ``TooBig`` and a ``message``.
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
    rows,
)
from freight.routing.router import Source

PROFILE = "driving"  # osrm-routed serves the profile it was built with, whatever the path says


def _path(points: list[Coord]) -> str:
    return ";".join(f"{p.lng:.6f},{p.lat:.6f}" for p in points)


def _ok(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("code") != "Ok":
        raise bad("OSRM answered without code Ok")
    return body


class OsrmProvider(HttpProvider):
    """A client of an OSRM server."""

    name: Source = "osrm"
    matrix_block = 50  # osrm-routed's --max-table-size is 100 locations by default

    async def leg(self, a: Coord, b: Coord) -> RawLeg:
        """The fastest road from ``a`` to ``b`` with its full geometry."""
        body = _ok(
            await self.request_json(
                "GET",
                f"/route/v1/{PROFILE}/{_path([a, b])}",
                params={"overview": "full", "geometries": "polyline", "steps": "false"},
            )
        )
        routes = body.get("routes")
        if not isinstance(routes, list) or not routes or not isinstance(routes[0], dict):
            raise bad("no routes in the answer")
        route = routes[0]
        geometry = route.get("geometry")
        if geometry is not None:
            if not isinstance(geometry, str):
                raise bad("a geometry that is not an encoded polyline")
            try:
                polyline.reencode(geometry, polyline.PRECISION)
            except ValueError:
                raise bad("a malformed geometry") from None
        return RawLeg(number(route.get("distance")), number(route.get("duration")), geometry)

    async def table(self, sources: list[Coord], targets: list[Coord]) -> RawTable:
        """Distances and durations from every source to every target."""
        n, m = len(sources), len(targets)
        body = _ok(
            await self.request_json(
                "GET",
                f"/table/v1/{PROFILE}/{_path(sources + targets)}",
                params={
                    "sources": ";".join(str(i) for i in range(n)),
                    "destinations": ";".join(str(n + j) for j in range(m)),
                    "annotations": "distance,duration",
                },
            )
        )
        return RawTable(rows(body.get("distances"), n, m), rows(body.get("durations"), n, m))
