"""The embedded default: great-circle distance times the road factor, at the planning speed.

No network, no data: good enough to quote and plan with anywhere, and labelled
``"estimate"`` wherever it is shown or stored. It is also what a configured provider
falls back to, leg by leg and pair by pair.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from freight.geo import haversine_km, haversine_matrix_km
from freight.routing.router import ESTIMATE, Leg, Matrix, Point, Route, Source

SECONDS_PER_HOUR = 3600.0


class EstimateRouter:
    """``Router`` from geometry alone."""

    name: Source = ESTIMATE
    remote = False

    def __init__(self, road_factor: float, average_speed_kmh: float) -> None:
        if not road_factor > 0 or not average_speed_kmh > 0:
            raise ValueError("road_factor and average_speed_kmh must be positive")
        self.road_factor = road_factor
        self.average_speed_kmh = average_speed_kmh

    def leg(self, a: Point, b: Point, from_sequence: int = 1) -> Leg:
        """The estimated leg from ``a`` to ``b``."""
        km = haversine_km(a.lat, a.lng, b.lat, b.lng) * self.road_factor
        seconds = km / self.average_speed_kmh * SECONDS_PER_HOUR
        return Leg(from_sequence, from_sequence + 1, km, seconds, ESTIMATE)

    def route_now(self, stops: Sequence[Point]) -> Route:
        """The estimated route, computed at once (no await needed)."""
        pairs = itertools.pairwise(stops)
        return Route(tuple(self.leg(a, b, i) for i, (a, b) in enumerate(pairs, start=1)))

    async def route(self, stops: Sequence[Point]) -> Route:
        """The estimated legs between consecutive stops."""
        return self.route_now(stops)

    def matrix_now(self, sources: Sequence[Point], targets: Sequence[Point]) -> Matrix:
        """The estimated matrix, vectorised (a 1,000 x 1,000 matrix in tens of ms)."""
        km = haversine_matrix_km(
            [p.lat for p in sources],
            [p.lng for p in sources],
            [p.lat for p in targets],
            [p.lng for p in targets],
        ).reshape(len(sources), len(targets))
        km *= self.road_factor
        seconds = km * (SECONDS_PER_HOUR / self.average_speed_kmh)
        return Matrix(km, seconds, np.ones(km.shape, dtype=np.bool_), ESTIMATE)

    async def matrix(self, sources: Sequence[Point], targets: Sequence[Point]) -> Matrix:
        """Every source to every target, estimated."""
        return self.matrix_now(sources, targets)

    async def aclose(self) -> None:
        """Nothing to release."""
