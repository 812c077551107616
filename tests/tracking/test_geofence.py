"""Arrival and departure at stops, with GPS jitter at the edges of the fence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient

from freight.tracking.filters import Fix
from freight.tracking.geofence import StopState, crossings
from tests.fleet_helpers import move
from tests.shipments.direct import events_of
from tests.tracking.conftest import CHICAGO, Road, accept, ago, fix, north_of


async def test_noisy_fixes_arrive_once_and_depart_once(
    client: AsyncClient, app: FastAPI, road: Road
) -> None:
    # Approach the pickup, jitter either side of the 500 m radius, load, then jitter
    # either side of the 750 m exit circle and drive off.
    track = [
        (5000, 40),
        (510, 35),
        (495, 34),  # arrived
        (520, 33),
        (480, 32),
        (530, 31),
        (470, 30),
    ]
    await accept(client, road.driver, [fix(*north_of(CHICAGO, m), ago(t)) for m, t in track])
    await move(client, road.driver, road.load_id, "PICKED_UP")
    leaving = [(700, 20), (740, 19), (760, 18), (745, 17), (770, 16), (740, 15), (3000, 14)]
    await accept(client, road.driver, [fix(*north_of(CHICAGO, m), ago(t)) for m, t in leaving])

    stops = [e for e in await events_of(app, road.load_id) if e.type.startswith("stop.")]
    assert [e.type for e in stops] == ["stop.arrived", "stop.departed"]
    arrived_at, departed_at = ago(34), ago(18)
    assert abs(stops[0].device_time - arrived_at) < timedelta(seconds=5)
    assert abs(stops[1].device_time - departed_at) < timedelta(seconds=5)
    assert stops[0].data["sequence"] == 1 == stops[1].data["sequence"]

    shipment = (await client.get(f"/api/shipments/{road.load_id}", headers=road.buyer.auth)).json()
    pickup, delivery = shipment["stops"]
    assert datetime.fromisoformat(pickup["arrived_at"]) == stops[0].device_time
    assert datetime.fromisoformat(pickup["departed_at"]) == stops[1].device_time
    assert delivery["arrived_at"] is None
    timeline = (
        await client.get(f"/api/shipments/{road.load_id}/events", headers=road.buyer.auth)
    ).json()
    assert [e["type"] for e in timeline["items"]].count("stop.arrived") == 1


def test_the_gap_between_the_circles_is_the_hysteresis() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    stop = StopState(uuid.uuid4(), 1, CHICAGO[0], CHICAGO[1], None, None)
    far = StopState(uuid.uuid4(), 2, 32.7767, -96.7970, None, None)
    metres = [600, 499, 501, 700, 749, 600, 751, 749, 600, 480]
    fixes = [Fix(*north_of(CHICAGO, m), now + timedelta(minutes=i)) for i, m in enumerate(metres)]
    found = crossings([stop, far], fixes, 500, loaded=False)
    assert [(c.kind, c.fix.recorded_at) for c in found] == [
        ("arrived", fixes[1].recorded_at),
        ("departed", fixes[6].recorded_at),
    ]


def test_a_loaded_truck_targets_the_stops_after_the_first_pickup() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    pickup = StopState(uuid.uuid4(), 1, CHICAGO[0], CHICAGO[1], None, None)
    drop = StopState(uuid.uuid4(), 2, *north_of(CHICAGO, 50_000), None, None)
    fixes = [Fix(*north_of(CHICAGO, 49_800), now)]
    found = crossings([pickup, drop], fixes, 500, loaded=True)
    assert [(c.kind, c.stop.sequence) for c in found] == [("arrived", 2)]
