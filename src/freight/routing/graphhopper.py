"""GraphHopper's HTTP API: ``GET /route`` for a leg, ``POST /matrix`` for a matrix.

The hosted Directions API (``https://graphhopper.com/api/1``) takes the API key as the
``key`` query parameter; a self-hosted server needs none, and has ``/route`` only (the
Matrix API is part of the hosted service: without it the matrix falls back to the
estimate). A route answers ``{"paths": [{"distance": m, "time": ms, "points": encoded,
"points_encoded_multiplier": 1e5}]}``; note the time in milliseconds. A matrix answers
``distances`` (m) and ``times`` (s) row by source, ``null`` where no road joins a pair
(``fail_fast: false``). Errors are a 4xx with a ``message``.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import SecretStr

from freight.routing import polyline
from freight.routing.provider import Coord, HttpProvider, RawLeg, RawTable, bad, number, rows
from freight.routing.router import Source

PROFILES = {"truck": "truck", "car": "car"}


class GraphHopperProvider(HttpProvider):
    """A client of GraphHopper's Directions API or a self-hosted GraphHopper server."""

    name: Source = "graphhopper"
    matrix_block = 50

    def __init__(
        self, base_url: str, timeout_s: float, profile: str, key: SecretStr | None
    ) -> None:
        super().__init__(base_url, timeout_s)
        self.profile = PROFILES[profile]
        self._key = key

    def _auth(self) -> dict[str, str]:
        return {"key": self._key.get_secret_value()} if self._key is not None else {}

    async def leg(self, a: Coord, b: Coord) -> RawLeg:
        """The road from ``a`` to ``b`` with its encoded points, and no instructions."""
        params: list[tuple[str, str]] = [
            ("point", f"{a.lat:.6f},{a.lng:.6f}"),
            ("point", f"{b.lat:.6f},{b.lng:.6f}"),
            ("profile", self.profile),
            ("points_encoded", "true"),
            ("instructions", "false"),
            ("calc_points", "true"),
            *self._auth().items(),
        ]
        body = await self.request_json("GET", "/route", params=params)
        paths = body.get("paths") if isinstance(body, dict) else None
        if not isinstance(paths, list) or not paths or not isinstance(paths[0], dict):
            raise bad("no paths in the answer")
        path: dict[str, Any] = paths[0]
        return RawLeg(number(path.get("distance")), number(path.get("time")) / 1000, _line(path))

    async def table(self, sources: list[Coord], targets: list[Coord]) -> RawTable:
        """Distances and durations from every source to every target."""
        body = await self.request_json(
            "POST",
            "/matrix",
            params=self._auth(),
            json={
                "from_points": [[p.lng, p.lat] for p in sources],
                "to_points": [[p.lng, p.lat] for p in targets],
                "out_arrays": ["distances", "times"],
                "profile": self.profile,
                "fail_fast": False,
            },
        )
        if not isinstance(body, dict):
            raise bad("the answer is not an object")
        n, m = len(sources), len(targets)
        return RawTable(rows(body.get("distances"), n, m), rows(body.get("times"), n, m))


def _line(path: dict[str, Any]) -> str | None:
    """The path's points as Freight's polyline (GraphHopper may encode at 1e-6)."""
    points = path.get("points")
    if points is None:
        return None
    if not isinstance(points, str):
        raise bad("points that are not encoded")
    multiplier = path.get("points_encoded_multiplier", 1e5)
    if not isinstance(multiplier, int | float) or multiplier <= 1:
        raise bad("an unknown points multiplier")
    precision = round(math.log10(multiplier))
    if precision not in (5, 6):
        raise bad("an unknown points multiplier")
    try:
        return polyline.reencode(points, precision)
    except ValueError:
        raise bad("malformed points") from None
