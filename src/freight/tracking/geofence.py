"""Arrival at and departure from stops, from a stream of accepted fixes (pure).

A truck *arrives* at the next stop (the first not arrived at, in sequence) with the first
fix within the radius, and *departs* with the first fix beyond ``EXIT_FACTOR`` times the
radius. The gap between the two circles is the hysteresis: a truck parked near the edge,
its fixes jittering by tens of metres either side of the radius, arrives once and does
not leave until it really drives away; and once departed, a stop is done (the next one is
the target), so jitter at the outer edge cannot produce a second departure either.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from freight.geo import haversine_km
from freight.tracking.filters import Fix

EXIT_FACTOR = 1.5


@dataclass
class StopState:
    id: uuid.UUID
    sequence: int
    lat: float
    lng: float
    arrived_at: datetime | None
    departed_at: datetime | None
    window_end: datetime | None = None
    leg_km: float | None = None  # the road into this stop (``freight.tracking.eta``)
    leg_duration_s: float | None = None


@dataclass(frozen=True)
class Crossing:
    kind: Literal["arrived", "departed"]
    stop: StopState
    fix: Fix

    @property
    def event_type(self) -> str:
        return f"stop.{self.kind}"


def _metres(fix: Fix, stop: StopState) -> float:
    return haversine_km(fix.lat, fix.lng, stop.lat, stop.lng) * 1000


def crossings(
    stops: Sequence[StopState], fixes: Sequence[Fix], radius_m: float, *, loaded: bool
) -> list[Crossing]:
    """Walk the fixes (oldest first), updating ``stops`` in place; return what happened.

    With the load on board, the first pickup is no longer a target (see ``eta.next_stop``).
    """
    ordered = sorted(stops, key=lambda s: s.sequence)
    targets = ordered[1:] if loaded else ordered
    found: list[Crossing] = []
    for fix in fixes:
        here = next((s for s in ordered if s.arrived_at and s.departed_at is None), None)
        if here is not None:
            if _metres(fix, here) <= radius_m * EXIT_FACTOR:
                continue
            here.departed_at = fix.recorded_at
            found.append(Crossing("departed", here, fix))
        target = next((s for s in targets if s.arrived_at is None), None)
        if target is not None and _metres(fix, target) <= radius_m:
            target.arrived_at = fix.recorded_at
            found.append(Crossing("arrived", target, fix))
    return found
