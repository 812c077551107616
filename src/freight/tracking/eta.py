"""Estimated arrival at the next stop, from the last position and recent speed (pure).

Distance: great-circle from the last fix to the next stop (the first not yet arrived at)
times the leg's own road factor: the stored road km of the leg into that stop
(``Stop.leg_km``, the router's answer when the stops were set) over its great-circle
length, or the configured road factor for a leg with none. Speed: the mean speed the
device reported over the fixes of the last 15 minutes (or, when most fixes carry no
speed, the path length over the elapsed time), never below the floor. Stopped (under 5
km/h) or unknown: the leg's road speed (its stored km over its stored driving time,
``basis: "route_speed"``), else the configured average speed. The legs after the next
stop are driven in their stored time (at the recent speed when moving), or estimated.
Driving time = distance / speed; when the driver's hours are known
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
MIN_LEG_KM = 1.0  # a shorter leg's road factor is noise: the configured one is used
Basis = Literal["recent_speed", "route_speed", "average_speed", "no_position"]


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
    @property
    def leg_km(self) -> float | None: ...
    @property
    def leg_duration_s(self) -> float | None: ...


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
    by_sequence = {s.sequence: s for s in stops}
    road = _Road(by_sequence, road_factor)
    km = haversine_km(last.lat, last.lng, target.lat, target.lng) * road.factor(target)
    recent_kmh = recent_speed_kmh(recent)
    basis: Basis
    moving = recent_kmh is not None and recent_kmh >= STATIONARY_KMH
    if recent_kmh is not None and moving:
        basis, speed = "recent_speed", max(recent_kmh, floor_kmh)
    elif (leg_kmh := road.speed(target)) is not None:
        basis, speed = "route_speed", leg_kmh
    else:
        basis, speed = "average_speed", average_kmh
    if clocks is None:
        eta = last.recorded_at + timedelta(hours=km / speed)
        late = _after(eta, target.window_end)
        return Estimate(eta, round(km, 1), basis, round(speed, 1), sequence, now, (), late)
    later_kmh = speed if moving else None  # stopped: the later legs take their road time
    ahead = _remaining(stops, target, km / speed, road, later_kmh, average_kmh)
    reached = arrivals(last.recorded_at, ahead, clocks)
    late = any(_after(a.at, by_sequence[a.sequence].window_end) for a in reached)
    first = reached[0]
    rests = tuple(first.rests)
    return Estimate(first.at, round(km, 1), basis, round(speed, 1), sequence, now, rests, late)


class _Road:
    """What the stored legs say about the road into each stop."""

    def __init__(self, by_sequence: dict[int, StopLike], road_factor: float) -> None:
        self.by_sequence = by_sequence
        self.road_factor = road_factor

    def _straight_km(self, stop: StopLike) -> float | None:
        before = self.by_sequence.get(stop.sequence - 1)
        if before is None:
            return None
        return haversine_km(before.lat, before.lng, stop.lat, stop.lng)

    def factor(self, stop: StopLike) -> float:
        """Road km per great-circle km on the leg into ``stop`` (between 1 and 3)."""
        straight = self._straight_km(stop)
        if stop.leg_km is None or straight is None or straight < MIN_LEG_KM:
            return self.road_factor
        return min(max(stop.leg_km / straight, 1.0), 3.0)

    def speed(self, stop: StopLike) -> float | None:
        """The router's speed on the leg into ``stop`` (None when not stored)."""
        if not stop.leg_km or not stop.leg_duration_s or stop.leg_km < MIN_LEG_KM:
            return None
        return stop.leg_km / (stop.leg_duration_s / 3600)

    def hours(self, stop: StopLike, kmh: float | None, average_kmh: float) -> float:
        """Driving hours on the whole leg into ``stop``: at ``kmh`` when given, else the
        stored road time, else estimated."""
        straight = self._straight_km(stop) or 0.0
        km = stop.leg_km if stop.leg_km is not None else straight * self.road_factor
        if kmh is not None:
            return km / kmh
        if stop.leg_duration_s is not None:
            return stop.leg_duration_s / 3600
        return km / average_kmh


def _remaining(
    stops: Sequence[StopLike],
    target: StopLike,
    first_hours: float,
    road: _Road,
    kmh: float | None,
    average_kmh: float,
) -> list[Leg]:
    """The legs still to drive: to the next stop, then from stop to stop."""
    ordered = [s for s in sorted(stops, key=lambda s: s.sequence) if s.sequence >= target.sequence]
    legs = [Leg(target.sequence, timedelta(hours=first_hours), DWELL)]
    for after in ordered[1:]:
        legs.append(
            Leg(after.sequence, timedelta(hours=road.hours(after, kmh, average_kmh)), DWELL)
        )
    return legs


def _after(moment: datetime, window_end: datetime | None) -> bool:
    """Whether ``moment`` is after the window closed (a naive stored window is UTC)."""
    if window_end is None:
        return False
    if window_end.tzinfo is None and moment.tzinfo is not None:
        window_end = window_end.replace(tzinfo=moment.tzinfo)
    return moment > window_end
