"""Estimated arrival at the next stop, from the last position and recent speed (pure).

Distance: great-circle from the last fix to the next stop (the first not yet arrived at)
times the road factor. Speed: the mean speed the device reported over the fixes of the
last 15 minutes (or, when most fixes carry no speed, the path length over the elapsed
time), never below the floor. Stopped (under 5 km/h) or unknown: the configured average
speed instead. Driving time = distance / speed; when the driver's hours are known
(``clocks``), the rests the hours-of-service rules call for are added on the way
(``freight.hours_of_service``), and the stops after the next are driven in turn, an hour
at each dock, to say whether any of them would be reached after its window closes
(``late_risk``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar

from freight.geo import haversine_km
from freight.hours_of_service import Clocks, Leg, Rest, arrivals
from freight.tracking.filters import Fix

RECENT_WINDOW = timedelta(minutes=15)
STATIONARY_KMH = 5.0
DWELL = timedelta(hours=1)  # assumed time at each dock on the way
Basis = Literal["recent_speed", "average_speed", "no_position"]


class StopLike(Protocol):
    @property
    def sequence(self) -> int: ...
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...
    @property
    def arrived_at(self) -> datetime | None: ...
    @property
    def window_end(self) -> datetime | None: ...


@dataclass(frozen=True)
class Estimate:
    eta: datetime | None
    distance_remaining_km: float | None
    basis: Basis
    speed_kmh_used: float | None
    next_stop_sequence: int | None
    computed_at: datetime
    assumed_rests: tuple[Rest, ...] = ()  # on the way to the next stop
    late_risk: bool = False  # a remaining stop reached after its window closes


S = TypeVar("S", bound=StopLike)


def next_stop(stops: Sequence[S], loaded: bool) -> S | None:
    """The first stop, in sequence, the truck has not arrived at yet.

    Once the load is on board the first pickup is behind it, whether or not the geofence
    saw the truck arrive there (no fixes, or a pickup pinned far from the real dock).
    """
    ordered = sorted(stops, key=lambda s: s.sequence)[1 if loaded else 0 :]
    return next((s for s in ordered if s.arrived_at is None), None)


def recent_speed_kmh(fixes: Sequence[Fix]) -> float | None:
    """Mean recent speed over the fixes (oldest first) within the window of the newest."""
    if not fixes:
        return None
    newest = fixes[-1].recorded_at
    window = [f for f in fixes if newest - f.recorded_at <= RECENT_WINDOW]
    reported = [f.speed_kmh for f in window if f.speed_kmh is not None]
    if reported and len(reported) * 2 >= len(window):
        return sum(reported) / len(reported)
    hours = (newest - window[0].recorded_at).total_seconds() / 3600
    if hours <= 0:
        return None
    path = sum(haversine_km(a.lat, a.lng, b.lat, b.lng) for a, b in itertools.pairwise(window))
    return path / hours


def estimate(
    last: Fix | None,
    stops: Sequence[StopLike],
    recent: Sequence[Fix],
    *,
    loaded: bool,
    road_factor: float,
    floor_kmh: float,
    average_kmh: float,
    now: datetime,
    clocks: Clocks | None = None,
) -> Estimate:
    """The ETA at the next stop and how it was reached (``clocks``: the driver's hours)."""
    target = next_stop(stops, loaded)
    sequence = target.sequence if target is not None else None
    if last is None:
        return Estimate(None, None, "no_position", None, sequence, now)
    if target is None:
        return Estimate(None, 0.0, "no_position", None, None, now)
    km = haversine_km(last.lat, last.lng, target.lat, target.lng) * road_factor
    recent_kmh = recent_speed_kmh(recent)
    basis: Basis
    if recent_kmh is None or recent_kmh < STATIONARY_KMH:
        basis, speed = "average_speed", average_kmh
    else:
        basis, speed = "recent_speed", max(recent_kmh, floor_kmh)
    if clocks is None:
        eta = last.recorded_at + timedelta(hours=km / speed)
        late = _after(eta, target.window_end)
        return Estimate(eta, round(km, 1), basis, round(speed, 1), sequence, now, (), late)
    ahead = _remaining(stops, target, last, km, speed, road_factor)
    reached = arrivals(last.recorded_at, ahead, clocks)
    by_sequence = {s.sequence: s for s in stops}
    late = any(_after(a.at, by_sequence[a.sequence].window_end) for a in reached)
    first = reached[0]
    rests = tuple(first.rests)
    return Estimate(first.at, round(km, 1), basis, round(speed, 1), sequence, now, rests, late)


def _remaining(
    stops: Sequence[StopLike],
    target: StopLike,
    last: Fix,
    km: float,
    speed: float,
    road_factor: float,
) -> list[Leg]:
    """The legs still to drive: to the next stop, then from stop to stop."""
    ordered = [s for s in sorted(stops, key=lambda s: s.sequence) if s.sequence >= target.sequence]
    legs = [Leg(target.sequence, timedelta(hours=km / speed), DWELL)]
    for before, after in itertools.pairwise(ordered):
        leg_km = haversine_km(before.lat, before.lng, after.lat, after.lng) * road_factor
        legs.append(Leg(after.sequence, timedelta(hours=leg_km / speed), DWELL))
    return legs


def _after(moment: datetime, window_end: datetime | None) -> bool:
    """Whether ``moment`` is after the window closed (a naive stored window is UTC)."""
    if window_end is None:
        return False
    if window_end.tzinfo is None and moment.tzinfo is not None:
        window_end = window_end.replace(tzinfo=moment.tzinfo)
    return moment > window_end
