"""Distance driven per truck in each jurisdiction, from GPS fixes fed in time order.

A truck's distance is the sum of the great-circle distances between its consecutive
fixes. A pair of fixes is not a driven segment (a gap: the phone was off, or a fix
jumped) when they are more than ``MAX_GAP_S`` apart in time, more than ``MAX_GAP_KM``
apart in space, or imply more than ``MAX_SPEED_KMH``; gaps are counted, not driven.

Both ends in one jurisdiction: the segment is that jurisdiction's (fixes are seconds or
minutes apart, so a segment that leaves a state and comes back is not worth a polygon
test). Ends in two jurisdictions: the straight segment (in degrees) is intersected with
the outlines it touches and its length shared in proportion to the pieces; what falls in
no outline (a river, a simplification sliver) goes half to each end's jurisdiction.

Fixes arrive in chunks (``feed``), each chunk sorted by truck then time, the chunks in
the same order; the last fix of a chunk is carried over to the next, so memory holds one
chunk. ``feed`` is CPU work: call it in a worker thread.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import shapely

from freight.geo import EARTH_RADIUS_KM
from freight.ifta.boundaries import Boundaries

MAX_GAP_S = 30 * 60
MAX_GAP_KM = 100.0
MAX_SPEED_KMH = 150.0
OUTSIDE = ""  # the key of distance driven outside every jurisdiction (at sea, in Mexico)


class Fix(NamedTuple):
    """One fix as the query yields it."""

    truck: uuid.UUID
    lat: float
    lng: float
    recorded_at: datetime


def pairwise_km(
    lats: npt.NDArray[np.float64], lngs: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Great-circle km between each point and the next (haversine), ``len - 1`` values."""
    phi = np.radians(lats)
    lmb = np.radians(lngs)
    a = (
        np.sin(np.diff(phi) / 2) ** 2
        + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(np.diff(lmb) / 2) ** 2
    )
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return result


@dataclass
class TruckMiles:
    """What one truck drove: km by jurisdiction code, and the gaps left out."""

    km: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    fixes: int = 0
    gaps: int = 0
    gap_km: float = 0.0


@dataclass
class Odometer:
    """Accumulates ``TruckMiles`` per truck over chunks of fixes."""

    boundaries: Boundaries
    trucks: dict[uuid.UUID, TruckMiles] = field(default_factory=dict)
    _last: Fix | None = None
    _last_place: int = -1

    def feed(self, chunk: Sequence[Fix]) -> None:
        """Add a chunk of fixes (sorted by truck, then time, after the previous chunk)."""
        if not chunk:
            return
        carried = self._last is not None
        fixes = [self._last, *chunk] if self._last is not None else list(chunk)
        n = len(fixes)
        lats = np.fromiter((f.lat for f in fixes), dtype=np.float64, count=n)
        lngs = np.fromiter((f.lng for f in fixes), dtype=np.float64, count=n)
        times = np.fromiter((f.recorded_at.timestamp() for f in fixes), dtype=np.float64, count=n)
        order = {truck: i for i, truck in enumerate(dict.fromkeys(f.truck for f in fixes))}
        trucks = list(order)
        truck_of = np.fromiter((order[f.truck] for f in fixes), dtype=np.int64, count=n)
        places = self.boundaries.locate(lngs, lats)
        if carried:
            places[0] = self._last_place  # placed, and counted, with its own chunk
        for index, count in enumerate(np.bincount(truck_of[int(carried) :], minlength=len(trucks))):
            if count:
                self._truck(trucks[index]).fixes += int(count)
        km = pairwise_km(lats, lngs)
        dt = np.diff(times)
        moved = (truck_of[1:] == truck_of[:-1]) & (km > 0)
        kmh = np.divide(km * 3600, dt, out=np.full_like(km, np.inf), where=dt > 0)
        gap = moved & ((dt > MAX_GAP_S) | (km > MAX_GAP_KM) | (kmh > MAX_SPEED_KMH))
        driven = moved & ~gap
        within = driven & (places[:-1] == places[1:])
        self._gaps(trucks, truck_of[:-1][gap], km[gap])
        self._within(trucks, truck_of[:-1][within], places[:-1][within], km[within])
        for i in np.flatnonzero(driven & ~within):
            miles = self.trucks[trucks[truck_of[i]]]
            ends = (lngs[i], lats[i]), (lngs[i + 1], lats[i + 1])
            self._share(miles, float(km[i]), *ends, int(places[i]), int(places[i + 1]))
        self._last, self._last_place = fixes[-1], int(places[-1])

    def _gaps(
        self, trucks: list[uuid.UUID], truck_of: npt.NDArray[np.int64], km: npt.NDArray[np.float64]
    ) -> None:
        for index in np.unique(truck_of):
            miles = self.trucks[trucks[index]]
            mine = truck_of == index
            miles.gaps += int(mine.sum())
            miles.gap_km += float(km[mine].sum())

    def _within(
        self,
        trucks: list[uuid.UUID],
        truck_of: npt.NDArray[np.int64],
        places: npt.NDArray[np.int64],
        km: npt.NDArray[np.float64],
    ) -> None:
        """Book segments whose two ends are in one jurisdiction, summed per truck and place."""
        width = len(self.boundaries.codes) + 1
        sums = np.bincount(truck_of * width + places + 1, weights=km)
        for key in np.flatnonzero(sums):
            truck, place = divmod(int(key), width)
            self.trucks[trucks[truck]].km[self._code(place - 1)] += float(sums[key])

    def _truck(self, truck: uuid.UUID) -> TruckMiles:
        found = self.trucks.get(truck)
        if found is None:
            found = self.trucks[truck] = TruckMiles()
        return found

    def _code(self, place: int) -> str:
        return self.boundaries.codes[place] if place >= 0 else OUTSIDE

    def _share(
        self,
        miles: TruckMiles,
        km: float,
        start: tuple[float, float],
        end: tuple[float, float],
        place_a: int,
        place_b: int,
    ) -> None:
        """Book one driven segment to the jurisdictions it runs through."""
        if place_a == place_b:
            miles.km[self._code(place_a)] += km
            return
        shares = self.boundaries.pieces(shapely.LineString([start, end]))
        inside = sum(shares.values())
        if inside > 1:  # neighbours' simplified outlines overlap a little
            shares = {k: v / inside for k, v in shares.items()}
            inside = 1.0
        for place, share in shares.items():
            miles.km[self._code(place)] += km * share
        rest = km * (1 - inside)
        if rest > 0:
            ends = [p for p in (place_a, place_b) if p >= 0] or [-1]
            for place in ends:
                miles.km[self._code(place)] += rest / len(ends)
