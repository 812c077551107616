"""GPS tracks for the demo's trucks, posted through the tracking service's real ingest.

A leg is a straight line between two points, sampled every few minutes at a highway
speed with a little jitter (a real track wanders around the great circle by a road's
width, and the reported speed by a few km/h); a stay is a truck parked at a dock. Every
fix goes through ``tracking.service.ingest``, so it passes the same filters as a phone's
(order, speed, accuracy, no future times) and moves the driver, the load and its ETA,
and the geofence records the arrivals and departures it sees.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.db import utcnow
from freight.geo import haversine_km
from freight.settings import Settings
from freight.tracking import service as tracking
from freight.tracking.schemas import MAX_BATCH, PositionBatch, PositionIn

EVERY = timedelta(minutes=5)  # how often a truck reports
JITTER_DEG = 0.0015  # about 150 m either side of the line
DOCK_JITTER_DEG = 0.0004  # a parked truck's fixes wander by tens of metres

Point = tuple[float, float]


@dataclass(frozen=True)
class Leg:
    """Driving from ``start`` towards ``end`` from ``at``; ``fraction`` of it is done."""

    start: Point
    end: Point
    at: datetime
    hours: float
    fraction: float = 1.0


def bearing(a: Point, b: Point) -> float:
    """Degrees clockwise from north from ``a`` to ``b``."""
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    dlng = math.radians(b[1] - a[1])
    x = math.sin(dlng) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlng)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def drive(rng: random.Random, route: Leg) -> list[PositionIn]:
    """Fixes every ``EVERY`` along a leg, its last one where the leg's done part ends."""
    total = route.hours * route.fraction
    steps = max(1, math.ceil(total * 3600 / EVERY.total_seconds()))
    heading = round(bearing(route.start, route.end), 1)
    kmh = haversine_km(*route.start, *route.end) / route.hours if route.hours else 0.0
    fixes = []
    for i in range(1, steps + 1):
        share = route.fraction * i / steps
        wobble = JITTER_DEG if i < steps or route.fraction < 1 else DOCK_JITTER_DEG
        lat = route.start[0] + (route.end[0] - route.start[0]) * share + rng.uniform(-1, 1) * wobble
        lng = route.start[1] + (route.end[1] - route.start[1]) * share + rng.uniform(-1, 1) * wobble
        fixes.append(
            PositionIn(
                lat=round(lat, 6),
                lng=round(lng, 6),
                recorded_at=route.at + timedelta(hours=total * i / steps),
                speed_kmh=round(max(0.0, kmh + rng.uniform(-6, 6)), 1),
                heading=heading,
                accuracy_m=round(rng.uniform(4, 15), 1),
            )
        )
    return fixes


def park(rng: random.Random, where: Point, start: datetime, end: datetime) -> list[PositionIn]:
    """A parked truck's fixes every ``EVERY`` from after ``start`` to ``end``."""
    fixes = []
    at = start + EVERY
    while at <= end:
        fixes.append(
            PositionIn(
                lat=round(where[0] + rng.uniform(-1, 1) * DOCK_JITTER_DEG, 6),
                lng=round(where[1] + rng.uniform(-1, 1) * DOCK_JITTER_DEG, 6),
                recorded_at=at,
                speed_kmh=0.0,
                accuracy_m=round(rng.uniform(4, 15), 1),
            )
        )
        at += EVERY
    return fixes


async def post(
    session: AsyncSession,
    feed: Actor,
    driver_id: uuid.UUID,
    fixes: list[PositionIn],
    settings: Settings,
) -> int:
    """Ingest the fixes as the fleet's telematics feed would; how many were accepted."""
    accepted = 0
    for start in range(0, len(fixes), MAX_BATCH):
        body = PositionBatch(driver_id=driver_id, positions=fixes[start : start + MAX_BATCH])
        result = await tracking.ingest(session, feed, body, settings, utcnow())
        accepted += len(result.outcome.accepted)
    return accepted
