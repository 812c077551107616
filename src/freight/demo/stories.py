"""When each demo load happens, relative to the moment of seeding, and where its truck went.

A story fixes a load's windows, the times of its moves (as the driver's phone would
report them) and the GPS fixes its truck sends before each move, so that a load on the
road today left its pickup hours ago and is somewhere along its route now, with an ETA.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from freight.demo import tracks
from freight.demo.data import HUBS, Hub
from freight.demo.people import Crew
from freight.geo import haversine_km
from freight.shipments.lifecycle import Status
from freight.tracking.schemas import PositionIn

ROAD_FACTOR = 1.2  # road km per straight-line km, for the windows a shipper would ask
PLAN_KMH = 65.0  # the speed a shipper plans a delivery window with
MOVING_KMH = 75.0  # straight-line km/h of a truck on the interstate (~90 km/h by road)
DEADHEAD_KMH = 45.0  # yard to dock through town
MINUTE = timedelta(minutes=1)


@dataclass
class Story:
    """A load's windows, its moves' times and the fixes sent before each move."""

    pickup_at: datetime
    delivery_at: datetime
    destination: Hub
    times: dict[str, datetime] = field(default_factory=dict)
    fixes: dict[str, list[PositionIn]] = field(default_factory=dict)


def hour(at: datetime, up: bool = True) -> datetime:
    """``at`` rounded to the hour (up by default)."""
    floor = at.replace(minute=0, second=0, microsecond=0)
    return floor + timedelta(hours=1) if up and floor < at else floor


def point(hub: Hub) -> tracks.Point:
    return hub[2], hub[3]


def destination(rng: random.Random, origin: Hub) -> Hub:
    """A hub a day or two's drive from ``origin``."""

    def km(h: Hub) -> float:
        return haversine_km(*point(origin), *point(h))

    return rng.choice([h for h in HUBS if h != origin and 250 < km(h) < 1500])


def drive_hours(origin: Hub, to: Hub) -> float:
    """The planned drive, with a ten-hour rest when it is more than a day's driving."""
    hours = haversine_km(*point(origin), *point(to)) * ROAD_FACTOR / PLAN_KMH
    return hours + (10 if hours > 11 else 0)


def _story(origin: Hub, to: Hub, pickup_at: datetime) -> Story:
    delivery_at = hour(pickup_at + timedelta(hours=drive_hours(origin, to) + 2))
    return Story(pickup_at, delivery_at, to)


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _to_the_dock(
    rng: random.Random, crew: Crew, origin: Hub, arrive: datetime, picked: datetime
) -> list[PositionIn]:
    """From the yard to the pickup, arriving at ``arrive``, then parked until ``picked``."""
    home = (crew.driver.home_lat or origin[2], crew.driver.home_lng or origin[3])
    hours = haversine_km(*home, *point(origin)) / DEADHEAD_KMH
    deadhead = tracks.Leg(home, point(origin), arrive - timedelta(hours=hours), hours)
    return [*tracks.drive(rng, deadhead), *tracks.park(rng, point(origin), arrive, picked - MINUTE)]


def story_for(
    final: Status, rng: random.Random, now: datetime, crew: Crew | None, origin: Hub
) -> Story:
    """The story of a load that ends in ``final``; ``crew`` carries it when it has one."""
    to = destination(rng, origin)
    if final == Status.PENDING:
        return _story(origin, to, hour(now + timedelta(hours=rng.uniform(3, 120))))
    if final == Status.CANCELLED:
        return _story(origin, to, hour(now + timedelta(hours=rng.uniform(24, 144))))
    assert crew is not None, f"a {final} load has a driver"
    if final == Status.ASSIGNED:
        tale = _story(origin, to, hour(now + timedelta(hours=rng.uniform(2, 30))))
        home = (crew.driver.home_lat or origin[2], crew.driver.home_lng or origin[3])
        tale.fixes["done"] = tracks.park(rng, home, now - timedelta(minutes=35), now - MINUTE)
        return tale
    if final == Status.PICKED_UP:
        return _picked_up(rng, now, crew, origin, to)
    if final == Status.IN_TRANSIT:
        return _in_transit(rng, now, crew, origin, to)
    return _delivered(rng, now, origin, to)


def _picked_up(rng: random.Random, now: datetime, crew: Crew, origin: Hub, to: Hub) -> Story:
    """At the dock since earlier this hour or the last, loaded, paperwork under way."""
    tale = _story(origin, to, hour(now - timedelta(hours=rng.uniform(1, 2.5)), up=False))
    arrive = tale.pickup_at + _minutes(rng, -15, 20)
    picked = min(arrive + _minutes(rng, 35, 60), now - 8 * MINUTE)
    tale.times["pickup"] = picked
    tale.fixes["pickup"] = _to_the_dock(rng, crew, origin, arrive, picked)
    tale.fixes["done"] = tracks.park(rng, point(origin), picked, now - MINUTE)
    return tale


def _in_transit(rng: random.Random, now: datetime, crew: Crew, origin: Hub, to: Hub) -> Story:
    """On the interstate: left the pickup some hours ago, part of the way there."""
    straight_km = haversine_km(*point(origin), *point(to))
    full_hours = straight_km / MOVING_KMH
    driven = max(0.5, min(10.0, rng.uniform(0.15, 0.8) * full_hours))
    depart = now - timedelta(hours=driven) - 2 * MINUTE
    picked = depart - _minutes(rng, 10, 20)
    arrive = picked - _minutes(rng, 35, 60)
    tale = _story(origin, to, hour(arrive - _minutes(rng, 0, 60), up=False))
    tale.times.update(pickup=picked, depart=depart)
    tale.fixes["pickup"] = _to_the_dock(rng, crew, origin, arrive, picked)
    tale.fixes["depart"] = tracks.park(rng, point(origin), picked, depart - MINUTE)
    road = tracks.Leg(point(origin), point(to), depart, full_hours, driven / full_hours)
    tale.fixes["done"] = tracks.drive(rng, road)
    return tale


def _delivered(rng: random.Random, now: datetime, origin: Hub, to: Hub) -> Story:
    """Picked up three to ten days ago and delivered within its window."""
    tale = _story(origin, to, hour(now - timedelta(days=rng.uniform(3, 10)), up=False))
    picked = tale.pickup_at + _minutes(rng, 20, 90)
    depart = picked + _minutes(rng, 10, 20)
    delivered = max(depart + timedelta(hours=drive_hours(origin, to)), tale.delivery_at)
    tale.times.update(pickup=picked, depart=depart, deliver=delivered + _minutes(rng, 10, 150))
    return tale
