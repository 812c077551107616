"""The ``Router`` interface: legs between consecutive stops, and a distance matrix.

Every distance and duration says where it came from (``source``): ``"estimate"`` (the
great-circle distance times the road factor, at the planning speed) or the provider
that answered (``"osrm"``, ``"valhalla"``, ``"graphhopper"``). A configured provider
that fails is answered by the estimate, so callers always get a number, and a label
that tells them how far to trust it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession

from freight.db import end_read

Source = Literal["estimate", "osrm", "valhalla", "graphhopper"]
ESTIMATE: Source = "estimate"
# How a source is named to people (an invoice line, a page).
LABELS: dict[str, str] = {
    "estimate": "road estimate",
    "osrm": "OSRM",
    "valhalla": "Valhalla",
    "graphhopper": "GraphHopper",
}


@dataclass(frozen=True)
class Leg:
    """The road from one stop to the next (sequences count from 1, as stops do)."""

    from_sequence: int
    to_sequence: int
    distance_km: float
    duration_s: float
    source: Source
    polyline: str | None = None  # encoded at 1e-5 degree (``freight.routing.polyline``)


@dataclass(frozen=True)
class Route:
    """The legs along a shipment's stops, in order."""

    legs: tuple[Leg, ...]

    @property
    def distance_km(self) -> float:
        """The whole route, to 0.1 km (what is stored and priced)."""
        return round(sum(leg.distance_km for leg in self.legs), 1)

    @property
    def duration_s(self) -> int:
        """The whole drive, in seconds, without rests or dwell."""
        return round(sum(leg.duration_s for leg in self.legs))

    @property
    def source(self) -> Source:
        """The provider when it answered every leg, else ``"estimate"`` (wholly or partly)."""
        sources = {leg.source for leg in self.legs}
        return sources.pop() if len(sources) == 1 else ESTIMATE


@dataclass(frozen=True)
class Matrix:
    """Distances and durations from each source (rows) to each target (columns)."""

    distance_km: npt.NDArray[np.float64]
    duration_s: npt.NDArray[np.float64]
    estimated: npt.NDArray[np.bool_]  # True where the estimate stands in for the provider
    source: Source  # the provider asked (``"estimate"`` when none is configured)

    @property
    def estimated_pairs(self) -> int:
        """How many pairs the estimate answered."""
        return int(self.estimated.sum())


class Point(Protocol):
    """Anything with a latitude and longitude in degrees (a stop, a quote's stop, a driver)."""

    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...


class Router(Protocol):
    """Road distance and time; never raises for a provider's failure (it falls back)."""

    name: Source
    remote: bool  # True when answers may come over the network (slow, may wait)

    async def route(self, stops: Sequence[Point]) -> Route:
        """The legs between consecutive stops (none for fewer than two)."""
        ...

    async def matrix(self, sources: Sequence[Point], targets: Sequence[Point]) -> Matrix:
        """Every source to every target, with the estimate for pairs the provider lacks."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


async def route_unlocked(session: AsyncSession, router: Router, stops: Sequence[Point]) -> Route:
    """The route, asked with no transaction open when the answer may come over the network.

    A write request on SQLite holds the database's write lock from its first statement, and
    on PostgreSQL a pooled connection; neither should wait on a routing server. Call it
    before the unit of work writes anything (it ends the read so far).
    """
    if router.remote:
        await end_read(session)
    return await router.route(stops)
